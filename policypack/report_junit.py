"""JUnit XML for CI test dashboards (GitLab `artifacts:reports:junit`, Jenkins `junit`).

- One `<testsuite>` per rule that judged something, named after the rule; one
  `<testcase>` per object the rule judged (classname: the rule; name: the object and
  where it starts, `file:line`; attribute `file`). The rule name has no dots, so
  Jenkins, which splits classnames at dots, shows it as one class.
- The test cases mirror the gate: a case *fails* when one of its findings fails this
  run's gate (every such finding is in the failure's text with file:line:column); a
  rule that failed on the object is an `<error>`; a case whose only findings are
  suppressed is `<skipped>` with the reason; advisory findings that do not fail the
  gate leave the case passing and are listed in its `<system-out>`. So the report is
  red exactly when the exit code is.
- A last suite, `policypack inputs`, has a case per input read: an `<error>` for each
  file that could not be read or parsed.
- With `--baseline`, baselined findings are like suppressed ones (`<skipped>` when
  they are all a case has), and a suite `policypack baseline` has a case per stale
  entry (a `<failure>` under `--strict-baseline`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field

from policypack.engine import Finding, ObjectRef
from policypack.lint import LintResult
from policypack.loader import InputError
from policypack.report import Gate, describe_object, describe_suppression

INPUT_SUITE = "policypack inputs"
BASELINE_SUITE = "policypack baseline"

# Characters XML 1.0 cannot carry (control characters, lone surrogates from
# undecodable file names): shown escaped, as the text report does.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _NOT_XML.sub(escape, text)


@dataclass
class _Case:
    rule: str
    ref: ObjectRef
    file: str | None
    line: int | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{describe_object(self.ref)} ({where})" if where else describe_object(self.ref)


def _cases(result: LintResult) -> dict[str, list[_Case]]:
    """Test cases per rule: the objects each rule judged, with their findings."""
    suites: dict[str, list[_Case]] = {}
    index: dict[tuple[str, str | None, ObjectRef], _Case] = {}
    for ref, location, rules in result.checks:
        for rule in rules:
            case = _Case(rule, ref, location.file, location.line)
            suites.setdefault(rule, []).append(case)
            index.setdefault((rule, location.file, ref), case)
    for finding in result.findings:
        file = finding.location.file if finding.location else None
        case = index.get((finding.rule, file, finding.object))
        if case is None:  # a stack rule's failure over the whole set: no object of its own
            line = finding.location.line if finding.location else None
            case = index[(finding.rule, file, finding.object)] = _Case(finding.rule, finding.object, file, line)
            suites.setdefault(finding.rule, []).append(case)
        case.findings.append(finding)
    return suites


def _line(finding: Finding, gate: Gate | None = None) -> str:
    loc = finding.location
    where = ""
    if loc:
        where = f"{loc.file}:{loc.line}:{loc.column}: " if loc.line and loc.column else f"{loc.file}: "
    status = finding.enforcement.value
    if finding.suppression is not None:
        status = describe_suppression(finding.suppression)
    elif gate is not None and gate.baselined(finding):
        status = f"{status}, {_why_not_counted(finding, gate)}"
    return f"{where}{finding.message} ({finding.severity.value}, {status})"


def _why_not_counted(finding: Finding, gate: Gate) -> str:
    if finding.suppression is not None:
        return describe_suppression(finding.suppression)
    return f"baselined in {gate.baseline.file}" if gate.baseline is not None else "baselined"


def _testcase(case: _Case, gate: Gate) -> tuple[ET.Element, str]:
    """The element, and its outcome: passed, failure, error or skipped."""
    element = ET.Element("testcase", name=_xml(case.name), classname=case.rule, time="0")
    if case.file:
        element.set("file", _xml(case.file))
    errors = [f for f in case.findings if f.error]
    failing = [f for f in case.findings if gate.fails(f)]
    suppressed = [f for f in case.findings if f.suppression is not None or gate.baselined(f)]
    others = [f for f in case.findings if f not in errors and f not in failing]
    outcome = "passed"
    if errors:
        outcome = "error"
        sub = ET.SubElement(element, "error", message=_xml(errors[0].message), type="rule-error")
        sub.text = _xml("\n".join(_line(f) for f in errors))
    elif failing:
        outcome = "failure"
        first = failing[0]
        sub = ET.SubElement(element, "failure", message=_xml(first.message), type=first.severity.value)
        sub.text = _xml("\n".join(_line(f) for f in failing))
    elif suppressed:
        outcome = "skipped"
        reasons = "; ".join(dict.fromkeys(_why_not_counted(f, gate) for f in suppressed))
        ET.SubElement(element, "skipped", message=_xml(reasons))
    if others:
        ET.SubElement(element, "system-out").text = _xml("\n".join(_line(f, gate) for f in others))
    return element, outcome


def _suite(name: str, cases: list[tuple[ET.Element, str]]) -> ET.Element:
    counts = Counter(outcome for _, outcome in cases)
    suite = ET.Element(
        "testsuite",
        name=_xml(name),
        tests=str(len(cases)),
        failures=str(counts["failure"]),
        errors=str(counts["error"]),
        skipped=str(counts["skipped"]),
        time="0",
    )
    suite.extend(element for element, _ in cases)
    return suite


def _input_cases(result: LintResult) -> list[tuple[ET.Element, str]]:
    errors: dict[str, list[InputError]] = {}
    for error in result.errors:
        errors.setdefault(error.file, []).append(error)
    cases = []
    for source in dict.fromkeys([*result.sources, *errors]):
        element = ET.Element("testcase", name=_xml(source), classname="inputs", time="0", file=_xml(source))
        found = errors.get(source)
        if found:
            text = "\n".join(f"{e.file}:{e.line}:{e.column}: {e.message}" if e.line else e.message for e in found)
            ET.SubElement(element, "error", message=_xml(found[0].message), type="input-error").text = _xml(text)
        cases.append((element, "error" if found else "passed"))
    return cases


def _stale_cases(gate: Gate) -> list[tuple[ET.Element, str]]:
    """A case per stale baseline entry: a failure under --strict-baseline (the run
    exits 1 for it), else passing with a note."""
    assert gate.baseline is not None
    cases = []
    for entry in gate.baseline.stale:
        element = ET.Element("testcase", name=_xml(entry.describe()), classname="baseline", time="0")
        text = f"no longer found; stale entry of {gate.baseline.file} (--prune-baseline drops it)"
        if gate.baseline.strict:
            ET.SubElement(element, "failure", message=_xml(text), type="stale-baseline-entry")
            cases.append((element, "failure"))
        else:
            ET.SubElement(element, "system-out").text = _xml(text)
            cases.append((element, "passed"))
    return cases


def render_junit(result: LintResult, gate: Gate) -> str:
    suites = [_suite(rule, [_testcase(case, gate) for case in cases]) for rule, cases in sorted(_cases(result).items())]
    suites.append(_suite(INPUT_SUITE, _input_cases(result)))
    if gate.baseline is not None:
        suites.append(_suite(BASELINE_SUITE, _stale_cases(gate)))
    root = ET.Element("testsuites", name="policypack lint", time="0")
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
