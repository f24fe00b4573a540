"""Nothing is bound to the `cluster-admin` ClusterRole.

Fires on a ClusterRoleBinding or RoleBinding whose `roleRef` is the ClusterRole
`cluster-admin`, and names the subjects it empowers. A RoleBinding to it still gives
full control of its namespace, Secrets and RBAC included.

Why it matters:
    `cluster-admin` can do anything to any object, read every Secret and grant itself
    or others any permission. Whoever holds a token of a bound subject owns the
    cluster and every credential in it. Applications and controllers almost never
    need it; vendors ask for it because it is easy.

How to fix:
    Bind a role that lists what the subject needs (see no-rbac-wildcards). For
    human administrators, use your identity provider's groups with a narrower
    ClusterRole, and keep break-glass access outside application manifests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list

from ._rbac import describe_subject


def check(binding: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if binding.get("roleRef", "kind") != "ClusterRole" or binding.get("roleRef", "name") != "cluster-admin":
        return
    subjects = [describe_subject(s) for s in as_list(binding.get("subjects"))]
    who = ", ".join(subjects) if subjects else "no subjects yet"
    yield Violation(("roleRef", "name"), f'{binding.kind} grants ClusterRole "cluster-admin" to {who}')


RULE = Rule(
    name="no-cluster-admin-binding",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    kinds={"ClusterRoleBinding", "RoleBinding"},
    check=check,
    tags=("rbac", "least-privilege", "cis-5.1.1"),
)
