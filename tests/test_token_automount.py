"""no-service-account-token-automount reads the set: what its fixtures cannot show.

Copies of a ServiceAccount in several files (alternatives), values unknown during a
Pulumi preview (which fire nothing), and the corpus locations that made it a stack
rule (issue 13: the controllers of argo-cd and prometheus-adapter, whose accounts
are bound to roles, were told to turn their token off). The fixtures are in
tests/rules/no-service-account-token-automount/, the fix in tests/test_fixes.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policypack.engine import Engine
from policypack.lint import lint_paths
from tests.support.harness import analyze_stack, make_servicer, pulumi_objects_of, single_rule
from tests.test_precision import CORPUS, corpus
from tests.test_unknowns import UNKNOWN_OBJECT, UNKNOWN_STRING

RULE = "no-service-account-token-automount"

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  serviceAccountName: web
  containers:
  - {name: web, image: web:1}
"""


def _account(value: str) -> str:
    return f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: web, namespace: shop}}\n{value}\n"


def _lint(root: Path) -> list[str]:
    result = lint_paths([str(root)], Engine(*single_rule(RULE)))
    assert not result.errors and not result.rule_errors
    return sorted(Path(f.location.file).name for f in result.findings if f.rule == RULE)


def test_alternative_copies_of_the_account_fire_nothing(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "account-prod.yaml").write_text(_account("automountServiceAccountToken: true"))
    assert _lint(tmp_path) == ["pod.yaml"]
    # A copy that turns the mount off beside one that does not: which one is deployed
    # is not known, so neither decides.
    (tmp_path / "account-dev.yaml").write_text(_account("automountServiceAccountToken: false"))
    assert _lint(tmp_path) == []


def test_the_copy_in_the_pods_own_file_decides(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD + "---\n" + _account("automountServiceAccountToken: false"))
    (tmp_path / "other.yaml").write_text(_account("automountServiceAccountToken: true"))
    assert _lint(tmp_path) == []
    (tmp_path / "pod.yaml").write_text(POD + "---\n" + _account("automountServiceAccountToken: true"))
    (tmp_path / "other.yaml").write_text(_account("automountServiceAccountToken: false"))
    assert _lint(tmp_path) == ["pod.yaml"]


BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: other, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: other}
subjects:
- {kind: ServiceAccount, name: web, namespace: staging}  # another namespace's account
"""


@pytest.mark.parametrize(
    "document, path, value",
    [
        (1, ("subjects",), UNKNOWN_OBJECT),  # the binding's subjects
        (1, ("subjects", 0, "name"), UNKNOWN_STRING),  # one subject's name
        (1, ("subjects", 0, "namespace"), UNKNOWN_STRING),
        (0, ("metadata", "namespace"), UNKNOWN_STRING),  # the pod's namespace
        (0, ("spec", "serviceAccountName"), UNKNOWN_STRING),
        (2, ("metadata", "name"), UNKNOWN_STRING),  # a ServiceAccount that may be the pod's
        (2, ("automountServiceAccountToken",), UNKNOWN_STRING),
    ],
)
def test_unknowns_during_a_preview_fire_nothing(document: int, path: tuple, value: object) -> None:
    """With everything known the pod's account is unbound (the binding names the
    account `web` of another namespace) and mounts the token; with any of these
    unknown, it may be bound or may mount nothing."""
    account = _account("automountServiceAccountToken: true")
    objects = pulumi_objects_of(POD + "---\n" + BINDING + "---\n" + account)
    servicer = make_servicer(single_rule(RULE)[0])
    assert [d.policy for d in analyze_stack(servicer, objects)] == [RULE]
    target = objects[document].props
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert [d for d in analyze_stack(servicer, objects) if d.policy == RULE] == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_pods_whose_account_is_bound_in_the_corpus_are_not_told_to_drop_the_token() -> None:
    found = [f for f in corpus().findings if f.rule == RULE]
    # (with the findings of copies of one object in other files, folded under the first)
    located = [f.location for top in found for f in (top, *top.folded) if f.rule == RULE]
    where = {(str(Path(location.file).relative_to(CORPUS)), location.line) for location in located}
    # argo-cd's controllers and servers, bound to their roles in every install variant.
    assert not [f for f in found if "argocd-" in f.message], sorted(where)
    # prometheus-adapter reads the metrics API through its ClusterRoleBinding.
    assert ("k8s-examples/AI_vllm-deployment_hpa_prometheus-adapter.yaml", 146) not in where
    # The elasticsearch examples name their bound account in the deprecated field.
    assert not [w for w in where if w[0].startswith("k8s-examples/_archived_elasticsearch_")]
    # Pods of the default account that nothing binds are still reported.
    assert ("k8s-examples/_archived_nodesjs-mongodb_web-controller.yaml", 15) in where
    assert len(located) >= 140


ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  template:
    metadata:
      annotations:
        ignore.policypack.io/no-service-account-token-automount: static site, no API use
    spec:
      containers:
      - {name: web, image: web:1}
  canary:
    analysisTemplate:
      spec:
        containers:
        - {name: check, image: check:1}
"""


