"""Reports of an offline run: the gate (exit code), human text, and JSON; `render`
picks any format (SARIF, JUnit and GitHub workflow commands live in report_*.py).

The JSON layout is documented in docs/json-output.md and fixed by
policypack/schemas/lint-report.schema.json; change both together, and bump
`JSON_VERSION` on any incompatible change.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TextIO

from policypack import __version__
from policypack.baseline import BaselineMatch, fingerprint
from policypack.engine import Finding, ObjectRef, Suppression
from policypack.lint import LintResult
from policypack.loader import STDIN_NAME, InputError
from policypack.rule import Rule, Severity
from policypack.spill import FindingStore, LazyList, dump_json
from policypack.values import format_path

JSON_VERSION = 1

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


@dataclass(frozen=True)
class Gate:
    """Which findings fail the run: every blocking (mandatory) one, and with
    `fail_on` every one at or above that severity."""

    fail_on: Severity | None = None
    # --baseline: its findings are kept out of the gate (and, if strict, stale entries fail it)
    baseline: BaselineMatch | None = field(default=None, compare=False)
    strict: bool = False  # `--profile strict`: a suppression that names nothing fails too

    def fails(self, finding: Finding) -> bool:
        """Whether a finding fails the gate (exit 1). A rule failure is not a finding
        of that kind: it makes the run exit 2 instead."""
        if finding.error or finding.suppression is not None or self.baselined(finding):
            return False
        if finding.blocks:
            return True
        return self.fail_on is not None and finding.severity.rank >= self.fail_on.rank

    def baselined(self, finding: Finding) -> bool:
        """Whether the finding is recorded in the run's baseline (reported, never failing)."""
        return self.baseline is not None and self.baseline.baselined(finding)

    def exit_code(self, result: LintResult) -> int:
        if result.errors or result.rule_errors:
            return EXIT_ERROR
        if tally(result, self).failing:
            return EXIT_FINDINGS
        if self.baseline is not None and self.baseline.strict and self.baseline.stale:
            return EXIT_FINDINGS
        if self.strict and any(w.strict for w in result.warnings):
            return EXIT_FINDINGS
        return EXIT_OK


#: The formats `render` knows, in the order `--help` lists them.
FORMATS = ("text", "json", "sarif", "junit", "github")


@dataclass(frozen=True)
class ReportOptions:
    """What a report needs beyond the result and the gate."""

    rules: Sequence[Rule] = ()  # the registry's rules (SARIF describes each)
    enabled: frozenset[str] = field(default_factory=frozenset)  # the rules this run's config enables
    color: bool = False
    verbose: bool = False  # text: also list suppressed findings and skipped documents
    docs_url: str | None = None  # base URL of docs/rules/ for SARIF's helpUri
    root: str = "."  # file paths in SARIF and GitHub reports are relative to this
    width: int | None = None  # text: longest line (default TEXT_WIDTH; -v does not shorten)
    statistics: bool = False  # text: a count per rule instead of every finding


def write_report(fmt: str, result: LintResult, gate: Gate, options: ReportOptions, stream: TextIO) -> None:
    """The report into `stream` as it is made (JUnit: rendered whole), so that the
    text of a large report never exists in memory all at once."""
    if fmt == "json":
        write_json(result, gate, stream)
    elif fmt == "sarif":
        from policypack.report_sarif import write_sarif

        write_sarif(result, gate, options, stream)
    elif fmt == "github":
        from policypack.report_github import github_lines

        _write_lines(github_lines(result, gate, options), stream)
    elif fmt == "text":
        _write_lines(_text_lines(result, gate, **_text_options(options)), stream)
    else:
        stream.write(render(fmt, result, gate, options))


