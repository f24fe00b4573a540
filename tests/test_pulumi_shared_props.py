"""The pack's servicer converts a resource's props once per `Analyze` request and
shares them with every rule's policy. Its answers must be exactly the SDK servicer's
(which converts them once per policy): same diagnostics, same enforcement levels, same
not-applicable reasons, for every fixture object, with every rule enabled, with
unknown values, with config, and from several threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import PolicyConfigSchema, ResourceValidationPolicy
from pulumi_policy.policy import EnforcementLevel, _PolicyAnalyzerServicer

from policypack.pulumi_adapter import SharedPropsServicer, build_policies
from tests.support.harness import REGISTRY, analyze_stack, load_fixture, pulumi_objects_of
from tests.test_unknowns import UNKNOWN_STRING, paths, replaced

FIXTURES = sorted((Path(__file__).parent / "rules").glob("*/*.yaml"))


def servicer(cls: type, policies: list | None = None, options: dict[str, Any] | None = None) -> Any:
    made = cls("kubernetes-playbook", "0.0.1", policies or build_policies(REGISTRY), EnforcementLevel.ADVISORY)
    if options:
        request = proto.ConfigureAnalyzerRequest()
        for name, settings in options.items():
            entry = proto.PolicyConfig()
            entry.properties.update(settings)
            request.policyConfig[name].CopyFrom(entry)
        made.Configure(request, None)
    return made


def analyze_request(token: str, props: dict, urn: str) -> proto.AnalyzeRequest:
    properties = struct_pb2.Struct()
    json_format.ParseDict(props, properties)
    return proto.AnalyzeRequest(type=token, properties=properties, urn=urn, name=urn.rsplit("::", 1)[-1])


def answer(response: Any) -> tuple:
    diagnostics = sorted((d.policyName, d.message, d.enforcementLevel, d.urn) for d in response.diagnostics)
    skipped = sorted((n.policy_name, n.reason) for n in response.not_applicable)
    return diagnostics, skipped


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_answers_as_the_sdk_servicer(path: Path) -> None:
    fixture = load_fixture(path, path.parent.name)
    options = {fixture.rule: fixture.options} if fixture.options else None
    sdk, shared = servicer(_PolicyAnalyzerServicer, options=options), servicer(SharedPropsServicer, options=options)
    for obj in pulumi_objects_of(fixture.text, name=str(path)):
        variants = [obj.props] + [replaced(obj.props, field) for field in list(paths(obj.props))[:8]]
        for props in variants:
            request = analyze_request(obj.type, props, obj.urn)
            assert answer(shared.Analyze(request, None)) == answer(sdk.Analyze(request, None)), obj.urn
            assert request.properties == analyze_request(obj.type, props, obj.urn).properties  # not mutated


def test_concurrent_requests_keep_their_own_props() -> None:
    shared = servicer(SharedPropsServicer)

    def pod(index: int) -> tuple:
        image = "nginx" if index % 2 else "nginx@sha256:" + "a" * 64
        props = {"metadata": {"name": f"p{index}"}, "spec": {"containers": [{"name": "c", "image": image}]}}
        request = analyze_request("kubernetes:core/v1:Pod", props, f"urn:pulumi:s::p::kubernetes:core/v1:Pod::p{index}")
        return index, answer(shared.Analyze(request, None))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(pod, range(200)))
    for index, (diagnostics, _) in results:
        pinned = [d for d in diagnostics if d[0] == "require-pinned-images"]
        assert len(pinned) == index % 2, (index, pinned)
        assert all(f"Pod p{index}" in d[1] for d in diagnostics)


def test_a_pack_with_a_foreign_policy_keeps_the_sdk_behaviour() -> None:
    seen: list[Any] = []
    foreign = ResourceValidationPolicy(
        "foreign",
        "reads the props itself",
        validate=lambda args, report: seen.append(args.props["spec"]["type"]),
        config_schema=PolicyConfigSchema(properties={}),
    )
    shared = servicer(SharedPropsServicer, [*build_policies(REGISTRY), foreign])
    props = {"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}}
    shared.Analyze(analyze_request("kubernetes:core/v1:Service", props, "urn:pulumi:s::p::t::web"), None)
    assert seen == ["LoadBalancer"]


def test_unknown_props_are_unknown_in_the_shared_conversion() -> None:
    props = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": UNKNOWN_STRING}]}}
    request = analyze_request("kubernetes:core/v1:Pod", props, "urn:pulumi:s::p::kubernetes:core/v1:Pod::p")
    diagnostics, _ = answer(servicer(SharedPropsServicer).Analyze(request, None))
    assert not [d for d in diagnostics if d[0] == "require-pinned-images"]
    assert not [d for d in diagnostics if "can't run policy" in d[1] or "could not" in d[1]]


SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def test_values_the_engine_marks_secret_are_not_plaintext_literals() -> None:
    """A Secret's value from `config.requireSecret` reaches the pack decrypted; the
    engine's secret marker says it is kept encrypted, so it is no committed literal."""
    props = {
        "metadata": {"name": "db"},
        "stringData": {
            "password": {**SECRET, "value": "s3cret-Passw0rd!"},
            "apiToken": "7f3c2a9e41b84d0c9a6e5f1d2b3c4a5e",
        },
    }
    token = "kubernetes:core/v1:Secret"
    request = analyze_request(token, props, f"urn:pulumi:s::p::{token}::db")
    diagnostics, _ = answer(servicer(SharedPropsServicer).Analyze(request, None))
    found = [message for policy, message, _, _ in diagnostics if policy == "no-plaintext-secret-values"]
    assert len(found) == 1 and '"apiToken"' in found[0]


