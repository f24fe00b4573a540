"""Reports: formats chosen on the command line, suppressed findings in each of them,
SARIF against the official schema, JUnit structure, GitHub workflow commands."""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlparse

import jsonschema
import pytest
import yaml

from policypack.cli import build_parser, main, report_destinations
from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import LintResult, lint_paths
from policypack.registry import Registry, load_registry
from policypack.report import Gate, ReportOptions, render
from policypack.report_github import command, escape_data, escape_property
from policypack.report_sarif import SECURITY_SEVERITY, sarif_log
from policypack.rule import Severity

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())
JSON_SCHEMA = json.loads((ROOT / "policypack" / "schemas" / "lint-report.schema.json").read_text())
REGISTRY = load_registry()
TEST_REGISTRY = load_registry(extra_modules=["tests.support.raising_rule", "tests.support.stack_rule"])

PUBLIC_LB = (
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: LoadBalancer\n"
    "  ports: [{port: 80}]\n"
)
# require-pinned-images fires on line 12 (suppressed by the annotation) and
# require-resource-limits on line 11 (not suppressed).
ANNOTATED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: vendor
  namespace: shop
  annotations:
    ignore.policypack.io/require-pinned-images: "pinned by digest upstream"
spec:
  containers:
    - name: c
      image: nginx
