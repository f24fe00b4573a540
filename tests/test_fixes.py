"""Fixes, in both modes (docs/fixes.md).

Per-rule fixtures in tests/fixes/<rule>/: `before.yaml` (first line may be
`# options: {...}`) and `after.yaml`, the exact bytes `policypack fix` must write.
Offline: the fix of that rule alone turns before into after, the rule no longer fires
where it was fixed, no rule (of all of them) fires anew, and a second run changes
nothing. Pulumi: the SDK's own `Remediate`, with the rule at `remediate`, turns each
object of before into the same object of after (an apiVersion move stays offline),
and `Analyze` of the result reports nothing for that rule.
"""

from __future__ import annotations

import collections
import copy
import io
import json
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format, struct_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.runtime import proto
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_OBJECT_VALUE

from policypack import fix_yaml
from policypack.cli import main
from policypack.config import PackConfig
from policypack.engine import Engine, ObjectRef
from policypack.fix import fix_text, object_changes, stack_findings
from policypack.lint import LintResult, lint_text, run_stack_rules
from policypack.model import resource_from_manifest
from policypack.patch import apply_to_data
from policypack.pulumi_adapter import SharedPropsServicer
from policypack.pulumi_state import pulumi_objects
from tests.support.harness import (
    REGISTRY,
    analyze,
    load_fixture,
    make_servicer,
    pulumi_objects_of,
    single_rule,
)

FIXES = Path(__file__).parent / "fixes"
CASES = sorted(p.name for p in FIXES.iterdir() if (p / "before.yaml").is_file())
FIXED_RULES = sorted(rule.name for rule in REGISTRY if rule.fix is not None)


def _options(rule: str) -> dict:
    return load_fixture(FIXES / rule / "before.yaml", rule).options


def _fix_one(rule: str, text: str) -> str:
    registry, config = single_rule(rule, _options(rule))
    engine = Engine(registry, config)
    stack = stack_findings(engine, False, [("before.yaml", text)])  # as `policypack fix` over one file
    return fix_text("before.yaml", text, engine, stack=stack).fixed


def _findings(text: str, engine: Engine | None = None) -> collections.Counter:
    result = LintResult()
    engine = engine or Engine(REGISTRY)
    lint_text("x.yaml", text, engine, result)
    run_stack_rules(engine, result)
    return collections.Counter(
        (f.rule, f.object.kind, f.object.name, f.path) for f in result.findings if f.suppression is None
    )


def test_every_rule_with_a_fix_has_fixtures():
    assert sorted(CASES) == FIXED_RULES


@pytest.mark.parametrize("rule", CASES)
def test_offline_fix_fixture(rule):
    before = (FIXES / rule / "before.yaml").read_text(encoding="utf-8")
    after = (FIXES / rule / "after.yaml").read_text(encoding="utf-8")
    fixed = _fix_one(rule, before)
    if "\ndeployment:" in before:  # a stack export is a record, not a source: Pulumi only
        assert fixed == before
        return
    assert fixed == after, "the fix does not write after.yaml (regenerate it and review the diff)"
    assert fixed != before
    assert _fix_one(rule, fixed) == fixed, "a second run changed something"
    registry, config = single_rule(rule, _options(rule))
    # Per object, the rule fires no more than before, and less in total (a finding may
    # move to the next missing field of a container the fix could not complete).
    fired_before = collections.Counter(k[:3] for k in _findings(before, Engine(registry, config)).elements())
    fired_after = collections.Counter(k[:3] for k in _findings(after, Engine(registry, config)).elements())
    assert not fired_after - fired_before and fired_after.total() < fired_before.total()
    by_object = [collections.Counter(k[:3] for k in _findings(text).elements()) for text in (before, after)]
    new = by_object[1] - by_object[0]
    assert not new, f"findings that appeared with the fix: {sorted(new)}"


def _remediate(servicer, token: str, props: dict, urn: str) -> dict | None:
    properties = struct_pb2.Struct()
    json_format.ParseDict(props, properties)
    response = servicer.Remediate(proto.AnalyzeRequest(type=token, properties=properties, urn=urn, name="x"), None)
    out = None
    for remediation in response.remediations:
        assert not remediation.diagnostic, remediation.diagnostic
        out = json_format.MessageToDict(remediation.properties)
    return out


