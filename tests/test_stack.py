"""Stack rules: label selectors, the Stack view, and both modes over multi-object sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import lint_paths
from policypack.model import resource_from_manifest
from policypack.registry import load_registry
from policypack.stack import Stack, label_selector_matches, map_selector_matches
from policypack.values import UNKNOWN
from tests.support.harness import analyze_stack, make_servicer, pulumi_objects_of

REGISTRY = load_registry(extra_modules=["tests.support.stack_rule"])


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({"matchLabels": {"app": "web"}}, {"app": "web", "tier": "x"}, True),
        ({"matchLabels": {"app": "web"}}, {"app": "api"}, False),
        ({}, {"app": "web"}, True),
        (None, {"app": "web"}, False),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}, {"app": "api"}, True),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}, {}, False),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {}, True),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {"app": "web"}, False),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {"app": ""}, True),
        ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, {"app": "x"}, False),
        (
            {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "t", "operator": "Exists"}]},
            {"app": "web"},
            False,
        ),
        (UNKNOWN, {"app": "web"}, None),
        ({"matchLabels": {"app": UNKNOWN}}, {"app": "web"}, None),
        ({"matchLabels": {"app": UNKNOWN}, "matchExpressions": [{"key": "t", "operator": "Exists"}]}, {}, False),
        ({"matchLabels": {"app": "web"}}, UNKNOWN, None),
    ],
)
def test_label_selector(selector, labels, expected) -> None:
    assert label_selector_matches(selector, labels) is expected


def test_map_selector() -> None:
    assert map_selector_matches({"app": "web"}, {"app": "web", "x": "y"}) is True
    assert map_selector_matches({"app": "web"}, {"x": "y"}) is False
    assert map_selector_matches({}, {"app": "web"}) is False  # a Service without selector selects nothing
    assert map_selector_matches(None, {"app": "web"}) is False
    assert map_selector_matches({"app": UNKNOWN}, {"app": "web"}) is None
    assert map_selector_matches({"app": "web", "b": "c"}, {"app": "web", "b": UNKNOWN}) is None


def test_stack_namespaces() -> None:
    def obj(kind: str, namespace=None):
        metadata = {"name": "x"} if namespace is None else {"name": "x", "namespace": namespace}
        return resource_from_manifest({"apiVersion": "v1", "kind": kind, "metadata": metadata})

    stack = Stack([obj("ConfigMap"), obj("ConfigMap", "shop"), obj("ClusterRole"), obj("Secret", UNKNOWN)], "apps")
    assert [stack.namespace_of(r) for r in stack] == ["apps", "shop", None, UNKNOWN]
    assert stack.namespaces("ConfigMap", "Secret") == ["apps", "shop"]
    assert stack.in_namespace(UNKNOWN, "ConfigMap") == []
    assert stack.find("ConfigMap", "x", "shop") is stack.resources[1]
    assert stack.find("ConfigMap", "y", "shop") is None
    assert stack.find("Secret", "x", "shop") is UNKNOWN  # its namespace is not known yet


def test_lookups_over_several_kinds_keep_the_order_of_the_set() -> None:
    """Rules pass kinds as frozensets, whose order changes with the hash seed: the
    objects (and so findings and their messages) must come in the set's order."""

    def obj(kind: str, name: str):
        return resource_from_manifest({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}})

    kinds = ["DaemonSet", "Deployment", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet"]
    stack = Stack([obj(kind, f"{kind}-{i}") for i, kind in enumerate(kinds)])
    expected = list(stack.resources)
    for order in (("Deployment", "DaemonSet", "StatefulSet", "ReplicationController"), tuple(reversed(kinds))):
        assert stack.in_namespace("default", *order) == expected
        assert stack.select("default", lambda labels: True, *order).matched == expected


CONFIGMAPS_A = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: other
"""

CONFIGMAPS_B = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
"""


def test_offline_stack_rules_see_objects_split_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CONFIGMAPS_A)
    (tmp_path / "b.yaml").write_text(CONFIGMAPS_B)
    config = PackConfig.from_mapping({"all": "disabled", "test-stack-rule": "mandatory"}, REGISTRY)
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, config))
    places = sorted((Path(f.location.file).name, f.location.line) for f in result.findings)
    assert places == [("a.yaml", 4), ("b.yaml", 4)]
    assert all('"settings" is used 2 times in default' in f.message for f in result.findings)


def test_the_default_namespace_is_an_option(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CONFIGMAPS_A)
    config = PackConfig.from_mapping(
        {"all": "disabled", "test-stack-rule": {"enforcementLevel": "mandatory", "defaultNamespace": "other"}},
        REGISTRY,
    )
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, config))
    assert sorted(f.location.line for f in result.findings) == [4, 9]