def _write_lines(lines: Iterator[str], stream: TextIO) -> None:
    """`"\n".join(lines) + "\n"`, written a batch at a time."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= 1000:
            stream.write("\n".join(batch) + "\n")
            batch = []
    if batch:
        stream.write("\n".join(batch) + "\n")


def _text_options(options: ReportOptions) -> dict[str, Any]:
    return {
        "color": options.color,
        "verbose": options.verbose,
        "rules": options.rules,
        "width": options.width,
        "statistics": options.statistics,
    }


def render(fmt: str, result: LintResult, gate: Gate, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    if fmt == "json":
        return render_json(result, gate)
    if fmt == "sarif":
        from policypack.report_sarif import render_sarif

        return render_sarif(result, gate, options)
    if fmt == "junit":
        from policypack.report_junit import render_junit

        return render_junit(result, gate)
    if fmt == "github":
        from policypack.report_github import render_github

        return render_github(result, gate, options)
    if fmt == "text":
        return render_text(result, gate, **_text_options(options))
    raise ValueError(f"unknown report format {fmt!r}")


def relative_path(file: str, root: str = ".") -> str | None:
    """`file` as a forward-slash path relative to `root`, or None when it is not under
    it (or is standard input)."""
    if file == STDIN_NAME:
        return None
    absolute = os.path.abspath(file)
    base = os.path.abspath(root)
    if os.path.commonpath([absolute, base]) != base:
        return None
    return PurePosixPath(*os.path.relpath(absolute, base).split(os.sep)).as_posix()


def describe_object(ref: ObjectRef) -> str:
    return ref.urn or ref.describe()


def describe_suppression(suppression: Suppression) -> str:
    how = "annotation" if suppression.kind == "annotation" else "config exemption"
    return f"suppressed by {how} {suppression.source}: {suppression.reason}"


def _sort_key(item: Finding | InputError) -> tuple:
    if isinstance(item, Finding):
        loc = item.location
        return (loc.line or 0, loc.column or 0, item.rule) if loc else (0, 0, item.rule)
    return (item.line or 0, item.column or 0, "")


class FileGroups:
    """`by_file`'s groups, made one file at a time as they are iterated (`items`,
    `values`): a run's findings may be too many to hold at once (spill.py)."""

    def __init__(self, result: LintResult, errors_only: bool = False) -> None:
        self.result = result
        self.errors_only = errors_only

    def items(self) -> Iterator[tuple[str, list[Finding | InputError]]]:
        result = self.result
        findings = result.findings
        errors: dict[str, list[InputError]] = {}
        for error in result.errors:
            errors.setdefault(error.file, []).append(error)
        if not isinstance(findings, FindingStore):  # a list (tests, library callers)
            findings = FindingStore(spill_after=1 << 62)
            findings.extend(self.result.findings)
        files = dict.fromkeys([*result.sources, *findings.files(), *errors])
        for file in files:
            if self.errors_only:
                found: list[Finding | InputError] = [f for f in findings.errors if _file_of(f) == file]
            else:
                found = list(findings.of_file(file))
            found.extend(errors.get(file, ()))
            if found:
                yield file, sorted(found, key=_sort_key)

    def values(self) -> Iterator[list[Finding | InputError]]:
        return (items for _, items in self.items())


def _file_of(finding: Finding) -> str:
    return finding.location.file if finding.location else "<unknown>"


def by_file(result: LintResult, errors_only: bool = False) -> FileGroups:
    """Findings and input errors grouped by file (in the order files were read, then
    the order of their first finding), each group sorted by place. `errors_only`:
    only input errors and rule failures, in the same order."""
    return FileGroups(result, errors_only)


@dataclass(frozen=True)
class Tally:
    """What the summary lines and the exit code count, in one pass over the findings."""

    total: int = 0  # findings that are not rule failures
    failing: int = 0  # that fail the gate
    suppressed: int = 0  # every suppressed one (summary line)
    suppressed_judged: int = 0  # suppressed, not rule failures (JSON summary)
    baselined: int = 0  # not suppressed, in the baseline (summary line)
    baselined_judged: int = 0  # the same, not rule failures (JSON summary)
    counted: int = 0  # not rule failures, not suppressed, not baselined: the summary's "findings"
    actionable: int = 0  # not rule failures, not suppressed
    severities: tuple[tuple[str, int], ...] = ()  # of the findings that are not rule failures