def _as_struct(data: dict) -> dict:
    properties = struct_pb2.Struct()
    json_format.ParseDict(data, properties)
    return json_format.MessageToDict(properties)


@pytest.mark.parametrize("rule", CASES)
def test_pulumi_remediation_fixture(rule):
    before = pulumi_objects_of((FIXES / rule / "before.yaml").read_text(encoding="utf-8"))
    after = pulumi_objects_of((FIXES / rule / "after.yaml").read_text(encoding="utf-8"))
    config = {rule: {**_options(rule), "enforcementLevel": "remediate"}}
    # The pack's servicer: the SDK's Remediate for resource policies, and its own for a
    # stack rule that judges each object by its own check (Rule.object_check).
    servicer = make_servicer(REGISTRY, config, cls=SharedPropsServicer)
    moved_api = REGISTRY.get(rule).fix.function.__module__.startswith("rules.upgrades")
    for old, new in zip(before, after, strict=True):
        remediated = _remediate(servicer, old.type, old.props, old.urn)
        if moved_api or not REGISTRY.get(rule).remediates or old.props == new.props:
            # apiVersion comes from the type token in Pulumi, and a stack rule's finding
            # needs the stack, which Remediate never has: offline only.
            assert remediated is None
            continue
        assert remediated == _as_struct(new.props)
        # Analyze of the result: what is left of the rule is what the offline fix leaves.
        diagnostics = analyze(servicer, old.type, remediated, old.urn)
        left = sorted(d.path for d in diagnostics if d.policy == rule)
        registry, options = single_rule(rule, _options(rule))
        engine = Engine(registry, options)
        offline = sorted(f.path for r, _ in pulumi_objects(new.type, new.props, new.urn) for f in engine.run(r))
        assert left == offline


def test_pulumi_remediation_leaves_unknowns_alone():
    """A container whose securityContext is unknown at preview keeps it; the others are fixed."""
    props = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [
                {"name": "a", "image": "a:1", "securityContext": UNKNOWN_OBJECT_VALUE},
                {"name": "b", "image": "b:1", "securityContext": {"privileged": UNKNOWN_BOOLEAN_VALUE}},
                {"name": "c", "image": "c:1"},
            ]
        },
    }
    servicer = make_servicer(REGISTRY, {"pss-allow-privilege-escalation": "remediate"})
    out = _remediate(
        servicer, "kubernetes:core/v1:Pod", copy.deepcopy(props), "urn:pulumi:s::p::kubernetes:core/v1:Pod::p"
    )
    containers = out["spec"]["containers"]
    assert containers[0]["securityContext"] == UNKNOWN_OBJECT_VALUE
    assert containers[1]["securityContext"] == {"privileged": UNKNOWN_BOOLEAN_VALUE}
    assert containers[2]["securityContext"] == {"allowPrivilegeEscalation": False}


def test_pulumi_unsafe_fix_needs_the_option():
    props = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "a:1"}]},
    }
    urn = "urn:pulumi:s::p::kubernetes:core/v1:Pod::p"
    plain = make_servicer(REGISTRY, {"require-read-only-root-filesystem": "remediate"})
    assert _remediate(plain, "kubernetes:core/v1:Pod", props, urn) is None
    opted = make_servicer(
        REGISTRY, {"require-read-only-root-filesystem": {"enforcementLevel": "remediate", "unsafeFixes": True}}
    )
    out = _remediate(opted, "kubernetes:core/v1:Pod", props, urn)
    assert out["spec"]["containers"][0]["securityContext"] == {"readOnlyRootFilesystem": True}


# --- what is never fixed ------------------------------------------------------------

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
{annotations}spec:
  containers:
  - name: app
    image: {image}
  - name: side
    image: side:1
