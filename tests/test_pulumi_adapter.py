"""The adapter's mapping from Pulumi types and props to the model."""

from __future__ import annotations

import pytest

from policypack.model import parse_kubernetes_token
from policypack.pulumi_adapter import build_policies, may_apply
from policypack.pulumi_state import pulumi_objects
from policypack.registry import load_registry
from policypack.rule import Enforcement

REGISTRY = load_registry()


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("kubernetes:apps/v1:Deployment", ("apps/v1", "Deployment")),
        ("kubernetes:core/v1:Service", ("v1", "Service")),
        ("kubernetes:networking.k8s.io/v1:Ingress", ("networking.k8s.io/v1", "Ingress")),
        (
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ),
        ("kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler", ("autoscaling/v2beta2", "HorizontalPodAutoscaler")),
        ("kubernetes:core/v1:ConfigMapList", ("v1", "ConfigMapList")),
        ("kubernetes:apps/v1:DeploymentPatch", None),  # partial objects
        ("kubernetes:helm.sh/v3:Release", None),
        ("kubernetes:helm.sh/v4:Chart", None),
        ("kubernetes:yaml/v2:ConfigGroup", None),
        ("kubernetes:yaml:ConfigFile", None),
        ("kubernetes:kustomize/v2:Directory", None),
        ("kubernetes:apiextensions.k8s.io:CustomResource", None),
        ("aws:iam/policy:Policy", None),
        ("pulumi:providers:kubernetes", None),
    ],
)
def test_kubernetes_tokens(token: str, expected) -> None:
    assert parse_kubernetes_token(token) == expected


@pytest.mark.parametrize("version", ["v1", "v1beta", "v1-preview", "v2alpha1"])
def test_custom_resources_as_pulumi_kubernetes_registers_them(version: str) -> None:
    token = f"kubernetes:example.com/{version}:Widget"
    ((resource, path),) = pulumi_objects(token, {"metadata": {"name": "w"}}, "urn:x::w")
    assert (resource.kind, resource.api_version, resource.type, path) == (
        "Widget",
        f"example.com/{version}",
        token,
        (),
    )


def test_typed_list_items_without_kind_get_the_lists() -> None:
    props = {"items": [{"metadata": {"name": "a"}, "spec": {"containers": []}}]}
    ((resource, path),) = pulumi_objects("kubernetes:core/v1:PodList", props, "urn:x::l")
    assert (resource.kind, resource.api_version, path) == ("Pod", "v1", ("items", 0))


def test_list_resources_yield_their_items_with_paths() -> None:
    props = {"items": [{"apiVersion": "v1", "kind": "Service", "spec": {"type": "LoadBalancer"}}, "junk"]}
    objects = list(pulumi_objects("kubernetes:core/v1:ServiceList", props, "urn:x::l"))
    assert [(r.kind, path) for r, path in objects] == [("Service", ("items", 0))]


def test_kind_and_api_version_come_from_the_token() -> None:
    ((resource, _),) = pulumi_objects("kubernetes:apps/v1:Deployment", {"metadata": {"name": "d"}}, "urn:x::d")
    assert resource.props["kind"] == "Deployment" and resource.props["apiVersion"] == "apps/v1"
    assert resource.urn == "urn:x::d"


def test_may_apply_decides_from_the_token() -> None:
    service_rule = REGISTRY.get("no-service-external-ips")
    iam = REGISTRY.get("no-iam-admin-wildcards")
    assert may_apply(service_rule, "kubernetes:core/v1:Service")
    assert may_apply(service_rule, "kubernetes:core/v1:List")
    assert not may_apply(service_rule, "kubernetes:example.com/v1:Widget")
    assert not may_apply(service_rule, "kubernetes:apps/v1:Deployment")
    assert not may_apply(service_rule, "aws:iam/policy:Policy")
    assert may_apply(iam, "aws:iam/policy:Policy")
    assert not may_apply(iam, "kubernetes:example.com/v1:Widget")


def test_policies_mirror_the_registry() -> None:
    policies = build_policies(REGISTRY)
    assert [p.name for p in policies] == [r.name for r in REGISTRY]
    for policy, rule in zip(policies, REGISTRY, strict=True):
        assert policy.description == rule.title
        assert policy.severity.value == rule.severity.value
        assert policy.enforcement_level.value == rule.enforcement.value
        assert policy.remediation_steps == rule.how_to_fix
        assert policy.config_schema.properties == {k: dict(v) for k, v in rule.all_options.items()}
        assert policy.tags[0] == rule.area


