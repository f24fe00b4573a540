"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps, IDEs).

- `tool.driver.rules` describes every rule of the registry (title, description, the
  fix as help text and markdown, a link to its doc, level from severity, tags with
  GitHub's `security-severity`); `defaultConfiguration.enabled` says whether this
  run's config turned it on.
- One result per finding, always with a physical location: the file relative to the
  working directory (`uriBaseId` `%SRCROOT%`), line and column; a finding without a
  line points at line 1. The object (kind/namespace/name, or the Pulumi URN) is in
  the message and in `logicalLocations`.
- A result's `level` is `error` when the finding fails this run's gate, else from the
  rule's severity, at most `warning` (critical/high/medium: warning, low: note).
- Suppressed findings are results with `suppressions`: `inSource` for an annotation,
  `external` for a config exemption, the reason as `justification`.
- With `--baseline`, results have a `baselineState`: `unchanged` (recorded in the
  baseline: never `error`, as it does not fail the gate) or `new` (suppressed findings
  the baseline does not record have none); each stale entry is a
  result of `kind` `pass`, level `none`, state `absent`, at its line in the baseline file. `partialFingerprints` has
  `policypackAnchor/v1`, the hash of what the baseline matches (docs/baseline.md).
- Inputs that could not be read or parsed, rules that failed on an object, and
  documents skipped on purpose are not findings about the code: they are
  `toolExecutionNotifications` of the invocation (level error, error, note), whose
  `executionSuccessful` is false when the run exits 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from policypack import __version__
from policypack.baseline import ABSENT, Entry, fingerprint
from policypack.engine import Finding, Location
from policypack.lint import LintResult
from policypack.report import (
    EXIT_ERROR,
    Gate,
    ReportOptions,
    by_file,
    describe_object,
    object_json,
    relative_path,
    tally,
)
from policypack.rule import Rule, Severity
from policypack.spill import LazyList, dump_json
from policypack.values import format_path

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"

#: A rule's default level, from its severity.
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}

#: GitHub code scanning ranks security alerts by this score (0.0-10.0; >= 9.0 is
#: critical, >= 7.0 high, >= 4.0 medium, below that low).
SECURITY_SEVERITY = {Severity.CRITICAL: "9.0", Severity.HIGH: "7.5", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}

#: What toolExecutionNotifications are about (described in driver.notifications).
NOTIFICATIONS = {
    "input-error": "An input could not be read or parsed; the rest of it and every other input were still linted.",
    "rule-error": "A rule failed on an object instead of judging it; other rules' verdicts stand.",
    "skipped": "A document or folder was skipped on purpose (not a Kubernetes object, a Helm template).",
}


def doc_url(rule: Rule, base: str | None = None) -> str:
    """The rule's generated doc: `<base>/<name>.md` (base: --docs-url), else as the
    Pulumi adapter links it ($POLICYPACK_DOCS_BASE_URL, or the file in this checkout)."""
    if base:
        return f"{base.rstrip('/')}/{rule.name}.md"
    from policypack.pulumi_adapter import docs_url

    return docs_url(rule)


def render_sarif(result: LintResult, gate: Gate, options: ReportOptions) -> str:
    return json.dumps(sarif_log(result, gate, options), indent=2) + "\n"


def write_sarif(result: LintResult, gate: Gate, options: ReportOptions, stream: TextIO) -> None:
    """`render_sarif` written as it is encoded, its results made one at a time."""
    dump_json(sarif_log(result, gate, options, lazy=True), stream)
    stream.write("\n")


def sarif_log(result: LintResult, gate: Gate, options: ReportOptions, lazy: bool = False) -> dict[str, Any]:
    """The SARIF log; `lazy`: its results a `LazyList` for `json.dump` (the
    notifications, input errors and rule failures, are few and made first)."""
    rules = sorted(options.rules, key=lambda rule: rule.name)
    stale = gate.baseline is not None and bool(gate.baseline.stale)
    index = {rule.name: i for i, rule in enumerate(rules)}
    root = options.root
    exit_code = gate.exit_code(result)

    def results() -> Iterator[dict[str, Any]]:
        for items in by_file(result).values():
            for item in items:
                if isinstance(item, Finding) and not item.error:
                    yield _result(item, gate, index, root)
        if gate.baseline is not None:
            where = gate.baseline.file
            for entry in gate.baseline.stale:
                yield _absent(entry, index, _location(where, entry.line, None, root))

    notifications = []
    for items in by_file(result, errors_only=True).values():
        for item in items:
            if not isinstance(item, Finding):
                notifications.append(
                    _notification(
                        "input-error", "error", item.message, _location(item.file, item.line, item.column, root)
                    )
                )
            elif item.error:
                where = [_physical(item.location, root)] if item.location else []
                note = _notification("rule-error", "error", f"{describe_object(item.object)}: {item.message}", *where)
                note["associatedRule"] = {
                    "id": item.rule,
                    **({"index": index[item.rule]} if item.rule in index else {}),
                }
                notifications.append(note)
    for note in result.notes:
        notifications.append(
            _notification("skipped", "note", note.message, _location(note.file, note.line, None, root))
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "policypack",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_descriptor(rule, rule.name in options.enabled, options.docs_url) for rule in rules],
                "notifications": [
                    {"id": key, "shortDescription": {"text": text}} for key, text in NOTIFICATIONS.items()
                ],
            }
        },
        "invocations": [
            {
                "executionSuccessful": exit_code != EXIT_ERROR,
                "exitCode": exit_code,
                "toolExecutionNotifications": notifications,
            }
        ],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(root).resolve().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": LazyList(results, empty=not (tally(result, gate).total or stale)) if lazy else list(results()),
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _descriptor(rule: Rule, enabled: bool, docs_base: str | None) -> dict[str, Any]:
    url = doc_url(rule, docs_base)
    fix = rule.how_to_fix or "See the rule's documentation."
    return {
        "id": rule.name,
        "name": _pascal(rule.name),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": unwrap(rule.description or rule.title)},
        "help": {
            "text": f"{unwrap(rule.description)}\n\nHow to fix:\n{fix}\n\nDocumentation: {url}",
            "markdown": f"{rule.description}\n\n**How to fix**\n\n{fix}\n\n[Documentation]({url})",
        },
        "helpUri": url,
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": enabled},
        "properties": {
            "tags": ["security", rule.area, *rule.tags],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "severity": rule.severity.value,
            "enforcement": rule.enforcement.value,
        },
    }