"""
EXPLODING = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: boom\n  labels: {explode: 'yes'}\n"
STACK_EXPORT = {
    "version": 3,
    "deployment": {
        "resources": [
            {
                "urn": "urn:pulumi:prod::shop::kubernetes:core/v1:Service::web",
                "type": "kubernetes:core/v1:Service",
                "inputs": {"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}},
            }
        ]
    },
}
# The rules these tests are about, alone: new rules in the pack do not change what they see.
ONLY = {
    "all": "disabled",
    "no-public-load-balancer": "mandatory",
    "require-resource-limits": "mandatory",
    "require-pinned-images": "mandatory",
}
EXEMPTION = {
    "require-resource-limits": {
        "enforcementLevel": "mandatory",
        "exemptions": [{"kind": "Pod", "name": "vendor", "reason": "sized by the vendor"}],
    }
}


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*argv: str, stdin: bytes | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.BytesIO(stdin) if stdin is not None else Tty(), stdout=out)
    return code, out.getvalue()


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return name


def config_file(folder: Path, extra: dict | None = None) -> str:
    """A config with ONLY and `extra` over it, for `-c`."""
    return write(folder, "c.json", json.dumps({**ONLY, **(extra or {})}))


def lint(
    tmp_path: Path,
    files: dict[str, str],
    config: dict | None = None,
    registry: Registry = REGISTRY,
) -> LintResult:
    """Lint with ONLY and `config` over it."""
    for name, text in files.items():
        write(tmp_path, name, text)
    pack = PackConfig.from_mapping({**ONLY, **(config or {})}, registry)
    return lint_paths([str(tmp_path / name) for name in files], Engine(registry, pack))


def options(registry: Registry = REGISTRY, **extra) -> ReportOptions:
    return ReportOptions(rules=list(registry), enabled=frozenset(r.name for r in registry), **extra)


def validate_sarif(log: dict) -> None:
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


# --- choosing formats on the command line ---------------------------------------


def test_several_formats_in_one_run(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "svc.yaml", PUBLIC_LB)
    code, out = run(
        "lint",
        "-f",
        "text",
        "-f",
        "sarif=out/lint.sarif",
        "--format",
        "junit=junit.xml",
        "-f",
        "json=r.json",
        "svc.yaml",
    )
    assert code == 1
    assert out.startswith("svc.yaml:5:3: no-public-load-balancer ") and "Gate: failed (exit 1)" in out
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["failing"] == 1
    validate_sarif(json.loads((tmp_path / "out" / "lint.sarif").read_text()))
    assert ET.parse(tmp_path / "junit.xml").getroot().get("failures") == "1"


def test_one_format_may_go_to_output_or_stdout(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "svc.yaml", PUBLIC_LB)
    code, out = run(
        "lint", "-c", config_file(tmp_path), "-f", "sarif", "-o", "a.sarif", "-f", "github=gh.txt", "svc.yaml"
    )
    assert code == 1 and out.endswith("Gate: failed (exit 1).\n") and len(out.splitlines()) == 1
    assert json.loads((tmp_path / "a.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "gh.txt").read_text().startswith("::error file=svc.yaml,line=5,col=3,")
    code, out = run("lint", "-c", "c.json", "-f", "json=j.json", "-f", "sarif=-", "svc.yaml")
    assert code == 1 and json.loads(out)["runs"][0]["results"][0]["ruleId"] == "no-public-load-balancer"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-f", "text", "-f", "json"], "formats text, json would all go to stdout"),
        (["-f", "json", "-f", "sarif", "-o", "x"], "would all go to --output"),
        (["-f", "json=x.json", "-o", "y"], "--output names no report"),
        (["-f", "json=same", "-f", "sarif=same"], "two reports would go to same"),
        (["-f", "json=-", "-f", "text"], "two reports would go to stdout"),
    ],
)
def test_clashing_destinations_are_usage_errors(tmp_path: Path, monkeypatch, capsys, argv, message) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "svc.yaml", PUBLIC_LB)
    assert run("lint", *argv, "svc.yaml") == (2, "")
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc.yaml"]  # nothing written


def test_unknown_format_is_refused(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run("lint", "-f", "xml", str(tmp_path))
    assert exit_info.value.code == 2
    assert "unknown format 'xml' (choose from text, json, sarif, junit, github)" in capsys.readouterr().err


def test_an_unwritable_report_is_an_error_but_the_others_are_written(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pod.yaml", ANNOTATED_POD)
    code, out = run("lint", "-f", "sarif=pod.yaml/x.sarif", "-f", "junit=j.xml", "-f", "text", "pod.yaml")
    assert code == 2
    assert "cannot write pod.yaml/x.sarif" in capsys.readouterr().err
    assert (tmp_path / "j.xml").exists() and "Gate: failed (exit 1)" in out


# --- suppressed findings: JSON and text -------------------------------------------


def test_json_lists_suppressed_findings_with_their_reason(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pod.yaml", ANNOTATED_POD)
    code, out = run("lint", "-f", "json", "-c", config_file(tmp_path, EXEMPTION), "pod.yaml")
    report = json.loads(out)
    jsonschema.validate(report, JSON_SCHEMA)
    assert code == 0
    rows = {f["rule"]: (f["line"], f["failsGate"], f["suppression"]) for f in report["findings"]}
    assert rows == {
        "require-resource-limits": (
            10,
            False,
            {"kind": "exemption", "reason": "sized by the vendor", "source": "require-resource-limits.exemptions[0]"},
        ),
        "require-pinned-images": (
            11,
            False,
            {
                "kind": "annotation",
                "reason": "pinned by digest upstream",
                "source": "ignore.policypack.io/require-pinned-images",
            },
        ),
    }
    summary = report["summary"]
    assert (summary["findings"], summary["suppressed"], summary["failing"], summary["exitCode"]) == (2, 2, 0, 0)
    code, out = run("lint", "-f", "json", "-c", config_file(tmp_path), "pod.yaml")
    unsuppressed = next(f for f in json.loads(out)["findings"] if f["rule"] == "require-resource-limits")
    assert unsuppressed["suppression"] is None and unsuppressed["failsGate"]


def test_text_counts_suppressed_findings_and_lists_them_only_with_v(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pod.yaml", ANNOTATED_POD)
    code, out = run("lint", "-c", config_file(tmp_path), "pod.yaml")
    assert code == 1
    assert "require-resource-limits" in out and "require-pinned-images" not in out
    assert "1 finding (1 failing the gate); 1 suppressed (-v lists them);" in out
    code, out = run("lint", "-c", "c.json", "-v", "pod.yaml")
    assert (
        "pod.yaml:11:7: require-pinned-images [medium, suppressed by annotation "
        "ignore.policypack.io/require-pinned-images: pinned by digest upstream] "
        'Pod shop/vendor: container "c" uses image "nginx"'
    ) in out
    assert "; 1 suppressed; " in out
    code, out = run("lint", "-c", config_file(tmp_path, EXEMPTION), "pod.yaml")
    assert code == 0 and out.splitlines() == [
        "0 findings (0 failing the gate); 2 suppressed (-v lists them); 1 object in 1 document from 1 file. "
        "Gate: passed (exit 0)."
    ]


# --- SARIF ------------------------------------------------------------------


def full_run(tmp_path: Path) -> LintResult:
    """Findings, suppressed ones (both kinds), a parse error, a rule failure, a stack
    export, a stack rule failure and a skipped document."""
    export = json.dumps(STACK_EXPORT, indent=2)
    files = {
        "deploy/svc.yaml": PUBLIC_LB,
        "deploy/pod.yaml": ANNOTATED_POD + "---\n" + ANNOTATED_POD.replace("vendor", "other"),
        "deploy/broken.yaml": "a: [\n",
        "deploy/cm.yaml": EXPLODING,
        "deploy/values.yaml": "replicas: 2\n",
        "stack.json": export,
    }
    tests = {"test-raising-rule": "mandatory", "test-stack-rule": "mandatory"}
    return lint(tmp_path, files, {**EXEMPTION, **tests}, TEST_REGISTRY)


def test_sarif_is_valid_against_the_official_schema(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = full_run(tmp_path)
    log = json.loads(render("sarif", result, Gate(), options(TEST_REGISTRY)))
    validate_sarif(log)
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    assert [r["ruleId"] for r in run_["results"]] == [
        "no-public-load-balancer",
        "require-resource-limits",  # vendor: exempted
        "require-pinned-images",  # vendor: annotation
        "require-resource-limits",  # other
        "require-pinned-images",  # other: annotation
        "no-public-load-balancer",  # stack export
    ]
    assert len(run_["results"]) == len([f for f in result.findings if not f.error])


def test_sarif_rules_describe_every_rule_with_help_and_security_severity(tmp_path: Path) -> None:
    log = sarif_log(LintResult(), Gate(), options(docs_url="https://example.com/docs/rules/"))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(rule.name for rule in REGISTRY)
    by_id = {r["id"]: r for r in rules}
    for rule in REGISTRY:
        descriptor = by_id[rule.name]
        assert descriptor["shortDescription"]["text"] == rule.title
        assert descriptor["fullDescription"]["text"]
        assert rule.how_to_fix.splitlines()[0] in descriptor["help"]["markdown"]
        assert descriptor["helpUri"] == f"https://example.com/docs/rules/{rule.name}.md"
        assert "**How to fix**" in descriptor["help"]["markdown"]
        expected_level = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
        assert descriptor["defaultConfiguration"]["level"] == expected_level[rule.severity.value]
        assert descriptor["properties"]["security-severity"] == SECURITY_SEVERITY[rule.severity]
        assert "security" in descriptor["properties"]["tags"]
        assert set(rule.tags) <= set(descriptor["properties"]["tags"])
    assert {SECURITY_SEVERITY[s] for s in Severity} == {"9.0", "7.5", "5.0", "2.0"}


def test_sarif_help_links_default_to_the_rule_docs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("POLICYPACK_DOCS_BASE_URL", raising=False)
    rules = sarif_log(LintResult(), Gate(), options())["runs"][0]["tool"]["driver"]["rules"]
    for descriptor in rules:
        path = Path(unquote(urlparse(descriptor["helpUri"]).path))
        assert path == ROOT / "docs" / "rules" / f"{descriptor['id']}.md" and path.exists()
    monkeypatch.setenv("POLICYPACK_DOCS_BASE_URL", "https://example.org/pack/docs/rules")
    rules = sarif_log(LintResult(), Gate(), options())["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == f"https://example.org/pack/docs/rules/{rules[0]['id']}.md"


def test_sarif_enabled_reflects_the_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "svc.yaml", PUBLIC_LB)
    write(tmp_path, "c.json", json.dumps({"all": "disabled", "no-public-load-balancer": "advisory"}))
    code, out = run("lint", "-f", "sarif", "-c", "c.json", "svc.yaml")
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules if r["defaultConfiguration"]["enabled"]] == ["no-public-load-balancer"]
    assert len(rules) == len(REGISTRY)
    (result,) = json.loads(out)["runs"][0]["results"]
    assert code == 0 and result["level"] == "warning"  # advisory high: does not fail the gate


def test_sarif_results_have_locations_levels_and_suppressions(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = full_run(tmp_path)
    run_ = sarif_log(result, Gate(), options(TEST_REGISTRY))["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    for item in run_["results"]:
        assert rule_ids[item["ruleIndex"]] == item["ruleId"]
        (location,) = item["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert (tmp_path / physical["artifactLocation"]["uri"]).is_file()
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    svc, vendor_limits, vendor_pinned, other_limits, other_pinned, stack = run_["results"]
    assert svc["level"] == "error" and svc["properties"]["failsGate"]
    assert svc["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 3}
    assert svc["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/svc.yaml"
    assert svc["message"]["text"].startswith("Service shop/web: Service of type LoadBalancer")
    assert svc["locations"][0]["logicalLocations"] == [
        {"name": "web", "fullyQualifiedName": "v1/Service/shop/web", "kind": "object"}
    ]
    assert vendor_limits["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "sized by the vendor",
            "properties": {"source": "require-resource-limits.exemptions[0]"},
        }
    ]
    assert vendor_pinned["suppressions"][0]["kind"] == "inSource"
    assert vendor_pinned["suppressions"][0]["justification"] == "pinned by digest upstream"
    assert other_pinned["suppressions"][0]["kind"] == "inSource"
    assert "suppressions" not in other_limits and other_limits["level"] == "error"
    assert not vendor_limits["properties"]["failsGate"] and vendor_limits["level"] == "warning"
    # Stack-export findings: file and line, and the URN.
    urn = "urn:pulumi:prod::shop::kubernetes:core/v1:Service::web"
    physical = stack["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "stack.json"
    assert (tmp_path / "stack.json").read_text().splitlines()[physical["region"]["startLine"] - 1].strip() == (
        '"type": "LoadBalancer",'
    )
    assert stack["message"]["text"].startswith(urn + ": ")
    assert stack["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == urn
    assert stack["properties"]["object"]["urn"] == urn
    # Fingerprints tell findings apart, and survive a line move.
    prints = [r["partialFingerprints"]["policypackFinding/v1"] for r in run_["results"]]
    assert len(set(prints)) == len(prints)
    again = lint(tmp_path, {"deploy/svc.yaml": "# moved down\n\n" + PUBLIC_LB}, EXEMPTION)
    moved = sarif_log(again, Gate(), options(TEST_REGISTRY))["runs"][0]["results"][0]
    assert moved["partialFingerprints"] == svc["partialFingerprints"]
    assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == 7


def test_sarif_input_and_rule_errors_are_notifications(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = full_run(tmp_path)
    (invocation,) = sarif_log(result, Gate(), options(TEST_REGISTRY))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    notes = invocation["toolExecutionNotifications"]
    kinds = [(n["descriptor"]["id"], n["level"]) for n in notes]
    assert kinds == [
        ("input-error", "error"),
        ("rule-error", "error"),  # test-raising-rule on the ConfigMap
        ("rule-error", "error"),  # test-stack-rule over the whole set: no location
        ("skipped", "note"),
    ]
    parse, raising, stack_failure, skipped = notes
    assert parse["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/broken.yaml"
    assert parse["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert raising["associatedRule"]["id"] == "test-raising-rule"
    assert raising["message"]["text"].startswith("ConfigMap boom: the rule failed on this object")
    assert stack_failure["associatedRule"]["id"] == "test-stack-rule" and "locations" not in stack_failure
    assert skipped["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}  # notes have no column
    descriptors = sarif_log(result, Gate(), options(TEST_REGISTRY))["runs"][0]["tool"]["driver"]["notifications"]
    for note in notes:
        assert descriptors[note["descriptor"]["index"]]["id"] == note["descriptor"]["id"]


def test_sarif_uris_outside_the_root_and_from_stdin(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    outside = tmp_path / "other dir" / "svc ü.yaml"
    outside.parent.mkdir()
    outside.write_text(PUBLIC_LB)
    config = config_file(tmp_path / "work")
    _, out = run("lint", "-c", config, "-f", "sarif", str(outside), "-", stdin=PUBLIC_LB.encode())
    log = json.loads(out)
    validate_sarif(log)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert uris == [{"uri": outside.as_uri()}, {"uri": "%3Cstdin%3E"}]
    assert Path(unquote(urlparse(uris[0]["uri"]).path)) == outside


# --- JUnit ------------------------------------------------------------------


def junit(result: LintResult, gate: Gate | None = None) -> ET.Element:
    return ET.fromstring(render("junit", result, gate or Gate()))


def check_counts(root: ET.Element) -> None:
    """The structure Jenkins and GitLab read, with consistent counts."""
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root:
        assert suite.tag == "testsuite" and suite.get("name") and suite.get("time") == "0"
        cases = list(suite)
        assert all(case.tag == "testcase" and case.get("name") and case.get("classname") for case in cases)
        outcomes = [[child.tag for child in case if child.tag in ("failure", "error", "skipped")] for case in cases]
        assert all(len(found) <= 1 for found in outcomes)
        counts = {
            "tests": len(cases),
            "failures": sum(found == ["failure"] for found in outcomes),
            "errors": sum(found == ["error"] for found in outcomes),
            "skipped": sum(found == ["skipped"] for found in outcomes),
        }
        assert {key: int(suite.get(key)) for key in counts} == counts
        for key in totals:
            totals[key] += counts[key]
    assert {key: int(root.get(key)) for key in totals} == totals


def cases_of(root: ET.Element, suite: str) -> dict[str, ET.Element]:
    (found,) = [s for s in root if s.get("name") == suite]
    return {case.get("name"): case for case in found}


def test_junit_has_a_suite_per_rule_and_a_case_per_object_judged(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = full_run(tmp_path)
    root = junit(result)
    check_counts(root)
    judged: dict[str, int] = {}
    for _, _, rules in result.checks:
        for rule in rules:
            judged[rule] = judged.get(rule, 0) + 1
    suites = {s.get("name"): int(s.get("tests")) for s in root if s.get("name") != "policypack inputs"}
    judged["test-stack-rule"] += 1  # its failure over the whole set is one more case
    assert suites == judged
    limits = cases_of(root, "require-resource-limits")
    path = str(tmp_path / "deploy" / "pod.yaml")
    vendor, other = limits[f"Pod shop/vendor ({path}:1)"], limits[f"Pod shop/other ({path}:13)"]
    assert vendor.find("skipped").get("message") == (
        "suppressed by config exemption require-resource-limits.exemptions[0]: sized by the vendor"
    )
    failure = other.find("failure")
    assert failure.get("type") == "medium" and failure.get("message").startswith('container "c" sets no')
    assert failure.text.startswith(f"{path}:22:7: container")
    assert other.get("classname") == "require-resource-limits" and other.get("file") == path
    pinned = cases_of(root, "require-pinned-images")[f"Pod shop/vendor ({path}:1)"]
    assert "pinned by digest upstream" in pinned.find("skipped").get("message")
    raising = cases_of(root, "test-raising-rule")
    assert raising[f"ConfigMap boom ({tmp_path / 'deploy' / 'cm.yaml'}:1)"].find("error").get("type") == "rule-error"
    assert cases_of(root, "test-stack-rule")["(all objects)"].find("error") is not None
    stack = cases_of(root, "no-public-load-balancer")
    urn_case = next(case for name, case in stack.items() if name.startswith("urn:pulumi:prod::shop::"))
    assert urn_case.find("failure") is not None
    inputs = cases_of(root, "policypack inputs")
    assert len(inputs) == 6
    broken = inputs[str(tmp_path / "deploy" / "broken.yaml")].find("error")
    assert broken.get("type") == "input-error" and "YAML parse error" in broken.get("message")


def test_junit_is_red_exactly_when_the_gate_is(tmp_path: Path) -> None:
    result = lint(
        tmp_path, {"svc.yaml": PUBLIC_LB, "pod.yaml": ANNOTATED_POD}, {k: "advisory" for k in ONLY if k != "all"}
    )
    root = junit(result)
    check_counts(root)
    assert Gate().exit_code(result) == 0 and root.get("failures") == "0" and root.get("errors") == "0"
    case = cases_of(root, "no-public-load-balancer")[f"Service shop/web ({tmp_path / 'svc.yaml'}:1)"]
    assert "Service of type LoadBalancer" in case.find("system-out").text  # advisory: listed, passing
    strict = junit(result, Gate(Severity.HIGH))
    assert Gate(Severity.HIGH).exit_code(result) == 1 and strict.get("failures") == "1"
    assert cases_of(strict, "no-public-load-balancer")[case.get("name")].find("failure").get("type") == "high"


def test_junit_escapes_what_xml_cannot_carry(tmp_path: Path) -> None:
    pod = ANNOTATED_POD.replace("name: vendor", 'name: "ven\\x01dor"').replace("image: nginx", 'image: "ng\\x1binx"')
    result = lint(tmp_path, {"pod.yaml": pod})
    text = render("junit", result, Gate())
    root = ET.fromstring(text)  # well-formed
    check_counts(root)
    assert "Pod shop/ven\\x01dor" in text and "ng\\x1binx" in text and "\x01" not in text


def test_junit_with_stdin_and_empty_runs(tmp_path: Path) -> None:
    code, out = run("lint", "-f", "junit", "-", stdin=(PUBLIC_LB + "---\n" + PUBLIC_LB.replace("web", "api")).encode())
    root = ET.fromstring(out)
    check_counts(root)
    assert code == 1 and sorted(cases_of(root, "no-public-load-balancer")) == [
        "Service shop/api (<stdin>:8)",
        "Service shop/web (<stdin>:1)",
    ]
    code, out = run("lint", "-f", "junit", "--allow-empty", str(tmp_path))
    root = ET.fromstring(out)
    check_counts(root)
    assert code == 0 and root.get("tests") == "0"


# --- GitHub workflow commands ------------------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("100%\r\nnext: a, b") == "100%25%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("warning", "two\nlines", "dir/a,b:c.yaml", 3, None, "rule") == (
        "::warning file=dir/a%2Cb%3Ac.yaml,line=3,title=rule::two%0Alines"
    )
    assert command("error", "m", None, None, None, "x") == "::error title=x::m"


def test_github_levels_follow_the_gate_and_severity(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.yaml", PUBLIC_LB + "---\n" + ANNOTATED_POD)
    write(tmp_path, "broken.yaml", "a: [\n")
    config_file(tmp_path, {"no-public-load-balancer": "advisory", "require-pinned-images": "advisory"})
    code, out = run("lint", "-f", "github", "-c", "c.json", "m.yaml", "broken.yaml")
    lines = out.splitlines()
    assert code == 2
    assert [line.split("::")[1] for line in lines[:-1]] == [
        "warning file=m.yaml,line=5,col=3,title=no-public-load-balancer",  # advisory high
        "error file=m.yaml,line=17,col=7,title=require-resource-limits",  # mandatory
        "error file=broken.yaml,line=2,col=1,title=policypack",  # parse error
    ]  # require-pinned-images: suppressed, not shown
    assert lines[1].endswith(
        '::Pod shop/vendor: container "c" sets no resources.requests.cpu, '
        "resources.requests.memory, resources.limits.cpu and resources.limits.memory "
        "(medium, mandatory)"
    )
    assert lines[-1].endswith("Gate: error (exit 2).") and not lines[-1].startswith("::")
    code, out = run("lint", "-f", "github", "-c", "c.json", "--fail-on", "high", "m.yaml")
    assert out.startswith("::error file=m.yaml,line=5,col=3,title=no-public-load-balancer::")


def test_github_notice_for_low_and_rule_failures_as_errors(tmp_path: Path) -> None:
    files = {"cm.yaml": EXPLODING, "flag.yaml": EXPLODING.replace("explode", "flag").replace("boom", "flagged")}
    result = lint(tmp_path, files, {"test-raising-rule": "advisory"}, TEST_REGISTRY)
    lines = render("github", result, Gate(), options(TEST_REGISTRY, root=str(tmp_path))).splitlines()
    assert lines[0].startswith(
        "::error file=cm.yaml,line=1,col=1,title=test-raising-rule (rule failure)::ConfigMap boom: "
    )
    assert lines[1].startswith("::notice file=flag.yaml,line=5,col=12,title=test-raising-rule::ConfigMap flagged: ")


# --- docs/ci.md: the examples work ----------------------------------------------------


def ci_doc_commands() -> list[list[str]]:
    """Every `policypack lint ...` command in docs/ci.md's code blocks, as argv."""
    text = (ROOT / "docs" / "ci.md").read_text()
    commands = []
    for block in re.findall(r"```(?:yaml|sh)\n(.*?)```", text, re.S):
        try:
            data = yaml.safe_load(block)
        except yaml.YAMLError:
            data = None
        strings = list(_strings(data)) if data is not None else [block]
        for string in strings:
            for match in re.finditer(r"policypack lint\b([^|#\n]*)", string):
                line = match.group(1).split("||")[0]
                commands.append(shlex.split(line))
    return commands