def test_stack_exports_mark_the_same_secrets() -> None:
    from policypack.pulumi_state import stack_resources

    export = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": "urn:pulumi:s::p::kubernetes:core/v1:Secret::db",
                    "type": "kubernetes:core/v1:Secret",
                    "inputs": {"stringData": {"password": {**SECRET, "plaintext": '"s3cret-Passw0rd!"'}}},
                }
            ]
        },
    }
    ((resource, _),) = list(stack_resources(export))
    assert resource.get("stringData", "password") == "s3cret-Passw0rd!"
    assert resource.is_secret(("stringData", "password")) and not resource.is_secret(("stringData",))


@pytest.mark.parametrize("remediate", [False, True])
def test_remediate_answers_as_the_sdk_servicer(remediate: bool) -> None:
    """Remediate skips the props conversion when no policy is at `remediate`; the answer
    is the SDK's either way (empty, or not-applicable for a policy without a fix)."""
    props = {"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"image": "nginx"}]}}}}
    request = proto.AnalyzeRequest(type="kubernetes:apps/v1:Deployment", urn="urn:pulumi:s::p::d::web", name="web")
    json_format.ParseDict(props, request.properties)
    answers = []
    for cls in (_PolicyAnalyzerServicer, SharedPropsServicer):
        made = servicer(cls)
        if remediate:
            config = proto.ConfigureAnalyzerRequest()
            config.policyConfig["pss-host-namespaces"].enforcementLevel = proto.REMEDIATE
            made.Configure(config, None)
        answers.append(made.Remediate(request, None))
    assert answers[0] == answers[1]
    assert [n.policy_name for n in answers[0].not_applicable] == (["pss-host-namespaces"] if remediate else [])


STACK_FIXTURES = sorted(
    path for rule in REGISTRY if rule.stack for path in (Path(__file__).parent / "rules" / rule.name).glob("*.yaml")
)


@pytest.mark.parametrize("path", STACK_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_analyze_stack_answers_as_the_sdk_servicer(path: Path) -> None:
    """AnalyzeStack converts each resource's props once for all stack policies; the
    SDK converts them once per stack policy. Same answers on every stack fixture."""
    objects = pulumi_objects_of(path.read_text())
    sdk = analyze_stack(servicer(_PolicyAnalyzerServicer), objects)
    shared = analyze_stack(servicer(SharedPropsServicer), objects)
    assert sorted(map(repr, shared)) == sorted(map(repr, sdk))
    if path.name == "bad.yaml" and path.parent.name == "service-selects-no-pods":
        assert any(d.policy == path.parent.name for d in shared)


@pytest.mark.parametrize(
    "token",
    ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "aws:iam/policy:Policy", "example.com/v1:Widget"],
)
def test_analyze_gives_the_sdk_response_field_for_field(token: str) -> None:
    """Analyze answers the policies that cannot judge the type in bulk and runs the SDK's
    per-policy steps itself for the others: the whole response, in order and field for
    field, is still the SDK's, with disabled, remediate and mandatory policies, a
    provider and stack tags."""
    props = {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"type": "LoadBalancer", "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    }
    request = analyze_request(token, props, f"urn:pulumi:s::p::{token}::web")
    request.provider.CopyFrom(
        proto.AnalyzerProviderResource(
            type="pulumi:providers:kubernetes", urn="urn:pulumi:s::p::pulumi:providers:kubernetes::k", name="k"
        )
    )
    json_format.ParseDict({"renderYamlToDirectory": "out"}, request.provider.properties)
    config = proto.ConfigureAnalyzerRequest()
    config.policyConfig["require-pinned-images"].enforcementLevel = proto.DISABLED
    config.policyConfig["pss-host-namespaces"].enforcementLevel = proto.REMEDIATE
    config.policyConfig["require-resource-limits"].enforcementLevel = proto.MANDATORY
    stack = proto.AnalyzerStackConfigureRequest(stack="dev", project="p", tags={"team": "web"})
    answers = []
    for cls in (_PolicyAnalyzerServicer, SharedPropsServicer):
        made = servicer(cls)
        made.Configure(config, None)
        made.ConfigureStack(stack, None)
        answers.append(made.Analyze(request, None))
    assert answers[1] == answers[0]
    assert answers[0].not_applicable  # the comparison covers the bulk answers
    assert "require-pinned-images" not in {n.policy_name for n in answers[0].not_applicable}


def test_remediate_sees_a_later_configure() -> None:
    """Whether any policy remediates is kept between requests, and reset by Configure."""
    request = proto.AnalyzeRequest(type="kubernetes:apps/v1:Deployment", urn="urn:pulumi:s::p::d::web", name="web")
    json_format.ParseDict({"metadata": {"name": "web"}}, request.properties)
    made = servicer(SharedPropsServicer)
    assert list(made.Remediate(request, None).not_applicable) == []
    config = proto.ConfigureAnalyzerRequest()
    config.policyConfig["pss-host-namespaces"].enforcementLevel = proto.REMEDIATE
    made.Configure(config, None)
    assert [n.policy_name for n in made.Remediate(request, None).not_applicable] == ["pss-host-namespaces"]
