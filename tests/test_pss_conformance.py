"""The Pod Security Standards rules against Kubernetes' own fixtures, at every version.

tests/pss_conformance/ holds the fixtures of k8s.io/pod-security-admission (vendored
and deduplicated by scripts/vendor_pss_fixtures.py; see its NOTICE.md): for each level
and each version v1.0 .. v1.37, Pods that must pass and Pods that must fail. For every
(level, version), with only that level's rules enabled at that `kubernetesVersion`
(configured as a user would, `all: disabled` plus one entry per rule):

- every fail/ Pod yields at least one finding, all from that level's rules, and among
  them one from the rule of the control the fixture is about (its file name);
- every pass/ Pod yields none;

through the offline linter and through the Pulumi adapter (the SDK's analyzer
servicer, in-process). Each (level, version) is one test case that lists every file
it gets wrong, so a failure names version, level and file.

Then the same Pods wrapped in each controller kind give the same findings, at the
same fields of the pod template (and, offline, on the lines of those fields).
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from policypack.config import PackConfig
from policypack.engine import Engine, Finding
from policypack.lint import LintResult, lint_text
from policypack.loader import Document, parse_documents
from policypack.model import POD_SPEC_PATHS
from policypack.profiles import VERSION_OPTION
from policypack.rule import Rule
from policypack.values import Path as FieldPath
from tests.support.harness import REGISTRY, analyze, make_servicer

DATA = Path(__file__).parent / "pss_conformance"
INDEX: dict[str, str] = json.loads((DATA / "index.json").read_text(encoding="utf-8"))
LEVELS = ("baseline", "restricted")
MINORS = tuple(range(38))
_ENTRY = re.compile(r"^(?P<level>\w+)/v1\.(?P<minor>\d+)/(?P<verdict>pass|fail)/(?P<file>[^/]+)$")


@dataclass(frozen=True)
class Case:
    level: str
    minor: int
    verdict: str  # "pass" or "fail"
    file: str  # upstream file name, e.g. privileged0.yaml
    content: str  # vendored content file

    @property
    def name(self) -> str:
        return f"{self.level}/v1.{self.minor}/{self.verdict}/{self.file}"

    @property
    def check(self) -> str:
        """The upstream check id the file is about, lower-cased (`base` for the base pods:
        base, base_linux, base_windows)."""
        check = re.sub(r"\d+$", "", self.file.removesuffix(".yaml"))
        return "base" if check.startswith("base") else check


def cases() -> dict[tuple[str, int], list[Case]]:
    out: dict[tuple[str, int], list[Case]] = {}
    for key, content in sorted(INDEX.items()):
        match = _ENTRY.match(key)
        assert match, f"unexpected index entry {key}"
        case = Case(match["level"], int(match["minor"]), match["verdict"], match["file"], content)
        out.setdefault((case.level, case.minor), []).append(case)
    return out


CASES = cases()


@cache
def pod_text(content: str) -> str:
    return (DATA / "pods" / content).read_text(encoding="utf-8")


def level_rules(level: str) -> list[Rule]:
    return [rule for rule in REGISTRY if rule.in_profile(f"pss-{level}")]


def level_config(level: str, minor: int) -> dict[str, Any]:
    """The policy-pack-config a user writes for that level at that version."""
    config: dict[str, Any] = {"all": "disabled"}
    for rule in level_rules(level):
        entry: dict[str, Any] = {"enforcementLevel": "mandatory"}
        if VERSION_OPTION in rule.options:
            entry[VERSION_OPTION] = f"1.{minor}"
        config[rule.name] = entry
    return config


@cache
def engine_for(level: str, minor: int) -> Engine:
    return Engine(REGISTRY, PackConfig.from_mapping(level_config(level, minor), REGISTRY, "<conformance>"))


@cache
def servicer_for(level: str, minor: int) -> Any:
    """The SDK's analyzer, configured as the engine configures it from the same file
    (the engine expands `all` to every policy before sending it)."""
    config = level_config(level, minor)
    expanded = {rule.name: config.get(rule.name, config["all"]) for rule in REGISTRY}
    return make_servicer(REGISTRY, expanded)


def lint_offline(engine: Engine, name: str, text: str) -> list[Finding]:
    result = LintResult()
    lint_text(name, text, engine, result)
    assert not result.errors, result.errors
    return list(result.findings)


def lint_pulumi(servicer: Any, manifest: dict[str, Any], token: str, urn_name: str) -> list[tuple[str, FieldPath]]:
    """(policy, field path) of each violation the adapter reports."""
    urn = f"urn:pulumi:test::conformance::{token}::{urn_name}"
    return [(d.policy, d.path or ()) for d in analyze(servicer, token, manifest, urn)]


def control_rules(check: str) -> set[str]:
    """The rules implementing an upstream check (matched case-insensitively by tag)."""
    return {rule.name for rule in REGISTRY for tag in rule.tags if tag.lower().endswith(f":{check}")}


def disagreements(case: Case, rules: list[str], allowed: set[str]) -> list[str]:
    """What is wrong with the rules a fixture triggered (empty when it agrees)."""
    if case.verdict == "pass":
        return [f"{case.name}: passes in Kubernetes but {sorted(set(rules))} fired"] if rules else []
    if not rules:
        return [f"{case.name}: fails in Kubernetes but no rule fired"]
    problems = []
    if outsiders := set(rules) - allowed:
        problems.append(f"{case.name}: rules outside the level fired: {sorted(outsiders)}")
    if case.check != "base" and not control_rules(case.check) & set(rules):
        problems.append(f"{case.name}: the {case.check} control's rule did not fire (got {sorted(set(rules))})")
    return problems


LEVEL_VERSIONS = sorted(CASES)


def level_version_id(key: tuple[str, int]) -> str:
    return f"{key[0]}-v1.{key[1]}"


def test_vendored_fixtures_are_complete() -> None:
    assert len(INDEX) == 4537
    assert len(set(INDEX.values())) == len(list((DATA / "pods").glob("*.yaml"))) == 380
    assert set(LEVEL_VERSIONS) == {(level, minor) for level in LEVELS for minor in MINORS}
    assert (DATA / "NOTICE.md").read_text(encoding="utf-8").count("Apache License") >= 1


def _vendor_script() -> Any:
    spec = importlib.util.spec_from_file_location("vendor_pss_fixtures", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "vendor_pss_fixtures.py"


def test_vendored_copy_is_what_the_script_makes_of_upstream(tmp_path: Path) -> None:
    script = _vendor_script()
    source = next((c for c in script.CANDIDATES if c.is_dir()), None)
    if source is None:
        pytest.skip("no upstream fixtures next to the checkout (a clean clone tests the vendored copy only)")
    assert script.vendor(source, tmp_path) == (4537, 380)
    for name in ("index.json", "NOTICE.md"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    made = {p.name: p.read_bytes() for p in (tmp_path / "pods").iterdir()}
    assert made == {p.name: p.read_bytes() for p in (DATA / "pods").iterdir()}


def test_every_control_has_a_rule() -> None:
    checks = {case.check for group in CASES.values() for case in group} - {"base"}
    assert checks == {check for check in checks if control_rules(check)}, "controls without a rule"
    for rule in REGISTRY:
        if rule.name.startswith("pss-"):
            assert rule.profiles in (("pss-baseline", "pss-restricted"), ("pss-restricted",)), rule.name
            level = "baseline" if "pss-baseline" in rule.profiles else "restricted"
            assert any(tag.startswith(f"pss-{level}:") for tag in rule.tags), rule.name


@pytest.mark.parametrize("key", LEVEL_VERSIONS, ids=level_version_id)
def test_offline(key: tuple[str, int]) -> None:
    level, minor = key
    engine = engine_for(level, minor)
    allowed = {rule.name for rule in level_rules(level)}
    problems = []
    for case in CASES[key]:
        findings = lint_offline(engine, case.name, pod_text(case.content))
        assert not [f for f in findings if f.error], [f.message for f in findings if f.error]
        # A finding folded into another (one root cause, one finding) is still that
        # control's verdict: it is listed under its primary, with its own rule.
        problems += disagreements(case, [r.rule for f in findings for r in (f, *f.folded)], allowed)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("key", LEVEL_VERSIONS, ids=level_version_id)
def test_pulumi(key: tuple[str, int]) -> None:
    level, minor = key
    servicer = servicer_for(level, minor)
    allowed = {rule.name for rule in level_rules(level)}
    problems = []
    for case in CASES[key]:
        manifest = yaml.safe_load(pod_text(case.content))
        violations = lint_pulumi(servicer, manifest, "kubernetes:core/v1:Pod", case.file.removesuffix(".yaml"))
        problems += disagreements(case, [policy for policy, _ in violations], allowed)
    assert not problems, "\n".join(problems)


# --- the same Pods in every controller kind ---------------------------------------

API_VERSIONS = {
    "PodTemplate": "v1",
    "ReplicationController": "v1",
    "ReplicaSet": "apps/v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}
# Custom resources hold pod templates too (policypack.model.find_pod_specs): the same
# Pods in the second pod template of a JobSet and of a RayCluster.
CUSTOM_SPEC_PATHS: dict[str, FieldPath] = {
    "JobSet": ("spec", "replicatedJobs", 1, "template", "spec", "template", "spec"),
    "RayCluster": ("spec", "workerGroupSpecs", 1, "template", "spec"),
}
API_VERSIONS.update({"JobSet": "jobset.x-k8s.io/v1alpha2", "RayCluster": "ray.io/v1"})
SPEC_PATHS: dict[str, FieldPath] = {**POD_SPEC_PATHS, **CUSTOM_SPEC_PATHS}
TOKENS = {kind: f"kubernetes:{'core/v1' if v == 'v1' else v}:{kind}" for kind, v in API_VERSIONS.items()}

CLEAN_TEMPLATE = {  # passes both levels at every version
    "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "clean",
                "image": "registry.k8s.io/pause",
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            }
        ],
    }
}


def wrap(pod: dict[str, Any], kind: str) -> dict[str, Any]:
    """The Pod as the pod template of a `kind` (metadata and spec moved there); in a
    custom resource, as its second template, after a clean one."""
    template = {"metadata": pod.get("metadata", {}), "spec": pod["spec"]}
    out: dict[str, Any] = {"apiVersion": API_VERSIONS[kind], "kind": kind, "metadata": {"name": f"wrapped-{kind}"}}
    if kind == "JobSet":
        jobs = [
            {"name": name, "template": {"spec": {"template": t}}}
            for name, t in (("a", CLEAN_TEMPLATE), ("b", template))
        ]
        out["spec"] = {"replicatedJobs": jobs}
        return out
    if kind == "RayCluster":
        groups = [{"groupName": name, "template": t} for name, t in (("a", CLEAN_TEMPLATE), ("b", template))]
        out["spec"] = {"headGroupSpec": {"rayStartParams": {}}, "workerGroupSpecs": groups}
        return out
    container: dict[str, Any] = out
    path = POD_SPEC_PATHS[kind][:-2]  # where `template` goes
    for key in path:
        container = container.setdefault(key, {})
    container["template"] = template
    return out


def moved(path: FieldPath, kind: str) -> FieldPath:
    """A Pod's field path, inside the pod template of a `kind`."""
    spec_path = SPEC_PATHS[kind]
    if path[:1] == ("spec",):
        return spec_path + path[1:]
    if path[:1] == ("metadata",):
        return spec_path[:-1] + path
    raise AssertionError(f"finding outside the pod spec and metadata: {path}")


