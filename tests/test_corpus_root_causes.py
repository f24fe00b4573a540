"""Issue 13 on the real-world corpus (../shared/corpus/real-world): one root cause, one
finding, and what was missed, at the locations named in the issue."""

from __future__ import annotations

from pathlib import Path

import pytest

from policypack.engine import Engine, Finding
from policypack.lint import LintResult, lint_paths
from policypack.registry import load_registry

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real-world"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")

REGISTRY = load_registry()
PRIVILEGED_CONSEQUENCES = {
    "pss-allow-privilege-escalation",
    "pss-seccomp-restricted",
    "require-drop-all-capabilities",
    "pss-capabilities-restricted",
}


@pytest.fixture(scope="module")
def result() -> LintResult:
    return lint_paths([str(CORPUS)], Engine(load_registry()))


def at(result: LintResult, name: str) -> list[Finding]:
    return [f for f in result.findings if f.location and Path(f.location.file).name == name]


def test_a_host_path_volume_is_reported_once(result: LintResult) -> None:
    lines: dict[tuple, set[str]] = {}
    for finding in result.findings:
        if finding.location:
            lines.setdefault((finding.location.file, finding.location.line), set()).add(finding.rule)
    assert not [where for where, rules in lines.items() if {"pss-host-path-volumes", "pss-restricted-volumes"} <= rules]
    folded = [f for f in result.findings if f.rule == "pss-host-path-volumes" and f.folded]
    # Folded under it: the Restricted level's finding on each volume, and the pod's
    # other hostPath volumes (one finding per pod, as PSA reports the control); in a
    # DaemonSet, also the node agent's other host access (host namespaces and the host
    # ports that follow from them, added capabilities): one decision, one exemption.
    kinds = {x.rule for f in folded if f.object.kind != "DaemonSet" for x in f.folded}
    assert folded and kinds <= {"pss-restricted-volumes", "pss-host-path-volumes"}
    agents = {x.rule for f in folded if f.object.kind == "DaemonSet" for x in f.folded}
    assert {"pss-host-namespaces", "pss-capabilities-baseline"} <= agents
    node_agent = {"pss-host-namespaces", "pss-host-ports", "pss-capabilities-baseline"}
    assert agents <= {"pss-restricted-volumes", "pss-host-path-volumes"} | node_agent
    assert any(x.rule == "pss-restricted-volumes" for f in folded for x in f.folded)


def test_a_privileged_container_is_one_finding(result: LintResult) -> None:
    def container(f: Finding) -> tuple:
        return (f.location.file if f.location else None, f.object, f.container)

    privileged = {container(f) for f in result.findings if f.rule == "pss-privileged"}
    assert privileged
    same = [f for f in result.findings if f.rule in PRIVILEGED_CONSEQUENCES and container(f) in privileged]
    assert same == []


def test_a_wildcard_rbac_rule_is_one_finding(result: LintResult) -> None:
    def entry(f: Finding) -> tuple:
        return (f.location.file if f.location else None, f.object, f.path[:2])

    wildcards = {entry(f) for f in result.findings if f.rule == "no-rbac-wildcards"}
    repeated = [
        f
        for f in result.findings
        if f.rule.startswith("rbac-no-")
        and f.rule != "rbac-no-escalation-verbs"  # critical: graver than the wildcard, stands alone
        and entry(f) in wildcards
    ]
    assert repeated == []


def test_a_binding_is_one_finding(result: LintResult) -> None:
    bindings = [(f.location, f.object) for f in result.findings if f.rule == "rbac-binding-grants"]
    assert bindings and len(bindings) == len(set(bindings))


def test_edit_bound_cluster_wide_fires(result: LintResult) -> None:
    found = [f for f in at(result, "_archived_podsecuritypolicy_rbac_bindings.yaml") if f.rule == "rbac-binding-grants"]
    (edit,) = [f for f in found if f.object.name == "edit"]
    assert edit.object.kind == "ClusterRoleBinding" and edit.location and edit.location.line == 50  # roleRef.name
    assert "Group privileged-psp-users, Group restricted-psp-users" in edit.message
    assert "across the cluster through the built-in ClusterRole edit" in edit.message


def test_host_path_persistent_volume_fires(result: LintResult) -> None:
    (pv,) = [f for f in at(result, "AI_model-serving-tensorflow_pv.yaml") if f.rule == "pv-no-host-path"]
    assert pv.location and pv.location.line == 11 and "/mnt/models/my_model" in pv.message


def test_runtime_socket_is_named_as_node_takeover_once(result: LintResult) -> None:
    found = at(result, "_archived_sysdig-cloud_sysdig-daemonset.yaml")
    # The agent is privileged: the socket is listed under that finding, which holds
    # the node already, with the hostPath findings of its volume.
    (privileged,) = [f for f in found if f.rule == "pss-privileged"]
    (socket,) = [f for f in privileged.folded if f.rule == "no-container-runtime-socket"]
    assert socket.location and socket.location.line == 21 and "node takeover" in socket.message
    assert not [f for f in found if f.rule in ("no-container-runtime-socket", "pss-host-path-volumes")]
    assert {"pss-host-path-volumes", "pss-restricted-volumes"} <= {f.rule for f in privileged.folded}
    # node-exporter mounts / read-only as nobody:nogroup: a hostPath, not a usable socket.
    exporter = at(result, "manifests_nodeExporter-daemonset.yaml")
    assert not [f for f in exporter if f.rule == "no-container-runtime-socket"]
    assert [f for f in exporter if f.rule == "pss-host-path-volumes"]


def test_committed_credentials_fire_and_placeholders_do_not(result: LintResult) -> None:
    rule = "no-plaintext-secret-values"
    assert [f.location.line for f in at(result, "_archived_volumes_cephfs_secret_ceph-secret.yaml") if f.rule == rule]
    assert not [f for f in at(result, "manifests_grafana-config.yaml") if f.rule == rule]
    assert not [f for f in at(result, "manifests_alertmanager-secret.yaml") if f.rule == rule]
    values = ("sCaleio123", "c0NhbGVpbzEyMw==", "QVFCMTZWMVZvRjVtRXhBQTVrQ1FzN2JCajhWVUxSdzI2Qzg0SEE9PQ==", "mpass")
    for finding in (f for f in result.findings if f.rule == rule):
        assert not [v for v in values if v in finding.message]  # messages never quote values