"""


def _fix_all(text: str, config: dict | None = None, unsafe: bool = False) -> str:
    engine = Engine(REGISTRY, PackConfig.from_mapping(config or {}, REGISTRY, "<test>"))
    return fix_text("x.yaml", text, engine, unsafe, stack_findings(engine, unsafe, [("x.yaml", text)])).fixed


def test_suppressed_container_is_not_fixed():
    text = POD.format(
        annotations="  annotations:\n    ignore.policypack.io/pss-allow-privilege-escalation.app: needs setuid\n",
        image="app:1",
    )
    fixed = _fix_all(text)
    assert "allowPrivilegeEscalation" not in fixed.split("- name: side")[0]
    assert "allowPrivilegeEscalation: false" in fixed.split("- name: side")[1]


def test_exempted_object_is_not_fixed():
    text = POD.format(annotations="", image="app:1")
    config = {"pss-allow-privilege-escalation": {"exemptions": [{"name": "p", "reason": "vendor chart"}]}}
    assert "allowPrivilegeEscalation" not in _fix_all(text, config)


def test_fragment_is_not_fixed(tmp_path):
    text = POD.format(annotations="", image="app:1").replace("    image: app:1\n", "")
    assert _fix_all(text) == text
    patch = tmp_path / "patch.yaml"
    patch.write_text(POD.format(annotations="", image="app:1"))
    (tmp_path / "kustomization.yaml").write_text("resources: [base.yaml]\npatches:\n- path: patch.yaml\n")
    assert main(["fix", str(patch)], stdout=io.StringIO()) in (0, 1)
    assert patch.read_text() == POD.format(annotations="", image="app:1")


def test_unsafe_fixes_only_when_asked():
    text = POD.format(annotations="", image="app:1")
    assert "readOnlyRootFilesystem" not in _fix_all(text)
    assert "readOnlyRootFilesystem: true" in _fix_all(text, unsafe=True)
    config = {"require-read-only-root-filesystem": {"unsafeFixes": True}}
    assert "readOnlyRootFilesystem: true" in _fix_all(text, config)


# --- bytes kept ---------------------------------------------------------------------


def test_only_the_fixed_fields_change():
    text = (
        "# head comment\r\n"
        "---\r\n"
        "apiVersion: v1\r\n"
        "kind: Pod   # trailing\r\n"
        'metadata: {name: \'p\', labels: {"a": "b"}}\r\n'
        "spec:\r\n"
        "    containers:\r\n"
        "        -   name: app\r\n"
        '            image: "app:1"\r\n'
        "            # a comment after the last key\r\n"
        "...\r\n"
    )
    fixed = _fix_all(text)
    assert fixed.startswith(text.split("            # a comment")[0])
    assert "            # a comment after the last key\r\n...\r\n" in fixed
    added = [line for line in fixed.split("\r\n") if line not in text.split("\r\n")]
    assert added, fixed
    assert added == [
        "            securityContext:",
        "                allowPrivilegeEscalation: false",
        "    securityContext:",
        "        seccompProfile:",
        "            type: RuntimeDefault",
    ]
    assert "\n" not in fixed.replace("\r\n", "")
    assert _fix_all(fixed) == fixed


def test_anchors_and_merge_keys_are_left_alone():
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n"
        "  spec: &spec\n    containers:\n    - name: c\n      image: c:1\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec: *spec\n"
    )
    assert _fix_all(text) == text


# --- the command --------------------------------------------------------------------


def test_cli_diff_stdin_and_exit_code(tmp_path, capsys):
    path = tmp_path / "pod.yaml"
    text = POD.format(annotations="", image="app:1")
    path.write_text(text)
    out = io.StringIO()
    code = main(["fix", "--diff", str(path)], stdout=out)
    assert path.read_text() == text, "--diff changed the file"
    assert out.getvalue().startswith(f"--- a/{path}\n+++ b/{path}\n")
    assert "+    securityContext:" in out.getvalue()
    assert code == 1  # mandatory findings the safe fixes do not address remain
    said = capsys.readouterr().err
    assert f"{path}: would fix " in said and "policypack fix: would fix 3 findings in 1 file; 8 remain" in said, said

    stdin = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
    out = io.StringIO()
    main(["fix", "-"], stdin=stdin, stdout=out)
    assert out.getvalue() == _fix_all(text)

    main(["fix", str(path)], stdout=io.StringIO())
    once = path.read_bytes()
    assert once != text.encode()
    main(["fix", str(path)], stdout=io.StringIO())
    assert path.read_bytes() == once, "the second run changed the file"


def test_cli_exit_zero_when_nothing_remains(tmp_path):
    path = tmp_path / "rb.yaml"
    path.write_text(
        "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata: {name: r, namespace: n}\nrules: []\n"
    )
    assert main(["fix", str(path)], stdout=io.StringIO()) == 0
    assert path.read_text().startswith("apiVersion: rbac.authorization.k8s.io/v1\n")


def test_rules_json_states_the_fix():
    out = io.StringIO()
    main(["rules", "--format", "json"], stdout=out)
    rows = {row["name"]: row["fix"] for row in json.loads(out.getvalue())}
    assert rows["pss-seccomp-restricted"] == "safe"
    assert rows["require-read-only-root-filesystem"] == "unsafe"
    assert rows["no-privileged-containers" if "no-privileged-containers" in rows else "pss-privileged"] is None
    assert set(rows.values()) <= {"safe", "unsafe", None}
    modes = {row["name"]: row["fixModes"] for row in json.loads(out.getvalue())}
    assert modes["pss-seccomp-restricted"] == ["offline", "pulumi"]
    assert modes["no-service-account-token-automount"] == ["offline"]  # a stack rule: offline only
    # A stack rule that judges each object by its own check first remediates by it.
    assert modes["no-public-load-balancer"] == ["offline", "pulumi"]
    assert modes["pss-privileged"] == []


# --- a property: over generated pods, a fix stops its rule and starts no other ---------

_container = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "c"]), "image": st.just("img:1")},
    optional={
        "securityContext": st.fixed_dictionaries(
            {},
            optional={
                "privileged": st.booleans(),
                "allowPrivilegeEscalation": st.booleans(),
                "readOnlyRootFilesystem": st.booleans(),
                "runAsNonRoot": st.booleans(),
                "runAsUser": st.sampled_from([0, 1000]),
                "capabilities": st.fixed_dictionaries(
                    {},
                    optional={
                        "drop": st.lists(st.sampled_from(["ALL", "NET_RAW"]), max_size=2),
                        "add": st.lists(st.sampled_from(["SYS_ADMIN", "NET_BIND_SERVICE"]), max_size=1),
                    },
                ),
                "seccompProfile": st.sampled_from([{"type": "RuntimeDefault"}, {"type": "Unconfined"}]),
            },
        )
    },
)
_pod = st.fixed_dictionaries(
    {"containers": st.lists(_container, min_size=1, max_size=3)},
    optional={
        "automountServiceAccountToken": st.booleans(),
        "securityContext": st.fixed_dictionaries(
            {},
            optional={
                "runAsNonRoot": st.booleans(),
                "seccompProfile": st.sampled_from([{"type": "RuntimeDefault"}, {"type": "Unconfined"}]),
            },
        ),
        "initContainers": st.lists(_container, max_size=1),
    },
)


def _at_pod(path: tuple) -> tuple:
    """A Pod container's field path as the same field of the pod (`spec.securityContext...`)."""
    if path[:1] == ("spec",) and "securityContext" in path:
        return ("spec", *path[path.index("securityContext") :])
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pod=_pod)
def test_property_fix_stops_its_rule_and_starts_no_other(pod):
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}, "spec": pod}
    config = PackConfig.from_mapping(
        {name: {"enforcementLevel": "mandatory"} for name in FIXED_RULES}, REGISTRY, "<test>"
    )
    engine = Engine(REGISTRY, config)
    text = yaml.safe_dump(manifest, sort_keys=False)
    for rule in FIXED_RULES:
        one = Engine(*single_rule(rule, {"unsafeFixes": True} if not REGISTRY.get(rule).fix.safe else {}))
        resource = resource_from_manifest(copy.deepcopy(manifest))
        found = stack_findings(one, True, [("x.yaml", text)]).get(("x.yaml", ObjectRef.of(resource)), [])
        changes, _ = object_changes(one, resource, unsafe=True, stack_findings=found)
        if not changes:
            continue
        fixed = apply_to_data(copy.deepcopy(manifest), changes)
        # Every rule, the stack rules too (the pod is a set of one).
        before = collections.Counter((k[0], k[3]) for k in _findings(text, engine).elements())
        after = collections.Counter((k[0], k[3]) for k in _findings(yaml.safe_dump(fixed), engine).elements())
        still = [key for key in after if key[0] == rule and any(c.path == key[1] for c in changes)]
        assert not still, (rule, changes, still)
        # A finding that stood at the pod for several containers (rules/_pod_level.py) and
        # now stands at the one container still lacking the field is no new finding.
        new = [key for key in after - before if (key[0], _at_pod(key[1])) not in before]
        assert not new, (rule, changes, new)
        # The same changes, written into YAML text (block and flow), give the same data.
        plan = {0: list(changes)}
        for text in (yaml.safe_dump(manifest, sort_keys=False), json.dumps(manifest, indent=2)):
            edited = fix_yaml.apply_edits(text, fix_yaml.compose(text), plan)
            assert yaml.safe_load(edited) == fixed, (text, edited)


