"""Roles are not bound to a namespace's `default` service account.

Fires on each subject of a RoleBinding or ClusterRoleBinding that is the
ServiceAccount `default`, or the same account named as the user
`system:serviceaccount:<namespace>:default` (the name its token authenticates as).

Why it matters:
    Every pod that names no service account runs as `default`, so a role bound to it
    goes to every such pod in the namespace, today's and tomorrow's, including ones
    that never needed API access. Whoever compromises any of them gets the role.

How to fix:
    Create a service account for the workload that needs the access, bind the role
    to it, and set `serviceAccountName` in that workload's pod template:

        subjects:
          - kind: ServiceAccount
            name: report-generator
            namespace: shop

Notes:
    Service accounts merely called `default-something` are not reported. Groups of
    service accounts (`system:serviceaccounts:<namespace>`) are not judged here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import describe_role_ref, describe_subject, subjects


def _is_default_account(subject: Mapping[str, Any]) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "ServiceAccount":
        return name == "default"
    if kind == "User" and isinstance(name, str):
        prefix, _, rest = name.partition(":serviceaccount:")
        return prefix == "system" and rest.rpartition(":")[2] == "default" and rest.count(":") == 1
    return False


def check(binding: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    granted = describe_role_ref(binding)
    for index, subject in subjects(binding):
        if _is_default_account(subject):
            yield Violation(
                ("subjects", index, "name"),
                f"{binding.kind} grants {granted} to the default service account ({describe_subject(subject)})",
            )


RULE = Rule(
    name="rbac-no-default-sa-binding",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"RoleBinding", "ClusterRoleBinding"},
    check=check,
    tags=("rbac", "least-privilege", "cis-5.1.5"),
    # A binding of cluster-admin to the default account is one binding to remove:
    # its cluster-admin finding leads and names this one (corpus18: open-match,
    # Enterprise Gateway).
    folds_into={"no-cluster-admin-binding": "object"},
)
