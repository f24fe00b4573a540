"""Fixes: which apply to an object (both modes), and `policypack fix` over files.

A fix applies to an object when its rule has a finding there that counts: not a rule
failure, not suppressed by an annotation, not exempted in the config. A finding
suppressed for one container keeps the fix away from that container only. Unsafe
fixes apply only when asked (`--unsafe-fixes`, or the rule's `unsafeFixes: true`).
Fragments (a kustomize patch, a workload without images) are never fixed: they are
not what gets deployed.

A stack rule's fix (its finding needs the whole set: the bindings of a pod's service
account) is offline only. `policypack fix` lints every input first, runs the stack
rules over that set, and hands each object the stack findings on it (matched by file
and identity); the fix proposes changes from the object alone, and only those at the
paths of those findings are made. Pulumi remediates one resource before the stack is
known, so it never applies a stack rule's fix (policypack/pulumi_remediate.py).

Offline, the changes go into the text surgically (policypack/fix_yaml.py), and the
result is checked: the edited text must parse to the original data with exactly the
changes applied, or the file is left as it was and the run says why. Passes repeat
until nothing is left to fix (a fix may make another rule's fix possible), so a
second run changes nothing.
"""

from __future__ import annotations

import copy
import difflib
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, TextIO

import yaml

from policypack import fix_yaml
from policypack.engine import Engine, Finding, ObjectRef, log
from policypack.fragments import Fragments, partial_reason
from policypack.loader import STDIN, STDIN_NAME, Document, InputError, expand_paths, parse_documents
from policypack.model import Resource, is_kubernetes_manifest, manifest_objects, resource_from_manifest
from policypack.patch import Change, apply_to_data
from policypack.rule import PROFILES, Rule
from policypack.values import holds_unknown

MAX_PASSES = 5


# --- which changes (both modes) -------------------------------------------------


def fix_allowed(rule: Rule, options: Mapping[str, Any], unsafe: bool) -> bool:
    """Whether the rule's fix may be applied at all (it has one, and it is safe or asked for)."""
    if rule.fix is None:
        return False
    return rule.fix.safe or unsafe or options.get("unsafeFixes") is True


def rule_changes(
    rule: Rule, resource: Resource, options: Mapping[str, Any], findings: Iterable[Finding]
) -> list[Change]:
    """The changes of the rule's fix for this object, given the rule's findings on it
    (settled). Nothing when no finding counts, when the object is a fragment, or when
    the fix fails (a fix that fails is logged and skipped, as a check's failure is
    isolated)."""
    findings = [f for f in findings if f.rule == rule.name]
    if rule.fix is None or not any(not f.error and f.suppression is None for f in findings):
        return []
    if any(f.error for f in findings) or is_fragment(resource):
        return []
    suppressed = [f for f in findings if f.suppression is not None]
    if any(f.container is None for f in suppressed):
        return []  # the whole object is suppressed or exempted for this rule
    kept_away = [c.path for c in resource.containers() if any(c.name == f.container for f in suppressed)]
    try:
        changes = list(rule.fix.function(resource, options))
    except Exception:  # noqa: BLE001 - one failing fix never stops the others
        log.debug("the fix of %s failed on %s", rule.name, ObjectRef.of(resource).describe(), exc_info=True)
        return []
    changes = [
        c
        for c in changes
        if c.path and not holds_unknown(c.value) and not any(c.path[: len(p)] == p for p in kept_away)
    ]
    if rule.stack and rule.object_check is None:
        # The fix sees the object alone: of what it proposes, only what the set's
        # findings name is made (a pod whose account is bound keeps its token). A rule
        # that judges the object by its own check (`Rule.object_check`) fixes what
        # that check finds, wherever the set left a finding on the object.
        found = [f.path for f in findings if not f.error and f.suppression is None]
        changes = [c for c in changes if any(c.path[: len(p)] == p for p in found)]
    return changes


def is_fragment(resource: Resource) -> bool:
    """A partial object (a kustomize patch, an unrendered template) rather than one that
    gets deployed: the same test lint uses to skip it (policypack/fragments.py)."""
    return partial_reason(resource.props) is not None