def tally(result: LintResult, gate: Gate) -> Tally:
    """The counts of `result`'s findings under `gate`. Without a baseline, a
    FindingStore's counts by kind give them without reading the findings back."""
    findings = result.findings
    if isinstance(findings, FindingStore) and gate.baseline is None:
        return _tally_kinds(findings, gate)
    total = failing = suppressed = suppressed_judged = baselined = baselined_judged = counted = actionable = 0
    severities: Counter[str] = Counter()
    for finding in findings:
        error, suppression = finding.error, finding.suppression
        is_baselined = suppression is None and gate.baselined(finding)
        suppressed += suppression is not None
        baselined += is_baselined
        failing += gate.fails(finding)
        if error:
            continue
        total += 1
        severities[finding.severity.value] += 1
        suppressed_judged += suppression is not None
        baselined_judged += is_baselined
        if suppression is None:
            actionable += 1
            counted += not is_baselined
    return Tally(
        total,
        failing,
        suppressed,
        suppressed_judged,
        baselined,
        baselined_judged,
        counted,
        actionable,
        tuple(severities.items()),
    )


def _tally_kinds(findings: FindingStore, gate: Gate) -> Tally:
    """`tally` from the store's counts by kind, for a gate without a baseline (nothing
    is baselined; `Gate.fails` reads only these four)."""
    total = failing = suppressed = suppressed_judged = actionable = 0
    severities: Counter[str] = Counter()
    for (error, is_suppressed, blocks, severity), count in findings.kinds.items():
        suppressed += count if is_suppressed else 0
        if not (error or is_suppressed) and (
            blocks or (gate.fail_on is not None and severity.rank >= gate.fail_on.rank)
        ):
            failing += count
        if error:
            continue
        total += count
        severities[severity.value] += count
        suppressed_judged += count if is_suppressed else 0
        actionable += 0 if is_suppressed else count
    return Tally(total, failing, suppressed, suppressed_judged, 0, 0, actionable, actionable, tuple(severities.items()))


# --- text -------------------------------------------------------------------