def test_a_stack_rule_may_carry_a_fix():
    rule = REGISTRY.get("no-service-account-token-automount")
    assert rule.stack and rule.fix is not None and not rule.fix.safe and not rule.problems()
    assert "unsafeFixes" in rule.all_options
    unsafe = REGISTRY.get("require-read-only-root-filesystem")
    assert "unsafeFixes" in unsafe.all_options and "unsafeFixes" not in REGISTRY.get("pss-privileged").all_options


# --- a stack rule's fix: offline, over the whole set ---------------------------------

WORKLOADS = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
{annotations}spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: web:1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reporter
  namespace: shop
spec:
  selector: {{matchLabels: {{app: reporter}}}}
  template:
    metadata: {{labels: {{app: reporter}}}}
    spec:
      serviceAccountName: reporter
      containers:
      - name: reporter
        image: reporter:1
"""

BINDING = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reporter, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reporter}
subjects:
- {kind: ServiceAccount, name: reporter, namespace: shop}
"""

AUTOMOUNT = "no-service-account-token-automount"


def _automount_findings(*paths) -> list[str]:
    out = io.StringIO()
    main(["lint", "--format", "json", *map(str, paths)], stdout=out)
    return sorted(f["object"]["name"] for f in json.loads(out.getvalue())["findings"] if f["rule"] == AUTOMOUNT)