def test_a_failing_stack_rule_is_an_error_finding_and_resource_rules_still_judge(tmp_path: Path) -> None:
    text = CONFIGMAPS_A.replace("  name: settings\n---", "  name: settings\n  labels: {explode: 'yes'}\n---")
    (tmp_path / "a.yaml").write_text(text + "---\n" + CONFIGMAPS_B)
    result = lint_paths([str(tmp_path)], Engine(REGISTRY))
    (error,) = result.rule_errors
    assert error.rule == "test-stack-rule" and "RuntimeError at tests/support/stack_rule.py" in error.message
    assert "boom" not in error.message


TWO_PROVIDERS = """\
deployment:
  resources:
    - urn: urn:pulumi:s::p::kubernetes:core/v1:ConfigMap::a
      type: kubernetes:core/v1:ConfigMap
      provider: urn:pulumi:s::p::pulumi:providers:kubernetes::east::1
      inputs: {metadata: {name: settings, namespace: shop}}
    - urn: urn:pulumi:s::p::kubernetes:core/v1:ConfigMap::b
      type: kubernetes:core/v1:ConfigMap
      provider: urn:pulumi:s::p::pulumi:providers:kubernetes::west::2
      inputs: {metadata: {name: settings, namespace: shop}}
    - urn: urn:pulumi:s::p::kubernetes:core/v1:ConfigMap::c
      type: kubernetes:core/v1:ConfigMap
      provider: urn:pulumi:s::p::pulumi:providers:kubernetes::west::2
      inputs: {metadata: {name: settings, namespace: shop}}
"""


def test_stack_rules_never_mix_clusters_in_either_mode(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(TWO_PROVIDERS)
    result = lint_paths([str(tmp_path / "stack.yaml")], Engine(REGISTRY))
    assert sorted(f.object.urn.rsplit("::", 1)[-1] for f in result.findings if f.rule == "test-stack-rule") == [
        "b",
        "c",
    ]
    servicer = make_servicer(REGISTRY)
    diagnostics = [
        d for d in analyze_stack(servicer, pulumi_objects_of(TWO_PROVIDERS)) if d.policy == "test-stack-rule"
    ]
    assert sorted(d.urn.rsplit("::", 1)[-1] for d in diagnostics) == ["b", "c"]
    assert all("(ConfigMap shop/settings, field metadata.name)" in d.message for d in diagnostics)


def test_an_unknown_namespace_matches_nothing_in_pulumi() -> None:
    # c's namespace is unknown during preview: b alone in "shop" on west, nothing fires.
    text = TWO_PROVIDERS.rsplit("namespace: shop", 1)[0] + 'namespace: "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}\n'
    diagnostics = analyze_stack(make_servicer(REGISTRY), pulumi_objects_of(text))
    assert [d for d in diagnostics if d.policy == "test-stack-rule"] == []


def test_a_malformed_selector_matches_nothing_decidable() -> None:
    assert label_selector_matches({"matchLabels": "app=web"}, {"app": "web"}) is None
    assert label_selector_matches({"matchExpressions": {"key": "app"}}, {"app": "web"}) is None


def test_select_map_answers_as_select_with_map_selector_matches() -> None:
    def workload(kind: str, name: str, labels, namespace="shop"):
        metadata = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
        template = {"metadata": {} if labels is None else {"labels": labels}, "spec": {"containers": []}}
        return resource_from_manifest(
            {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": {"template": template}}
        )

    members = [
        workload("Deployment", "a", {"app": "web", "tier": "front"}),
        workload("DaemonSet", "b", {"app": "web"}),
        workload("Deployment", "c", {"app": "web", "tier": UNKNOWN}),
        workload("StatefulSet", "d", UNKNOWN),
        workload("Deployment", "e", None),
        workload("Deployment", "f", {"app": ["odd"]}),
        workload("Deployment", "g", {"app": "web"}, namespace="other"),
        workload("DaemonSet", "h", {"app": "web", "tier": "front"}),
    ]
    selectors = [
        {"app": "web"},
        {"app": "web", "tier": "front"},
        {"tier": "back"},
        {},
        {"app": UNKNOWN},
        {"app": ["x"]},
    ]
    kinds = ("StatefulSet", "DaemonSet", "Deployment")
    for chosen in (members, [m for m in members if m.pod_labels is not UNKNOWN]):
        stack = Stack(chosen)
        for selector in selectors:
            for namespace in ("shop", "other", UNKNOWN):
                fast = stack.select_map(namespace, selector, *kinds)
                slow = stack.select(namespace, lambda labels, s=selector: map_selector_matches(s, labels), *kinds)
                assert (fast.matched, fast.undecided) == (slow.matched, slow.undecided), (selector, namespace)
