"""EKS clusters do not make their creator a permanent cluster administrator.

Fires on an `aws:eks/cluster:Cluster` whose `accessConfig.bootstrapClusterCreatorAdminPermissions`
is `true`. When it is not set, the rule says nothing (the default differs between
provider versions; set it explicitly).

Why it matters:
    The identity that created the cluster, usually a CI role, gets an access entry
    with `AmazonEKSClusterAdminPolicy` that no manifest shows. Whoever can assume
    that role later is cluster administrator, and the grant survives the pipeline
    that needed it.

How to fix:
    Set `accessConfig: {authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false}`
    and declare the administrators as `aws.eks.AccessEntry` and
    `AccessPolicyAssociation` resources, where they are reviewed like any other
    change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

FIELD = ("accessConfig", "bootstrapClusterCreatorAdminPermissions")


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.get(*FIELD) is True:
        yield Violation(FIELD, "the cluster's creator is made a cluster administrator that no manifest shows")


RULE = Rule(
    name="eks-no-creator-admin",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    types={"aws:eks/cluster:Cluster"},
    check=check,
    tags=("aws", "eks", "least-privilege"),
)
