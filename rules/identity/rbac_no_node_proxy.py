"""RBAC ClusterRoles do not grant the `nodes/proxy` subresource.

Fires on each rule of a ClusterRole that allows any proxy verb (`get`, `create`,
`update`, `patch`, `delete`) on `nodes/proxy` in the core API group, including
through `*` and `*/proxy`, without `resourceNames`.

Why it matters:
    `nodes/proxy` reaches the kubelet API of every node through the API server:
    listing and exec'ing into any pod on the node, reading its logs and
    configuration. Requests through the kubelet bypass admission control and leave
    no pod-level audit trail, and even `get` is enough to open an exec session over
    a WebSocket.

How to fix:
    Monitoring agents need only metrics: grant `get` on `nodes/metrics` and
    `nodes/stats` (and, from Kubernetes 1.36, `nodes/healthz`, `nodes/pods` or
    `nodes/configz`) instead of `nodes/proxy`.

Notes:
    A namespaced Role cannot grant a cluster-scoped resource, so `nodes/proxy` in a
    Role grants nothing and is not reported. Aggregated ClusterRoles are not judged
    (their rules are overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "node-proxy"):
        yield Violation(
            grant.path, f"rule #{grant.rule_index} can reach every kubelet API: {grant.detail}{where(role)}"
        )


RULE = Rule(
    name="rbac-no-node-proxy",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.10"),
)
