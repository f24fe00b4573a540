"""Versioned azure-native type tokens reach the rules of their default token, in both modes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from policypack.engine import Engine
from policypack.model import Resource, canonical_type
from policypack.pulumi_adapter import may_apply
from policypack.pulumi_state import pulumi_objects
from policypack.registry import build_registry
from policypack.rule import Rule, Severity, Violation
from tests.support.harness import analyze, make_servicer

DEFAULT = "azure-native:containerservice:ManagedCluster"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("azure-native:containerservice/v20240801:ManagedCluster", DEFAULT),
        ("azure-native:containerservice/v20240502preview:ManagedCluster", DEFAULT),
        ("azure-native:containerservice/v20230315privatepreview:AgentPool", "azure-native:containerservice:AgentPool"),
        (DEFAULT, DEFAULT),
        # Only azure-native versions its tokens this way; nothing else is touched.
        ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment"),
        ("aws:eks/cluster:Cluster", "aws:eks/cluster:Cluster"),
        (
            "azure:containerservice/kubernetesCluster:KubernetesCluster",
            "azure:containerservice/kubernetesCluster:KubernetesCluster",
        ),
        ("azure-native:containerservice/latest:ManagedCluster", "azure-native:containerservice/latest:ManagedCluster"),
        ("azure-native:containerservice/v2024:ManagedCluster", "azure-native:containerservice/v2024:ManagedCluster"),
    ],
)
def test_canonical_type(token: str, expected: str) -> None:
    assert canonical_type(token) == expected


def _check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.get("enableRBAC") is False:
        yield Violation(("enableRBAC",), "RBAC is off")


RULE = Rule(
    name="token-probe",
    doc="Probe.\n\nFires on enableRBAC false.\n\nWhy it matters:\n    Test.\n\nHow to fix:\n    Test.\n",
    severity=Severity.LOW,
    area="control-plane",
    types={DEFAULT},
    check=_check,
)
REGISTRY = build_registry([RULE])
VERSIONED = "azure-native:containerservice/v20240801:ManagedCluster"


def test_registry_and_may_apply_match_versioned_tokens() -> None:
    assert REGISTRY.rules_for(None, VERSIONED) == [RULE]
    assert may_apply(RULE, VERSIONED)
    assert not may_apply(RULE, "azure-native:containerservice/v20240801:AgentPool")


def test_offline_resources_carry_the_default_token_and_the_real_urn() -> None:
    urn = f"urn:pulumi:dev::aks::{VERSIONED}::main"
    ((resource, _),) = pulumi_objects(VERSIONED, {"enableRBAC": False}, urn)
    assert resource.type == DEFAULT and resource.urn == urn
    assert [f.message for f in Engine(REGISTRY).run(resource)] == ["RBAC is off"]


def test_pulumi_mode_judges_versioned_tokens() -> None:
    servicer = make_servicer(REGISTRY)
    urn = f"urn:pulumi:dev::aks::{VERSIONED}::main"
    diagnostics = analyze(servicer, VERSIONED, {"enableRBAC": False}, urn)
    assert [d.policy for d in diagnostics] == ["token-probe"]
    assert analyze(servicer, VERSIONED, {"enableRBAC": True}, urn) == []
