"""RBAC roles do not grant `bind`, `escalate` or `impersonate`.

Fires on each rule of a Role or ClusterRole that allows `bind` or `escalate` on
`roles` or `clusterroles` (`rbac.authorization.k8s.io`), or `impersonate` on
`users`, `groups` or `serviceaccounts` (core), including through `*`, without
`resourceNames`.

Why it matters:
    RBAC stops a subject from granting more than it holds, and these verbs are the
    exceptions. `escalate` lets it write roles with any permission, `bind` lets it
    bind any role (cluster-admin included) to itself, and `impersonate` lets it act
    as any user, group or service account, `system:masters` included. Each is a
    path to cluster-admin.

How to fix:
    Remove the verbs. A controller that must bind a fixed role should name it:

        rules:
          - apiGroups: ["rbac.authorization.k8s.io"]
            resources: ["clusterroles"]
            resourceNames: ["tenant-viewer"]
            verbs: ["bind"]

Notes:
    Rules restricted by `resourceNames` (bind only these roles, impersonate only
    these users) are not reported: that is the documented way to delegate safely.
    In a namespaced Role, `escalate` on clusterroles and `impersonate` on users and
    groups grant nothing (those are cluster-scoped) and are not reported; `bind` on
    clusterroles is, since a RoleBinding may reference a ClusterRole. Aggregated
    ClusterRoles are not judged (their rules are overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "escalation"):
        yield Violation(grant.path, f"rule #{grant.rule_index} can escalate privileges: {grant.detail}{where(role)}")


RULE = Rule(
    name="rbac-no-escalation-verbs",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.8"),
)
