"""RBAC roles do not let anyone mint tokens for any service account.

Fires on each rule of a Role or ClusterRole that allows `create` on
`serviceaccounts/token` in the core API group, including through `*` and
`*/token`, without `resourceNames`.

Why it matters:
    The TokenRequest API issues a bearer token for the service account named in the
    request, with a lifetime the caller picks (up to the API server's maximum). A
    subject that can create tokens for every service account of a namespace, or of
    the cluster, acts as the most powerful of them, and the tokens outlive the
    access that minted them.

How to fix:
    Let pods get their own tokens through projected volumes. A controller that must
    mint tokens should name the service accounts:

        rules:
          - apiGroups: [""]
            resources: ["serviceaccounts/token"]
            resourceNames: ["node-controller"]
            verbs: ["create"]

Notes:
    Rules restricted by `resourceNames` are not reported. Aggregated ClusterRoles are
    not judged (their rules are overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "token-create"):
        yield Violation(
            grant.path,
            f"rule #{grant.rule_index} can create service account tokens: {grant.detail}{where(role)}",
        )


RULE = Rule(
    name="rbac-no-token-create",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.13"),
)