def object_changes(
    engine: Engine, resource: Resource, unsafe: bool, stack_findings: Iterable[Finding] = ()
) -> tuple[list[Change], Counter[str]]:
    """Every applicable fix's changes for one object, and the findings they address per
    rule. `stack_findings`: the stack rules' findings on this object, from the set it
    was linted in (without them, no stack rule's fix applies)."""
    findings = [*engine.run(resource), *stack_findings]
    changes: list[Change] = []
    fixed: Counter[str] = Counter()
    for rule in [*engine.rules_for(resource), *engine.stack_rules_for(resource)]:
        options = engine.config.for_rule(rule).options
        if not fix_allowed(rule, options, unsafe):
            continue
        found = rule_changes(rule, resource, options, findings)
        if found:
            changes.extend(found)
            fixed[rule.name] += sum(1 for f in findings if f.rule == rule.name and f.suppression is None)
    return changes, fixed


# --- offline: text in, text out -----------------------------------------------


def fixing_stack_rules(engine: Engine, unsafe: bool) -> list[Rule]:
    """The enabled stack rules whose fix may be applied in this run."""
    found = []
    for rule in engine.registry:
        settings = engine.config.for_rule(rule)
        if rule.stack and settings.enabled and fix_allowed(rule, settings.options, unsafe):
            found.append(rule)
    return found


def stack_findings(
    engine: Engine, unsafe: bool, inputs: Iterable[tuple[str, str]]
) -> dict[tuple[str, ObjectRef], list[Finding]]:
    """The findings of the stack rules that may fix something, over the set of every
    input (file name, text), as `policypack lint` groups them: by file and object
    (`StackFindings`). Only those rules run (no resource rule is needed here)."""
    from policypack.lint import LintResult, lint_text, run_stack_rules
    from policypack.registry import Registry

    rules = fixing_stack_rules(engine, unsafe)
    if not rules:
        return {}
    narrow = Engine(Registry({rule.name: rule for rule in rules}), engine.config, engine.today)
    result = LintResult()
    for name, text in inputs:
        lint_text(name, text, narrow, result)
    run_stack_rules(narrow, result)
    found: dict[tuple[str, ObjectRef], list[Finding]] = {}
    for finding in result.findings:
        if finding.location is not None and not finding.error:
            found.setdefault((finding.location.file, finding.object), []).append(finding)
    return found


@dataclass
class FileFix:
    name: str
    original: str
    fixed: str
    rules: Counter[str] = field(default_factory=Counter)  # findings addressed, per rule
    problems: list[str] = field(default_factory=list)  # why something was not fixed

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


#: The stack rules' findings of a run, by file and object (see `stack_findings`).
StackFindings = Mapping[tuple[str, ObjectRef], list[Finding]]


def fix_text(name: str, text: str, engine: Engine, unsafe: bool = False, stack: StackFindings | None = None) -> FileFix:
    """Apply every applicable fix to a YAML stream, pass after pass until none is left.
    `stack`: the stack rules' findings of the set the file belongs to (`stack_findings`)."""
    result = FileFix(name, text, text)
    if kustomize_patch(name):
        result.problems.append("not fixed: the file is a patch named in a kustomization")
        return result
    for _ in range(MAX_PASSES):
        plan, data, counts, problem = _plan(name, result.fixed, engine, unsafe, stack or {})
        if problem:
            result.problems.append(problem)
            break
        if not plan:
            break
        edited, problem = _edit(result.fixed, plan, data, name)
        if problem and problem not in result.problems:
            result.problems.append(problem)
        if edited is None or edited == result.fixed:
            break
        result.fixed = edited
        result.rules.update(counts)
    return result