_COLORS = {
    "critical": "\033[1;31m",
    "high": "\033[31m",
    "medium": "\033[33m",
    "low": "\033[36m",
    "error": "\033[1;35m",
    "dim": "\033[2m",
    "bold": "\033[1m",
    "green": "\033[32m",
}
_RESET = "\033[0m"


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def safe(text: object) -> str:
    """Text from manifests, made printable on one line: a newline in a container name
    or an annotation must not start a line of its own in a CI log (where `::` lines are
    workflow commands) or send escape sequences to a terminal."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), str(text))


#: Longest line of the text report (without -v): a message is shortened to fit, and
#: -v (or `policypack explain RULE`) gives the whole of it. A terminal's width wins.
TEXT_WIDTH = 120


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 file`, `2 files` (`words` for irregular plurals)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def fix_hint(rule: Rule) -> str:
    """The first sentence of a rule's "How to fix", on one line, for the hint under a
    finding (an example it introduces with a colon is left to `policypack explain`)."""
    paragraph = rule.how_to_fix.strip().split("\n\n", 1)[0]
    text = " ".join(paragraph.split())
    sentence = re.split(r"(?<=[.:;])\s", text, maxsplit=1)[0]
    return sentence.rstrip(".:;")


#: Below this much room beside the location, the message goes on a line of its own.
_MIN_MESSAGE = 50


def _shorten(text: str, room: int) -> str:
    """`text` cut at a word to fit `room` characters, ending in `…`."""
    if len(text) <= room:
        return text
    cut = text[: max(room - 1, 20)]
    if " " in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:(") + "…"


#: What the engine appends to a message about a suppression that did not apply
#: (`settle`): the reader must see it even when the message is shortened.
_SUPPRESSION_NOTE = re.compile(r" \(((?:annotation|exemption|not suppressed)[^()]*)\)$")


def _shorten_keeping_note(text: str, room: int) -> str:
    note = _SUPPRESSION_NOTE.search(text)
    if note is None or len(text) <= room:
        return _shorten(text, room)
    tail = note[0]
    return _shorten(text[: note.start()], max(room - len(tail), 30)) + tail


def _clickable(file: str, line: int | None, column: int | None) -> str:
    """`file:line:col:` as compilers, ruff and editors print it."""
    if line is None:
        return f"{file}:"
    return f"{file}:{line}:{column}:" if column is not None else f"{file}:{line}:"


def render_text(
    result: LintResult,
    gate: Gate,
    *,
    color: bool = False,
    verbose: bool = False,
    rules: Sequence[Rule] = (),
    width: int | None = None,
    statistics: bool = False,
) -> str:
    """One clickable line per finding, `path:line:col: rule [severity, status] object:
    message`, with a one-line fix hint under it; then warnings and the summary."""
    lines = _text_lines(result, gate, color=color, verbose=verbose, rules=rules, width=width, statistics=statistics)
    return "\n".join(lines) + "\n"


def _text_lines(
    result: LintResult,
    gate: Gate,
    *,
    color: bool = False,
    verbose: bool = False,
    rules: Sequence[Rule] = (),
    width: int | None = None,
    statistics: bool = False,
) -> Iterator[str]:
    """`render_text`'s lines, made as they are written."""

    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_RESET}" if color else text

    def shown(item: Finding | InputError) -> bool:
        return verbose or not (isinstance(item, Finding) and (item.suppression is not None or gate.baselined(item)))

    limit = None if verbose else (width or TEXT_WIDTH)
    hints = {rule.name: fix_hint(rule) for rule in rules}
    lines: list[str] = []  # the lines of one file, then of each part after the findings
    some = False  # whether any line came before the warnings
    if statistics:
        lines.extend(statistics_lines(result, gate, paint))
    for file, all_items in [] if statistics else by_file(result).items():
        some = some or bool(lines)
        yield from lines
        lines = []
        for item in all_items:
            if not shown(item):
                continue
            if isinstance(item, InputError):
                head = _clickable(safe(file), item.line, item.column)
                lines.append(f"{head} {paint('error', 'error')}: {safe(item.message)}")
                continue
            loc = item.location
            head = _clickable(safe(file), loc.line, loc.column) if loc else f"{safe(file)}:"
            level = "error" if item.error else item.severity.value
            if item.error:
                status = "rule failed"
            elif item.suppression is not None:
                status = safe(describe_suppression(item.suppression))
            elif gate.baselined(item):
                status = "baselined"
            elif gate.fails(item):
                status = "fails the gate" if item.blocks else f"fails --fail-on {gate.fail_on.value}"
            else:
                status = item.enforcement.value
            style = "error" if item.error else "high" if gate.fails(item) else "dim"
            tag = f"[{paint(level, level)}, {paint(status, style)}]"
            plain = len(f"[{level}, {status}]")
            text = f"{safe(describe_object(item.object))}: {safe(item.message)}"
            first = f"{head} {paint(item.rule, 'bold')} {tag}"
            room = None if limit is None else limit - len(head) - len(item.rule) - plain - 3
            if room is None:
                lines.append(f"{first} {text}")
            elif len(text) <= room or (room >= _MIN_MESSAGE and room >= limit // 2):
                lines.append(f"{first} {_shorten_keeping_note(text, room)}")
            else:  # a long message or path: the message on a line of its own, whole where it fits
                lines.extend([first, "  " + _shorten_keeping_note(text, limit - 2)])
            hint = hints.get(item.rule)
            if hint and not item.error:  # the whole "How to fix": `policypack explain RULE`
                lines.append("  " + paint(f"fix: {_shorten(hint, limit - 7) if limit else hint}", "dim"))
    if lines or some:
        lines.append("")
    for warning in result.warnings:
        head = _clickable(safe(warning.file), warning.line, warning.column)
        lines.append(f"{head} {paint('warning', 'medium')}: {safe(warning.message)}")
    if result.warnings:
        lines.append("")
    if verbose:
        for note in result.notes:
            where = f":{note.line}" if note.line else ""
            lines.append(paint(safe(f"note: {note.file}{where}: {note.message}"), "dim"))
        if result.notes:
            lines.append("")
        if gate.baseline is not None and gate.baseline.stale:
            for entry in gate.baseline.stale:
                where = f"{gate.baseline.file}:{entry.line}" if entry.line else gate.baseline.file
                lines.append(paint(safe(f"{where}: stale baseline entry: {entry.describe()}"), "dim"))
            lines.append("")
    lines.append(summary_line(result, gate, paint, verbose=verbose))
    advice = next_steps(result, gate, rules)
    if advice:
        lines.append(advice)
    yield from lines


def statistics_lines(result: LintResult, gate: Gate, paint: Any) -> list[str]:
    """`--statistics`: findings per rule, most first, like `ruff --statistics`."""
    counts: Counter[str] = Counter()
    failing: Counter[str] = Counter()
    severity: dict[str, str] = {}
    for finding in result.findings:
        if finding.error or finding.suppression is not None:
            continue
        counts[finding.rule] += 1
        failing[finding.rule] += gate.fails(finding)
        severity[finding.rule] = finding.severity.value
    if not counts:
        return []
    width = max(len(name) for name in counts)
    rows = [f"{'count':>6}  {'failing':>7}  {'severity':<8}  rule"]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], -Severity(severity[item[0]]).rank, item[0]))
    for name, count in ranked:
        level = severity[name]
        rows.append(f"{count:>6}  {failing[name]:>7}  {paint(f'{level:<8}', level)}  {name:<{width}}".rstrip())
    by_level = Counter(severity[name] for name in counts for _ in range(counts[name]))
    rows.append(
        "by severity: " + ", ".join(f"{by_level[s.value]} {s.value}" for s in sorted(Severity, key=lambda s: -s.rank))
    )
    return rows