def wrap_cases() -> list[Case]:
    """Each distinct Pod once per verdict, at the newest version it has that verdict:
    failing Pods are wrapped with their findings, passing ones must stay clean."""
    newest: dict[tuple[str, str, str], Case] = {}
    for key in LEVEL_VERSIONS:
        for case in CASES[key]:
            newest[(case.level, case.content, case.verdict)] = case  # keys are sorted by version
    return sorted(newest.values(), key=lambda case: (case.level, case.minor, case.name))


WRAP_CASES = wrap_cases()


@cache
def pod_findings_offline(case: Case) -> list[Finding]:
    return lint_offline(engine_for(case.level, case.minor), case.name, pod_text(case.content))


@cache
def pod_findings_pulumi(case: Case) -> list[tuple[str, FieldPath]]:
    pod = yaml.safe_load(pod_text(case.content))
    servicer = servicer_for(case.level, case.minor)
    return lint_pulumi(servicer, pod, "kubernetes:core/v1:Pod", case.file.removesuffix(".yaml"))


#: The advice a message adds for a node agent, which a DaemonSet is by design: the
#: verdict is the Pod's, the remedy may name the agent.
NODE_AGENT_REMEDY = re.compile(
    r": a node agent that needs it belongs in a namespace exempt from [^()]*?, apart from applications"
)


