"""The engine: targets, options, and isolation of failing rules."""

from __future__ import annotations

from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.model import resource_from_manifest
from policypack.registry import load_registry

REGISTRY = load_registry(extra_modules=["tests.support.raising_rule"])


def configmap(**labels):
    return resource_from_manifest(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "labels": labels}}
    )


def public_service(**labels):
    """A Service that a resource rule judges (no-service-external-ips)."""
    return resource_from_manifest(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "labels": labels},
            "spec": {"externalIPs": ["203.0.113.10"], "ports": [{"port": 80}]},
        }
    )


def test_a_raising_rule_becomes_an_error_finding_and_others_still_judge() -> None:
    engine = Engine(REGISTRY)
    findings = engine.run(public_service(explode="yes"))
    by_rule = {f.rule: f for f in findings}
    assert by_rule["test-raising-rule"].error
    assert "RuntimeError at tests/support/raising_rule.py:" in by_rule["test-raising-rule"].message
    assert not by_rule["no-service-external-ips"].error  # its verdict stands


def test_findings_before_a_failure_are_kept() -> None:
    findings = Engine(REGISTRY).run(configmap(flag="yes", explode="yes"))
    assert [(f.rule, f.error, f.path) for f in findings] == [
        ("test-raising-rule", False, ("metadata", "labels", "flag")),
        ("test-raising-rule", True, ()),
    ]


def test_rules_run_only_on_their_targets() -> None:
    assert Engine(REGISTRY).run(configmap()) == []


def test_disabled_rules_do_not_run() -> None:
    config = PackConfig.from_mapping({"no-service-external-ips": "disabled"}, REGISTRY)
    assert [f.rule for f in Engine(REGISTRY, config).run(public_service())] == []


def test_enforcement_from_config_is_on_the_finding() -> None:
    config = PackConfig.from_mapping({"all": "advisory"}, REGISTRY)
    (finding,) = Engine(REGISTRY, config).run(public_service())
    assert finding.enforcement.value == "advisory" and not finding.blocks


def test_container_is_named_on_container_findings() -> None:
    pod = resource_from_manifest(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "ok", "image": "a:1"}, {"name": "sidecar", "image": "b:latest"}]},
        }
    )
    findings = [f for f in Engine(REGISTRY).run(pod) if f.rule == "require-pinned-images"]
    assert [(f.container, f.path) for f in findings] == [("sidecar", ("spec", "containers", 1, "image"))]
