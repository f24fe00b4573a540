"""The pack as the Pulumi engine runs it: a process speaking pulumirpc.Analyzer.

Pulumi's Python language host (pulumi-language-python, RunPlugin) starts a Python pack
as `<virtualenv>/bin/python -u -m pulumi.policy <engine-address> <pack-dir>` with the
pack directory as working directory, reads the port from the first line of stdout, and
forwards the engine's analyzer calls to it over gRPC through its policy proxy (which
also puts the stack's configuration in the pack's environment; tests/e2e covers that
path with the real host). This test starts the pack the same way and calls it directly
with the stubs shipped in the `pulumi` wheel. A test-only rule that raises
(tests/support/raising_rule.py) is added through POLICYPACK_RULE_MODULES.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc

from policypack.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
START_TIMEOUT = 60


@pytest.fixture(scope="module")
def stub() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = {**os.environ, "POLICYPACK_RULE_MODULES": "tests.support.raising_rule", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(ROOT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    port_line: list[bytes] = []
    reader = threading.Thread(target=lambda: port_line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    try:
        if not port_line or not port_line[0].strip().isdigit():
            process.kill()
            _, err = process.communicate(timeout=10)
            pytest.fail(f"the pack did not print a port: {port_line!r}\n{err.decode(errors='replace')}")
        channel = grpc.insecure_channel(f"127.0.0.1:{int(port_line[0])}")
        grpc.channel_ready_future(channel).result(timeout=START_TIMEOUT)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=10)


def request(token: str, props: dict, name: str = "obj") -> pb.AnalyzeRequest:
    properties = struct_pb2.Struct()
    json_format.ParseDict(props, properties)
    return pb.AnalyzeRequest(type=token, properties=properties, urn=f"urn:pulumi:dev::proj::{token}::{name}", name=name)


def service(annotations: dict | None = None, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "annotations": annotations or {}, "labels": labels or {}},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]},
    }


def diagnostics(stub, token: str, props: dict) -> list[pb.AnalyzeDiagnostic]:
    """What the engine gets for one resource: `Analyze` (resource policies), then
    `AnalyzeStack` over a stack of that resource alone (stack policies, among them
    no-public-load-balancer, which reads the set for a bare-metal load balancer)."""
    one = request(token, props)
    stack = pb.AnalyzeStackRequest(
        resources=[pb.AnalyzerResource(type=one.type, properties=one.properties, urn=one.urn, name=one.name)]
    )
    return [*stub.Analyze(one).diagnostics, *stub.AnalyzeStack(stack).diagnostics]


# The rules these tests exercise; other shipped rules may also judge their objects.
UNDER_TEST = {"no-public-load-balancer", "require-pinned-images", "require-resource-limits", "test-raising-rule"}


def only_rules_under_test(found: list[pb.AnalyzeDiagnostic]) -> list[pb.AnalyzeDiagnostic]:
    return [d for d in found if d.policyName in UNDER_TEST]


def test_analyzer_info_lists_every_rule_with_metadata(stub) -> None:
    info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    policies = {p.name: p for p in info.policies}
    expected = {rule.name for rule in load_registry()} | {"test-raising-rule"}
    assert set(policies) == expected
    assert info.name == "kubernetes-playbook" and info.supportsConfig
    lb = policies["no-public-load-balancer"]
    assert lb.severity == pb.POLICY_SEVERITY_HIGH
    assert lb.enforcementLevel == pb.MANDATORY
    assert lb.description.startswith("A LoadBalancer Service must be internal")
    assert "aws-load-balancer-scheme" in lb.remediation_steps
    assert lb.url.endswith("/docs/rules/no-public-load-balancer.md")
    assert "application-services" in lb.tags
    schema = json_format.MessageToDict(policies["require-pinned-images"].configSchema)
    assert schema["properties"]["requireDigest"] == {
        "type": "boolean",
        "default": False,
        "description": "Accept only images pinned by digest (`@sha256:...`); a tag alone is not enough.",
    }
    assert stub.GetPluginInfo(empty_pb2.Empty()).version


def test_analyze_bad_and_good(stub) -> None:
    bad = diagnostics(stub, "kubernetes:core/v1:Service", service())
    assert [(d.policyName, d.enforcementLevel) for d in bad] == [("no-public-load-balancer", pb.MANDATORY)]
    assert "field spec.type" in bad[0].message and "Service web" in bad[0].message
    good = diagnostics(
        stub, "kubernetes:core/v1:Service", service({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"})
    )
    assert good == []


def test_iam_document_as_json_string(stub) -> None:
    props = {"policy": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'}
    found = diagnostics(stub, "aws:iam/policy:Policy", props)
    assert [d.policyName for d in found] == ["no-iam-admin-wildcards"]
    assert 'statement #0 allows "s3:*"' in found[0].message


def test_unknown_values_are_judged_around(stub) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [
                {"name": "built", "image": UNKNOWN_STRING, "resources": UNKNOWN_STRING},
                {"name": "public", "image": "nginx:latest", "resources": UNKNOWN_STRING},
            ]
        },
    }
    found = diagnostics(stub, "kubernetes:core/v1:Pod", pod)
    assert not any("can't run policy" in d.message for d in found)
    found = only_rules_under_test(found)
    assert [d.policyName for d in found] == ["require-pinned-images"]
    assert "containers[1].image" in found[0].message
    assert not any("can't run policy" in d.message for d in found)


def test_a_raising_rule_does_not_fail_analyze_or_hide_other_verdicts(stub) -> None:
    found = only_rules_under_test(diagnostics(stub, "kubernetes:core/v1:Service", service(labels={"explode": "yes"})))
    by_policy = {d.policyName: d for d in found}
    assert set(by_policy) == {"no-public-load-balancer", "test-raising-rule"}
    message = by_policy["test-raising-rule"].message
    assert "could not judge it (RuntimeError at tests/support/raising_rule.py:" in message
    assert "boom" not in message  # an exception's text may quote the object's data


def test_configure_changes_levels_and_options(stub) -> None:
    config = pb.ConfigureAnalyzerRequest()
    lb = pb.PolicyConfig(enforcementLevel=pb.ADVISORY)
    lb.properties.update({"publicAnnotation": "example.com/public"})
    config.policyConfig["no-public-load-balancer"].CopyFrom(lb)
    pinned = pb.PolicyConfig(enforcementLevel=pb.MANDATORY)
    pinned.properties.update({"requireDigest": True})
    config.policyConfig["require-pinned-images"].CopyFrom(pinned)
    config.policyConfig["require-resource-limits"].CopyFrom(pb.PolicyConfig(enforcementLevel=pb.DISABLED))
    stub.Configure(config)
    try:
        found = only_rules_under_test(diagnostics(stub, "kubernetes:core/v1:Service", service()))
        assert [(d.policyName, d.enforcementLevel) for d in found] == [("no-public-load-balancer", pb.ADVISORY)]
        assert (
            only_rules_under_test(
                diagnostics(stub, "kubernetes:core/v1:Service", service({"example.com/public": "yes"}))
            )
            == []
        )
        pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
        found = only_rules_under_test(diagnostics(stub, "kubernetes:core/v1:Pod", pod))
        assert [d.policyName for d in found] == ["require-pinned-images"]  # limits disabled
        assert "not pinned by digest" in found[0].message
    finally:
        stub.Configure(pb.ConfigureAnalyzerRequest())


def test_helm_releases_and_components_are_not_judged(stub) -> None:
    props = {"chart": "nginx", "values": {"service": {"type": "LoadBalancer"}}}
    assert diagnostics(stub, "kubernetes:helm.sh/v3:Release", props) == []
    assert diagnostics(stub, "kubernetes:yaml/v2:ConfigGroup", {"yaml": "kind: Service"}) == []