def verdict_message(message: str) -> str:
    return NODE_AGENT_REMEDY.sub("", message)


@pytest.mark.parametrize("kind", sorted(API_VERSIONS))
def test_controllers_offline(kind: str) -> None:
    problems = []
    for case in WRAP_CASES:
        expected = sorted((f.rule, verdict_message(f.message), moved(f.path, kind)) for f in pod_findings_offline(case))
        assert bool(expected) == (case.verdict == "fail"), case.name
        wrapped_text = yaml.safe_dump(wrap(yaml.safe_load(pod_text(case.content)), kind), sort_keys=False)
        findings = lint_offline(engine_for(case.level, case.minor), f"{case.name} as {kind}", wrapped_text)
        got = sorted((f.rule, verdict_message(f.message), f.path) for f in findings)
        if got != expected:
            problems.append(f"{case.name} as {kind}: {got} != {expected}")
            continue
        (document,) = [d for d in parse_documents("wrapped.yaml", wrapped_text) if isinstance(d, Document)]
        for finding in findings:
            line = document.locate(finding.path)[0]
            if finding.location is None or finding.location.line != line:
                problems.append(f"{case.name} as {kind}: {finding.rule} on {finding.location}, field on {line}")
    assert not problems, "\n".join(problems[:50])


@pytest.mark.parametrize("kind", sorted(API_VERSIONS))
def test_controllers_pulumi(kind: str) -> None:
    problems = []
    for case in WRAP_CASES:
        expected = sorted((policy, moved(path, kind)) for policy, path in pod_findings_pulumi(case))
        assert bool(expected) == (case.verdict == "fail"), case.name
        pod = yaml.safe_load(pod_text(case.content))
        servicer = servicer_for(case.level, case.minor)
        got = sorted(lint_pulumi(servicer, wrap(pod, kind), TOKENS[kind], case.file.removesuffix(".yaml")))
        if got != expected:
            problems.append(f"{case.name} as {kind}: {got} != {expected}")
    assert not problems, "\n".join(problems[:50])
