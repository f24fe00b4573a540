"""AKS clusters use Kubernetes RBAC with Microsoft Entra ID integration.

Judges `azure-native:containerservice:ManagedCluster` (any API version): fires when
`enableRBAC` is false, when `aadProfile` is missing (no Entra ID integration), and
when `aadProfile` is the legacy integration (neither `managed` nor `enableAzureRBAC`
true).

Why it matters:
    Without RBAC every authenticated identity can do anything in the cluster. Without
    Entra ID, access is granted with certificates and static credentials that are
    not tied to people: no conditional access, no MFA, no group-based grants, and no
    way to remove someone's access by disabling their account.

How to fix:
    Enable managed Entra ID integration, and preferably Azure RBAC for Kubernetes
    authorization:

        azure_native.containerservice.ManagedCluster("aks", enable_rbac=True,
            aad_profile={"managed": True, "enable_azure_rbac": True,
                         "admin_group_object_ids": [platform_admins_group_id]}, ...)

Notes:
    `enableRBAC` cannot be changed on an existing cluster; a cluster without it must
    be recreated. Disable local accounts too (`aks-local-accounts-disabled`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN

from ._aks import MANAGED_CLUSTER


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.get("enableRBAC") is False:
        yield Violation(("enableRBAC",), "Kubernetes RBAC is off (enableRBAC is false)")
    profile = resource.get("aadProfile")
    if profile is None:
        yield Violation(("aadProfile",), "the cluster has no Microsoft Entra ID integration: aadProfile is not set")
        return
    if not isinstance(profile, Mapping):
        return  # unknown during preview
    managed, azure_rbac = profile.get("managed"), profile.get("enableAzureRBAC")
    if managed is True or azure_rbac is True or UNKNOWN in (managed, azure_rbac):
        return
    yield Violation(
        ("aadProfile", "managed"),
        "the cluster uses the legacy Entra ID integration: aadProfile.managed is not true",
    )


RULE = Rule(
    name="aks-entra-id-rbac",
    doc=__doc__,
    severity=Severity.HIGH,
    area="control-plane",
    types={MANAGED_CLUSTER},
    check=check,
    tags=("azure", "aks", "rbac", "authentication"),
)