def test_a_custom_resources_pod_template_annotation_suppresses_its_finding(tmp_path: Path) -> None:
    """As when the rule judged each pod template on its own: the annotation on the
    template's metadata suppresses the finding there, and only there."""
    (tmp_path / "rollout.yaml").write_text(ROLLOUT)
    result = lint_paths([str(tmp_path)], Engine(*single_rule(RULE)))
    found = sorted((f.path[:2], f.suppression is not None) for f in result.findings if f.rule == RULE)
    assert found == [(("spec", "canary"), False), (("spec", "template"), True)]
    servicer = make_servicer(single_rule(RULE)[0])
    paths = [d.path[:2] for d in analyze_stack(servicer, pulumi_objects_of(ROLLOUT)) if d.policy == RULE]
    assert paths == [("spec", "canary")]


GROUP = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: shop-accounts, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-reader}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:serviceaccounts:shop"}
"""


@pytest.mark.parametrize(
    "context, fires",
    [
        ("", True),  # nothing in the set is about its account: wherever it lands, it gets a token
        (_account("automountServiceAccountToken: false"), False),  # it may land beside this account
        (GROUP, False),  # it may land in the namespace whose accounts are bound
        (BINDING, False),  # an account of its name is bound in some namespace
    ],
)
def test_a_pod_whose_namespace_is_not_known_yet(context: str, fires: bool) -> None:
    objects = pulumi_objects_of(POD + ("---\n" + context if context else ""))
    objects[0].props["metadata"]["namespace"] = UNKNOWN_STRING
    servicer = make_servicer(single_rule(RULE)[0])
    assert bool([d for d in analyze_stack(servicer, objects) if d.policy == RULE]) == fires


def test_an_account_not_known_yet_in_one_template_leaves_the_next_judged() -> None:
    text = """\
apiVersion: ray.io/v1
kind: RayCluster
metadata: {name: ray, namespace: ml}
spec:
  headGroupSpec:
    template:
      spec:
        serviceAccountName: head
        containers: [{name: head, image: "ray:1"}]
  workerGroupSpecs:
  - template:
      spec:
        containers: [{name: worker, image: "ray:1"}]
"""
    objects = pulumi_objects_of(text)
    objects[0].props["spec"]["headGroupSpec"]["template"]["spec"]["serviceAccountName"] = UNKNOWN_STRING
    servicer = make_servicer(single_rule(RULE)[0])
    paths = [d.path[:2] for d in analyze_stack(servicer, objects) if d.policy == RULE]
    assert paths == [("spec", "workerGroupSpecs")]


def test_a_pod_whose_namespace_is_not_known_beside_an_account_whose_name_is_not_either() -> None:
    objects = pulumi_objects_of(POD + "---\n" + _account("automountServiceAccountToken: false"))
    objects[0].props["metadata"]["namespace"] = UNKNOWN_STRING
    objects[1].props["metadata"]["name"] = UNKNOWN_STRING
    servicer = make_servicer(single_rule(RULE)[0])
    assert [d for d in analyze_stack(servicer, objects) if d.policy == RULE] == []