def next_steps(result: LintResult, gate: Gate, rules: Sequence[Rule] = ()) -> str:
    """Where to go from the findings: the rule's page and how to accept a finding; and,
    when the run looks like a local development stack and findings of best-practice
    rules are reported, the profile that judges only what would break."""
    if not tally(result, gate).actionable:
        return ""
    advice = (
        "Why and how to fix: `policypack explain RULE`.\n"
        'To accept a finding: annotation `ignore.policypack.io/RULE: "reason"` or a config exemption '
        "(docs/suppressions.md)."
    )
    correctness = {rule.name for rule in rules if rule.in_profile("correctness")}
    if (
        result.local_stack is not None
        and correctness
        and any(f.rule not in correctness and not f.error and f.suppression is None for f in result.findings)
    ):
        file, line, what = result.local_stack
        shown = relative_path(file) or file
        where = f"{shown}:{line}" if line else shown
        advice += (
            f"\nThis looks like a local development stack ({what}, {where}): `--profile correctness` "
            "judges only what stops objects applying or working."
        )
    return advice


def summary_line(
    result: LintResult, gate: Gate, paint: Any = lambda text, style: text, *, verbose: bool = False
) -> str:
    """One line: findings (suppressed ones apart), what was read, errors, the verdict."""
    counts = tally(result, gate)
    suppressed, baselined, failing = counts.suppressed, counts.baselined, counts.failing
    parts = [
        f"{plural(counts.counted, 'finding')} ({failing} failing the gate)",
        f"{plural(result.objects, 'object')} in {plural(result.documents, 'document')} "
        f"from {plural(result.files, 'file')}",
    ]
    if suppressed:
        parts.insert(1, f"{suppressed} suppressed" + ("" if verbose else " (-v lists them)"))
    if gate.baseline is not None:
        parts.insert(1, f"{baselined} baselined" + ("" if verbose or not baselined else " (-v lists them)"))
        stale = sum(entry.count for entry in gate.baseline.stale)
        if stale:
            hint = "--prune-baseline drops them" + ("" if verbose else "; -v lists them")
            fails = ", failing --strict-baseline" if gate.baseline.strict else ""
            parts.insert(2, f"{plural(stale, 'stale baseline entry', 'stale baseline entries')}{fails} ({hint})")
    if result.errors:
        parts.append(paint(plural(len(result.errors), "input error"), "error"))
    if result.rule_errors:
        parts.append(paint(plural(len(result.rule_errors), "rule failure"), "error"))
    if result.warnings:
        parts.append(paint(plural(len(result.warnings), "warning"), "medium"))
    if result.files and not result.objects:
        parts.append(paint("no Kubernetes objects or Pulumi resources found", "medium"))
    skipped = len(result.notes)
    if skipped:
        parts.append(f"{skipped} skipped" + ("" if verbose else " (-v lists them)"))
    code = gate.exit_code(result)
    verdict = {
        EXIT_OK: paint("passed", "green"),
        EXIT_FINDINGS: paint("failed", "high"),
        EXIT_ERROR: paint("error", "error"),
    }[code]
    return f"{'; '.join(parts)}. Gate: {verdict} (exit {code})."