def _result(finding: Finding, gate: Gate, index: dict[str, int], root: str) -> dict[str, Any]:
    obj = finding.object
    fails = gate.fails(finding)
    level = "error" if fails else ("note" if finding.severity is Severity.LOW else "warning")
    physical = _physical(finding.location, root) if finding.location else None
    location: dict[str, Any] = {"physicalLocation": physical} if physical else {}
    identity = f"{obj.api_version}/{obj.kind}/{obj.namespace or ''}/{obj.name or ''}" if obj.kind else obj.type
    location["logicalLocations"] = [
        {"name": obj.name or obj.type, "fullyQualifiedName": obj.urn or identity, "kind": "object"}
    ]
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": level,
        "message": {"text": f"{describe_object(obj)}: {finding.message}"},
        "locations": [location],
        # Stable across line moves: the rule, the object and the field.
        "partialFingerprints": {"policypackFinding/v1": _fingerprint(finding)},
        "properties": {
            "severity": finding.severity.value,
            "enforcement": finding.enforcement.value,
            "failsGate": fails,
            "path": format_path(finding.path),
            "container": finding.container,
            "object": object_json(obj),
        },
    }
    if finding.rule in index:
        out["ruleIndex"] = index[finding.rule]
    anchor = fingerprint(finding)
    if anchor is not None:  # what `--baseline` matches: the rule, object identity and named field path
        out["partialFingerprints"]["policypackAnchor/v1"] = anchor
    state = gate.baseline.state(finding) if gate.baseline is not None else None
    if state is not None:  # none for a suppressed finding the baseline does not record
        out["baselineState"] = state
    if finding.suppression is not None:
        suppression = finding.suppression
        out["suppressions"] = [
            {
                "kind": "inSource" if suppression.kind == "annotation" else "external",
                "status": "accepted",
                "justification": suppression.reason,
                "properties": {"source": suppression.source},
            }
        ]
    return out


def _absent(entry: Entry, index: dict[str, int], physical: dict[str, Any]) -> dict[str, Any]:
    """A stale baseline entry: found when the baseline was written, not in this run. It
    points at the entry in the baseline file: code scanning needs a location (GitHub
    refuses an upload with a result without one), and ignores `kind` and `baselineState`
    (GitHub shows the result as an alert there, until the entry is pruned)."""
    out: dict[str, Any] = {
        "ruleId": entry.rule,
        "kind": "pass",
        "level": "none",
        "baselineState": ABSENT,
        "message": {"text": f"no longer found: stale baseline entry (--prune-baseline drops it): {entry.describe()}"},
        "locations": [{"physicalLocation": physical}],
        "properties": {"baselineEntry": entry.to_json()},
    }
    if entry.rule in index:
        out["ruleIndex"] = index[entry.rule]
    return out


def _fingerprint(finding: Finding) -> str:
    obj = finding.object
    key = "\0".join(
        str(part)
        for part in (
            finding.rule,
            obj.type,
            obj.namespace,
            obj.name,
            obj.urn,
            format_path(finding.path),
            finding.message,
        )
    )
    return hashlib.sha256(key.encode("utf-8", "backslashreplace")).hexdigest()[:32]


def _location(file: str, line: int | None, column: int | None, root: str) -> dict[str, Any]:
    return _physical(Location(file, line, column), root)


def _physical(location: Location, root: str) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": location.line or 1}
    if location.line and location.column:
        region["startColumn"] = location.column
    return {"artifactLocation": artifact(location.file, root), "region": region}


def artifact(file: str, root: str) -> dict[str, str]:
    """A relative URI against %SRCROOT% for files under the root; an absolute file URI
    for others; `<stdin>` percent-encoded (it names no file)."""
    relative = relative_path(file, root)
    if relative is not None:
        # The file name's bytes, percent-encoded (names need not be valid UTF-8).
        return {"uri": quote(os.fsencode(relative)), "uriBaseId": SRCROOT}
    if file.startswith("<"):
        return {"uri": quote(file)}
    return {"uri": Path(file).resolve().as_uri()}


def _notification(key: str, level: str, message: str, *locations: dict[str, Any]) -> dict[str, Any]:
    descriptor = {"id": key, "index": list(NOTIFICATIONS).index(key)}
    note: dict[str, Any] = {"descriptor": descriptor, "level": level, "message": {"text": message}}
    if locations:
        note["locations"] = [{"physicalLocation": physical} for physical in locations]
    return note


def unwrap(text: str) -> str:
    """Docstring paragraphs as single lines (plain-text viewers wrap them themselves);
    indented blocks (examples) keep their lines."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.splitlines()
        indented = any(line[:1].isspace() for line in lines)
        paragraphs.append(paragraph if indented else " ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