def test_cli_fixes_a_stack_rule_from_the_whole_set(tmp_path, capsys):
    """The binding sits in another file (and folder) than the pod it covers: the fix
    reads the set of every input, as lint does, and leaves the bound pod alone."""
    workloads, binding = tmp_path / "apps" / "workloads.yaml", tmp_path / "rbac" / "binding.yaml"
    workloads.parent.mkdir()
    binding.parent.mkdir()
    workloads.write_text(WORKLOADS.format(annotations=""))
    binding.write_text(BINDING)
    assert _automount_findings(tmp_path) == ["web"]

    main(["fix", str(tmp_path)], stdout=io.StringIO())  # an unsafe fix: not without asking
    assert "automountServiceAccountToken" not in workloads.read_text()

    main(["fix", "--unsafe-fixes", str(tmp_path)], stdout=io.StringIO())
    fixed = workloads.read_text()
    web, reporter = fixed.split("---\n")
    assert "      automountServiceAccountToken: false\n" in web
    assert "automountServiceAccountToken" not in reporter, "the bound pod lost its token"
    assert binding.read_text() == BINDING
    assert f"{workloads}: fixed {AUTOMOUNT} (1), " in capsys.readouterr().err
    assert _automount_findings(tmp_path) == []
    main(["fix", "--unsafe-fixes", str(tmp_path)], stdout=io.StringIO())
    assert workloads.read_text() == fixed, "the second run changed the file"


def test_a_stack_rule_fix_sees_only_the_run(tmp_path):
    """Without the binding in the run, the set does not show that the reporter uses
    the API: lint reports both pods, and fix turns both tokens off."""
    workloads = tmp_path / "workloads.yaml"
    workloads.write_text(WORKLOADS.format(annotations=""))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "binding.yaml").write_text(BINDING)
    assert _automount_findings(workloads) == ["reporter", "web"]
    main(["fix", "--unsafe-fixes", str(workloads)], stdout=io.StringIO())
    assert workloads.read_text().count("automountServiceAccountToken: false") == 2


def test_a_stack_rule_fix_on_stdin_and_suppressed():
    text = WORKLOADS.format(annotations="") + "---\n" + BINDING
    stdin = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
    out = io.StringIO()
    main(["fix", "--unsafe-fixes", "-"], stdin=stdin, stdout=out)
    web, reporter, binding = out.getvalue().split("---\n")
    assert "automountServiceAccountToken: false" in web and "automountServiceAccountToken" not in reporter
    assert binding == BINDING
    annotated = WORKLOADS.format(annotations=f"  annotations:\n    ignore.policypack.io/{AUTOMOUNT}: static site\n")
    assert _fix_all(annotated, unsafe=True).count("automountServiceAccountToken") == 1  # only the reporter
    config = {AUTOMOUNT: {"unsafeFixes": True}}
    assert "automountServiceAccountToken: false" in _fix_all(WORKLOADS.format(annotations=""), config)