def _plan(
    name: str, text: str, engine: Engine, unsafe: bool, stack: StackFindings
) -> tuple[dict[int, list[Change]], dict[int, Any], Counter[str], str | None]:
    plan: dict[int, list[Change]] = {}
    data: dict[int, Any] = {}
    counts: Counter[str] = Counter()
    for item in parse_documents(name, text):
        if isinstance(item, InputError):
            return {}, {}, Counter(), "not fixed: the file does not parse (run `policypack lint` to see where)"
        if not is_kubernetes_manifest(item.data):
            continue  # stack exports, previews, other YAML: nothing to rewrite
        for manifest, base in manifest_objects(item.data):
            resource = resource_from_manifest(manifest)
            found = stack.get((name, ObjectRef.of(resource)), ()) if stack else ()
            changes, fixed = object_changes(engine, resource, unsafe, found)
            if changes:
                plan.setdefault(item.index, []).extend(Change(base + c.path, c.value, c.append) for c in changes)
                data[item.index] = item.data
                counts.update(fixed)
    return plan, data, counts, None


def _edit(text: str, plan: dict[int, list[Change]], data: dict[int, Any], name: str) -> tuple[str | None, str | None]:
    """The text with the plan written in, checked; documents whose edit cannot be
    made or checked are left out (and said so)."""
    try:
        nodes = fix_yaml.compose(text)
    except yaml.YAMLError:
        return None, "not fixed: libyaml cannot compose the file"
    problems: list[str] = []
    plan = dict(plan)
    while plan:
        try:
            edited = fix_yaml.apply_edits(text, nodes, plan)
        except fix_yaml.EditError as error:
            bad = _first_bad(text, nodes, plan)
            problems.append(f"document {bad + 1}: not fixed: {error}")
            del plan[bad]
            continue
        wrong = _check(name, edited, plan, data)
        if not wrong:
            return edited, "; ".join(problems) or None
        for index in wrong:
            problems.append(f"document {index + 1}: not fixed: the edit would change more than the fixed fields")
            del plan[index]
    return None, "; ".join(problems) or None


def _first_bad(text: str, nodes: list[Any], plan: dict[int, list[Change]]) -> int:
    for index in sorted(plan):
        try:
            fix_yaml.apply_edits(text, nodes, {index: plan[index]})
        except fix_yaml.EditError:
            return index
    return min(plan)


def _check(name: str, edited: str, plan: dict[int, list[Change]], data: dict[int, Any]) -> list[int]:
    """Documents whose edited data is not the original data with the changes applied."""
    documents = [item for item in parse_documents(name, edited)]
    if any(isinstance(item, InputError) for item in documents):
        return sorted(plan)
    by_index = {item.index: item.data for item in documents if isinstance(item, Document)}
    return [
        index
        for index, changes in plan.items()
        if by_index.get(index) != apply_to_data(copy.deepcopy(data[index]), changes)
    ]


_FRAGMENTS = Fragments()


def kustomize_patch(name: str) -> bool:
    """Whether a kustomization beside the file names it as a patch (lint skips it too)."""
    if name == STDIN_NAME:
        return False
    return _FRAGMENTS.why_fragment(name, {}) is not None


# --- the command ----------------------------------------------------------------


def add_parser(commands: Any) -> None:
    """`policypack fix`: the subcommand's arguments (cli.py calls this)."""
    fix = commands.add_parser(
        "fix",
        help="fix findings in Kubernetes manifests, in place",
        description="Apply the rules' fixes to YAML manifests, changing only the fixed fields. Safe fixes by "
        "default; --unsafe-fixes adds those that can change how an application runs. Exit 0: no finding "
        "fails the gate after fixing; 1: some still do; 2: an input or config error.",
    )
    fix.add_argument("paths", nargs="+", metavar="PATH", help="files, directories (recursive), or - (stdin to stdout)")
    fix.add_argument("--diff", action="store_true", help="print a unified diff of the fixes and change nothing")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes (see docs/fixes.md)")
    fix.add_argument("--config", "-c", metavar="FILE", help="rule config in Pulumi policy-pack-config format")
    fix.add_argument("--profile", "-p", choices=list(PROFILES), help="start from a shipped profile, as in lint")
    fix.add_argument("--kubernetes-version", metavar="1.N", help="target cluster version, as in lint")
    fix.add_argument("--fail-on", choices=["low", "medium", "high", "critical"], help="as in lint")
    fix.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors and the diff")
    fix.add_argument(
        "--exclude", action="append", default=[], metavar="PATTERN", help="skip matching files and folders, as in lint"
    )