# --- JSON -------------------------------------------------------------------


def finding_json(finding: Finding, gate: Gate) -> dict[str, Any]:
    loc = finding.location
    obj = finding.object
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "enforcement": finding.enforcement.value,
        "failsGate": gate.fails(finding),
        "ruleError": finding.error,
        "message": finding.message,
        "file": loc.file if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
        "path": format_path(finding.path),
        "container": finding.container,
        "suppression": _suppression_json(finding.suppression),
        "baseline": gate.baseline.state(finding) if gate.baseline is not None else None,
        "fingerprint": fingerprint(finding),
        "folded": [_folded_json(f) for f in finding.folded],
        "object": object_json(obj),
    }


def object_json(obj: ObjectRef) -> dict[str, Any]:
    """The object a finding is about, as JSON and SARIF reports name it."""
    return {
        "apiVersion": obj.api_version,
        "kind": obj.kind,
        "namespace": obj.namespace,
        "name": obj.name,
        "type": obj.type,
        "urn": obj.urn,
    }


def _folded_json(finding: Finding) -> dict[str, Any]:
    """A finding folded into another (same root cause, see policypack/folding.py)."""
    loc = finding.location
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "enforcement": finding.enforcement.value,
        "message": finding.message,
        "file": loc.file if loc else None,  # another file's for a copy of the object (lint.fold_copies)
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
        "path": format_path(finding.path),
        "container": finding.container,
        # its own object: another one's for a copy (lint.fold_copies) or a finding of
        # one cause on several objects (engine.stack_findings)
        "object": object_json(finding.object),
    }


def _suppression_json(suppression: Suppression | None) -> dict[str, str] | None:
    if suppression is None:
        return None
    return {"kind": suppression.kind, "reason": suppression.reason, "source": suppression.source}


def render_json(result: LintResult, gate: Gate) -> str:
    return json.dumps(json_report(result, gate), indent=2) + "\n"


def write_json(result: LintResult, gate: Gate, stream: TextIO) -> None:
    """The JSON report written as it is encoded: neither its text nor the dicts of its
    findings (made one at a time, `lazy`) exist in memory all at once."""
    dump_json(json_report(result, gate, lazy=True), stream)
    stream.write("\n")


def json_report(result: LintResult, gate: Gate, lazy: bool = False) -> dict[str, Any]:
    """The report as JSON data; `lazy`: its findings a `LazyList` for `json.dump`."""
    counts = tally(result, gate)
    severities = dict(counts.severities)

    def ordered() -> Iterator[dict[str, Any]]:
        for items in by_file(result).values():
            for item in items:
                if isinstance(item, Finding):
                    yield finding_json(item, gate)

    return {
        "version": JSON_VERSION,
        "tool": {"name": "policypack", "version": __version__},
        "summary": {
            "files": result.files,
            "documents": result.documents,
            "objects": result.objects,
            "findings": counts.total,
            "failing": counts.failing,
            "suppressed": counts.suppressed_judged,
            "baselined": counts.baselined_judged,
            "bySeverity": {s.value: severities.get(s.value, 0) for s in Severity},
            "inputErrors": len(result.errors),
            "ruleErrors": len(result.rule_errors),
            "exitCode": gate.exit_code(result),
        },
        "findings": LazyList(ordered, empty=not result.findings) if lazy else list(ordered()),
        "errors": [{"file": e.file, "line": e.line, "column": e.column, "message": e.message} for e in result.errors],
        "skipped": [{"file": n.file, "line": n.line, "message": n.message} for n in result.notes],
        "baseline": _baseline_json(gate.baseline),
        "warnings": [
            {"file": w.file, "line": w.line, "column": w.column, "message": w.message, "failsStrict": w.strict}
            for w in result.warnings
        ],
    }


def _baseline_json(match: BaselineMatch | None) -> dict[str, Any] | None:
    if match is None:
        return None
    stale = [{**entry.to_json(), "line": entry.line} for entry in match.stale]  # line: in the baseline file
    return {"file": match.file, "strict": match.strict, "stale": stale}
