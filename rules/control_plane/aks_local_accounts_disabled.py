"""AKS clusters disable local accounts.

Judges `azure-native:containerservice:ManagedCluster` (any API version):
`disableLocalAccounts` must be true. It is false by default.

Why it matters:
    With local accounts, `az aks get-credentials --admin` returns a static
    cluster-admin certificate to anyone with the `listClusterAdminCredential`
    permission. It bypasses Entra ID, conditional access and MFA, is shared rather
    than personal, and stays valid until the cluster certificates are rotated.

How to fix:
    Integrate Entra ID (`aks-entra-id-rbac`), give administrators an Entra group,
    then turn local accounts off:

        azure_native.containerservice.ManagedCluster("aks", disable_local_accounts=True,
            aad_profile={"managed": True, "admin_group_object_ids": [admins_id]}, ...)

Notes:
    Keep a break-glass path through an Entra group with just-in-time access rather
    than the local admin certificate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

from ._aks import MANAGED_CLUSTER


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    value = resource.get("disableLocalAccounts")
    if value is None or value is False:
        state = "false" if value is False else "not set"
        yield Violation(
            ("disableLocalAccounts",),
            f"local accounts are enabled (disableLocalAccounts is {state}): the admin kubeconfig bypasses Entra ID",
        )


RULE = Rule(
    name="aks-local-accounts-disabled",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={MANAGED_CLUSTER},
    check=check,
    tags=("azure", "aks", "authentication"),
)