def fix_command(args: Any, registry: Any, stdin: Any, stdout: TextIO) -> int:
    from policypack.cli import lint_config
    from policypack.config import ConfigError
    from policypack.lint import LintResult, lint_text, run_stack_rules
    from policypack.profiles import ProfileError
    from policypack.report import EXIT_ERROR, Gate, plural
    from policypack.rule import Severity

    err = sys.stderr
    try:
        engine = Engine(registry, lint_config(args, registry))
    except (ConfigError, ProfileError) as error:
        print(f"policypack fix: invalid config: {error}", file=err)
        return EXIT_ERROR
    gate = Gate(Severity(args.fail_on) if args.fail_on else None)
    after = LintResult()
    code = 0
    fixed_files = fixed_findings = 0
    # Every input is read first: a stack rule's findings come from the whole set.
    inputs: list[tuple[str, str, str | InputError, bytes]] = []
    for item in expand_paths(list(args.paths), args.exclude):
        if not isinstance(item, str):
            if isinstance(item, InputError):
                print(f"policypack fix: {item.file}: {item.message}", file=err)
                code = EXIT_ERROR
            continue
        _raw, text, bom = _read(item, getattr(stdin, "buffer", stdin) if stdin is not None else None)
        inputs.append((item, STDIN_NAME if item == STDIN else item, text, bom))
    stack = stack_findings(engine, args.unsafe_fixes, [(n, t) for _, n, t, _ in inputs if isinstance(t, str)])
    for item, name, text, bom in inputs:
        if isinstance(text, InputError):
            print(f"policypack fix: {text.file}: {text.message}", file=err)
            code = EXIT_ERROR
            continue
        result = fix_text(name, text, engine, args.unsafe_fixes, stack)
        for problem in result.problems:
            print(f"policypack fix: {name}: {problem}", file=err)
        if result.changed:
            fixed_files += 1
            fixed_findings += sum(result.rules.values())
            if not args.quiet:
                summary = ", ".join(f"{rule} ({count})" for rule, count in sorted(result.rules.items()))
                print(f"{name}: {'would fix' if args.diff else 'fixed'} {summary}", file=err)
        if args.diff:
            if result.changed:
                label = name if item != STDIN else "-"
                stdout.writelines(
                    difflib.unified_diff(
                        result.original.splitlines(True), result.fixed.splitlines(True), f"a/{label}", f"b/{label}"
                    )
                )
        elif item == STDIN:
            stdout.write(result.fixed)
        elif result.changed:
            try:
                with open(item, "wb") as handle:
                    handle.write(bom + result.fixed.encode("utf-8"))
            except OSError as error:
                print(f"policypack fix: cannot write {item}: {error.strerror or error}", file=err)
                code = EXIT_ERROR
        lint_text(name, result.fixed, engine, after)
    run_stack_rules(engine, after)
    remaining = [f for f in after.findings if f.suppression is None]
    if not args.quiet:
        verb = "would fix" if args.diff else "fixed"
        print(
            f"policypack fix: {verb} {plural(fixed_findings, 'finding')} in {plural(fixed_files, 'file')}; "
            f"{len(remaining)} remain{'s' if len(remaining) == 1 else ''} (`policypack lint` shows them)",
            file=err,
        )
    return max(code, gate.exit_code(after))


def _read(item: str, stdin: Any) -> tuple[bytes, str | InputError, bytes]:
    """The bytes, the text, and the BOM to write back. Only UTF-8 is rewritten (the
    bytes must come back exactly as they were, except the fixed fields)."""
    try:
        raw = (stdin or sys.stdin.buffer).read() if item == STDIN else FsPath(item).read_bytes()
    except OSError as error:
        return b"", InputError(item, f"cannot read: {error.strerror or error}"), b""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = raw[len(bom) :].decode("utf-8")
    except UnicodeDecodeError:
        return raw, InputError(STDIN_NAME if item == STDIN else item, "not fixed: not UTF-8 text"), bom
    return raw, text, bom