def test_pulumi_never_remediates_with_a_stack_rule():
    from policypack.pulumi_adapter import build_policies
    from policypack.pulumi_remediate import make_remediate

    assert make_remediate(REGISTRY.get(AUTOMOUNT))(object()) is None
    policy = next(p for p in build_policies(REGISTRY) if p.name == AUTOMOUNT)
    assert getattr(policy, "remediate", None) is None
    manifest = yaml.safe_load(WORKLOADS.format(annotations="").split("---\n")[0])
    config = {AUTOMOUNT: {"enforcementLevel": "remediate", "unsafeFixes": True}}
    urn = "urn:pulumi:s::p::kubernetes:apps/v1:Deployment::web"
    assert _remediate(make_servicer(REGISTRY, config), "kubernetes:apps/v1:Deployment", manifest, urn) is None


def test_cli_unsafe_flag_config_and_errors(tmp_path):
    path = tmp_path / "pod.yaml"
    text = POD.format(annotations="", image="app:1")
    path.write_text(text)
    main(["fix", "--unsafe-fixes", str(path)], stdout=io.StringIO())
    assert "readOnlyRootFilesystem: true" in path.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text('{"no-such-rule": "mandatory"}')
    assert main(["fix", "--config", str(bad), str(path)], stdout=io.StringIO()) == 2
    assert main(["fix", str(tmp_path / "missing.yaml")], stdout=io.StringIO()) == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    assert main(["fix", str(broken)], stdout=io.StringIO()) == 2
    assert broken.read_text() == "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n"


_versions = st.sampled_from(
    [
        ("batch/v1beta1", "CronJob"),
        ("rbac.authorization.k8s.io/v1beta1", "Role"),
        ("policy/v1beta1", "PodDisruptionBudget"),
        ("extensions/v1beta1", "Ingress"),
        ("autoscaling/v2beta1", "HorizontalPodAutoscaler"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    version=_versions,
    selector=st.sampled_from([None, {}, {"matchLabels": {"app": "a"}}]),
    annotations=st.dictionaries(
        st.sampled_from(["service.beta.kubernetes.io/aws-load-balancer-scheme", "owner"]),
        st.sampled_from(["internet-facing", "internal", "x"]),
        max_size=2,
    ),
)
def test_property_api_and_service_fixes(version, selector, annotations):
    """The apiVersion move happens only where it is listed (and a budget has a
    selector); the LB fix makes a Service internal or does nothing."""
    api_version, kind = version
    manifest: dict = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "n"}, "spec": {}}
    if selector is not None:
        manifest["spec"]["selector"] = selector
    engine = Engine(*single_rule("no-removed-api-versions"))
    changes, _ = object_changes(engine, resource_from_manifest(copy.deepcopy(manifest)), unsafe=False)
    moved = {c.value for c in changes}
    if (api_version, kind) in (("extensions/v1beta1", "Ingress"), ("autoscaling/v2beta1", "HorizontalPodAutoscaler")):
        assert not moved
    if kind == "PodDisruptionBudget" and not selector:
        assert not moved
    if moved:
        fixed = apply_to_data(copy.deepcopy(manifest), changes)
        assert not engine.run(resource_from_manifest(fixed))

    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "namespace": "n", "annotations": annotations},
        "spec": {"type": "LoadBalancer"},
    }
    options = {
        "unsafeFixes": True,
        "internalAnnotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
    }
    engine = Engine(*single_rule("no-public-load-balancer", options))
    changes, _ = object_changes(engine, resource_from_manifest(copy.deepcopy(service)), unsafe=False)
    if changes:
        fixed = apply_to_data(copy.deepcopy(service), changes)
        assert not engine.run(resource_from_manifest(fixed))
        assert {k: v for k, v in fixed["metadata"]["annotations"].items() if k in annotations} == annotations
    elif engine.run(resource_from_manifest(service)):
        assert annotations.get("service.beta.kubernetes.io/aws-load-balancer-scheme") == "internet-facing"