def test_plain_properties_of_a_stack_export() -> None:
    from policypack.pulumi_state import plain_properties
    from policypack.values import UNKNOWN

    sig = "4dabf18193072939515e22adb298388d"
    secret = "1b47061264138c4ac30d75fd1eb44270"
    data = plain_properties(
        {
            "replicas": 3.0,
            "ratio": 0.25,
            "image": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            "shown": {sig: secret, "plaintext": '{"a": [1.0]}'},
            "wrapped": {sig: secret, "value": "x"},
            "hidden": {sig: secret, "ciphertext": "v1:..."},
            "broken": {sig: secret, "plaintext": "{not json"},
        }
    )
    assert data == {
        "replicas": 3,
        "ratio": 0.25,
        "image": UNKNOWN,
        "shown": {"a": [1]},
        "wrapped": "x",
        "hidden": UNKNOWN,
        "broken": UNKNOWN,
    }
    assert isinstance(data["replicas"], int)


def test_docs_url_follows_the_environment(monkeypatch) -> None:
    from policypack.pulumi_adapter import docs_url

    rule = REGISTRY.get("no-rbac-wildcards")
    assert docs_url(rule).startswith("file://") and docs_url(rule).endswith("/docs/rules/no-rbac-wildcards.md")
    monkeypatch.setenv("POLICYPACK_DOCS_BASE_URL", "https://git.example.com/pack/blob/main/docs/rules/")
    assert docs_url(rule) == "https://git.example.com/pack/blob/main/docs/rules/no-rbac-wildcards.md"


def _analyze_response(registry, token: str, props: dict):
    from google.protobuf import json_format, struct_pb2
    from pulumi.runtime import proto

    from tests.support.harness import make_servicer

    properties = struct_pb2.Struct()
    json_format.ParseDict(props, properties)
    request = proto.AnalyzeRequest(type=token, properties=properties, urn=f"urn:pulumi:s::p::{token}::x", name="x")
    return make_servicer(registry).Analyze(request, None)


def test_policies_that_cannot_apply_say_so() -> None:
    response = _analyze_response(REGISTRY, "aws:iam/policy:Policy", {"policy": "{}"})
    not_applicable = {n.policy_name for n in response.not_applicable}
    # Stack policies are not called per resource, and policies that are off
    # (enforcement disabled) are not run; every other policy that does not judge IAM
    # policies says so.
    judges = {r.name for r in REGISTRY if "aws:iam/policy:Policy" in r.types}
    runs = {r.name for r in REGISTRY if not r.stack and r.enforcement is not Enforcement.DISABLED}
    assert not_applicable == runs - judges
    assert list(response.diagnostics) == []


def test_a_failure_to_read_props_is_reported_not_raised(monkeypatch) -> None:
    import policypack.pulumi_adapter as adapter

    def broken(*args, **kwargs):
        raise RuntimeError("secret-looking detail")

    monkeypatch.setattr(adapter, "pulumi_objects", broken)
    response = _analyze_response(REGISTRY, "kubernetes:core/v1:Service", {"spec": {"type": "LoadBalancer"}})
    messages = [d.message for d in response.diagnostics]
    assert messages and all("could not read the resource's properties (RuntimeError)" in m for m in messages)
    assert not any("secret-looking detail" in m for m in messages)


def test_list_items_are_judged_only_by_the_rules_that_target_their_kind() -> None:
    registry = load_registry(extra_modules=["tests.support.raising_rule"])
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"explode": "yes"}}}
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"externalIPs": ["1.2.3.4"], "ports": [{"port": 80}]},
    }
    response = _analyze_response(registry, "kubernetes:core/v1:List", {"items": [pod, service]})
    assert [d.policyName for d in response.diagnostics] == ["no-service-external-ips"]


def test_integer_options_reach_rules_as_integers() -> None:
    from tests.support.harness import analyze, make_servicer

    props = {
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 5,
        }
    }
    servicer = make_servicer(REGISTRY, {"hpa-min-replicas": {"minReplicas": 3}})
    urn = "urn:pulumi:s::p::kubernetes:autoscaling/v2:HorizontalPodAutoscaler::web"
    (diagnostic,) = [
        d
        for d in analyze(servicer, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", props, urn)
        if d.policy == "hpa-min-replicas"
    ]
    assert "below the minimum of 3 " in diagnostic.message


def test_a_masked_secret_is_unknown_not_a_value() -> None:
    """`pulumi policy analyze --file` hands policies the string "[secret]" for a secret
    it cannot decrypt: a rule must not judge the mask (an image "[secret]" has no tag)."""
    from policypack.pulumi_adapter import plain
    from policypack.values import UNKNOWN

    assert plain({"image": "[secret]", "tags": ["[secret]", "x"]}) == {"image": UNKNOWN, "tags": [UNKNOWN, "x"]}
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "[secret]"}]}}
    masked = _analyze_response(REGISTRY, "kubernetes:core/v1:Pod", pod)
    assert "require-pinned-images" not in {d.policyName for d in masked.diagnostics}
    pod["spec"]["containers"][0]["image"] = "nginx"
    plain_image = _analyze_response(REGISTRY, "kubernetes:core/v1:Pod", pod)
    assert "require-pinned-images" in {d.policyName for d in plain_image.diagnostics}
