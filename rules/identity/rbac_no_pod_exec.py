"""RBAC roles do not let anyone run commands in or tunnel into running pods.

Fires on each rule of a Role or ClusterRole that allows `create` or `get` on
`pods/exec`, `pods/attach` or `pods/portforward`, or `update`/`patch` on
`pods/ephemeralcontainers` (`kubectl debug`), in the core API group, including
through `*` and `*/exec`-style wildcards, without `resourceNames`.

Why it matters:
    Exec and attach run commands inside a container, with its service account token,
    its mounted Secrets and its network position; an ephemeral container does the
    same with an image of the caller's choosing. Port-forward opens the pod's ports
    to the caller, past every NetworkPolicy. A token with these rights reaches
    everything the pods in its scope can reach.

How to fix:
    Keep exec for break-glass access by people, through a separate role bound only
    when needed, and leave it out of service accounts' roles. Reading logs does not
    need it: `pods/log` with `get` is enough.

Notes:
    `get` counts as well as `create`: a WebSocket exec is a `GET`, and API servers
    before Kubernetes 1.35 (or with the `AuthorizePodWebsocketUpgradeCreatePermission`
    feature gate off) authorize it with `get` alone. `pods/*` is not a wildcard in RBAC and is not reported.
    Rules restricted by `resourceNames` (specific pods) are not reported; aggregated
    ClusterRoles are not judged (their rules are overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import pod_access, role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "pod-exec"):
        yield Violation(
            grant.path, f"rule #{grant.rule_index} can {pod_access(grant.requests)}: {grant.detail}{where(role)}"
        )


RULE = Rule(
    name="rbac-no-pod-exec",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege"),
)