def _strings(data: object):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def test_ci_doc_yaml_blocks_parse_and_commands_are_valid() -> None:
    text = (ROOT / "docs" / "ci.md").read_text()
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        if not block.startswith("    "):  # the indented fragment is part of a config
            yaml.safe_load(block)
    commands = ci_doc_commands()
    assert len(commands) == 6
    parser = build_parser()
    for argv in commands:
        args = parser.parse_args(["lint", *argv])
        report_destinations(args.format, args.output)


def test_ci_doc_gate_examples_run(tmp_path: Path, monkeypatch) -> None:
    """The commands over deploy/, on the example manifests (one of them fails on purpose)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "manifests", tmp_path / "deploy")
    ran = 0
    for argv in ci_doc_commands():
        if argv[-1] != "deploy/" or "--config" in argv:
            continue
        code, out = run("lint", *argv)
        assert code == 1, out
        ran += 1
    assert ran >= 2
    validate_sarif(json.loads((tmp_path / "policypack.sarif").read_text()))
    check_counts(ET.parse(tmp_path / "policypack-junit.xml").getroot())
    jsonschema.validate(json.loads((tmp_path / "policypack.json").read_text()), JSON_SCHEMA)


def test_ci_doc_pre_commit_config_is_valid(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "ci.md").read_text()
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "repos:" in b]
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(block)
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config)], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    hooks = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(re.findall(r"- id: (\S+)", text)) <= hooks
