"""EKS access entries do not grant cluster-wide administrator access.

Fires on an `aws:eks/accessPolicyAssociation:AccessPolicyAssociation` that associates
`AmazonEKSClusterAdminPolicy` (whatever its scope), or `AmazonEKSAdminPolicy` with
`accessScope.type` `cluster`, with an IAM principal.

Why it matters:
    `AmazonEKSClusterAdminPolicy` is the access-entry equivalent of binding
    `cluster-admin` (`system:masters` in aws-auth): every verb on every object of
    the cluster, every Secret included. `AmazonEKSAdminPolicy` on the cluster scope
    is `admin` in every namespace. Whoever can assume the principal's role owns the
    cluster and every credential stored in it.

How to fix:
    Associate `AmazonEKSAdminPolicy` or `AmazonEKSEditPolicy` with a namespace
    scope, or map the principal to Kubernetes groups (`kubernetesGroups` of the
    access entry) bound to a narrow role. Keep cluster administrators in a
    break-glass role outside application stacks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

CLUSTER_ADMIN = "AmazonEKSClusterAdminPolicy"
ADMIN = "AmazonEKSAdminPolicy"


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    arn = resource.get("policyArn")
    if not isinstance(arn, str) or ":cluster-access-policy/" not in arn:
        return
    name = arn.rsplit("/", 1)[-1]
    principal = resource.get("principalArn")
    who = f'"{principal}"' if isinstance(principal, str) else "its principal"
    if name == CLUSTER_ADMIN:
        yield Violation(("policyArn",), f"associates {CLUSTER_ADMIN} with {who}: administrator of the whole cluster")
    elif name == ADMIN and resource.get("accessScope", "type") == "cluster":
        yield Violation(("accessScope", "type"), f"associates {ADMIN} with {who} on the cluster scope")


RULE = Rule(
    name="eks-no-cluster-admin-access",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types={"aws:eks/accessPolicyAssociation:AccessPolicyAssociation"},
    check=check,
    tags=("aws", "eks", "least-privilege"),
)
