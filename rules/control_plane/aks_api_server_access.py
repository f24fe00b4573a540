"""AKS clusters make the API server private, or limit it to authorized IP ranges.

Judges `azure-native:containerservice:ManagedCluster` (any API version) by
`apiServerAccessProfile`: passes with `enablePrivateCluster` true (or with
`publicNetworkAccess: Disabled`); otherwise `authorizedIPRanges` must be set,
non-empty and without `0.0.0.0/0` or `::/0`.

Why it matters:
    A public API server open to every address is scanned continuously and makes
    every API server vulnerability and every leaked kubeconfig or token usable from
    anywhere. Authorized ranges also stop stolen credentials from working outside
    your networks.

How to fix:
    Make the cluster private, or list the ranges that administer it:

        azure_native.containerservice.ManagedCluster("aks", api_server_access_profile={
            "authorized_ip_ranges": ["203.0.113.0/24"]}, ...)

Notes:
    Authorized ranges apply to the public endpoint only; nodes and private endpoints
    are not affected. Unknown values during preview are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN

from ._aks import MANAGED_CLUSTER
from ._cidr import open_cidrs


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    public_access = resource.get("publicNetworkAccess")
    if public_access is UNKNOWN or (isinstance(public_access, str) and public_access.lower() == "disabled"):
        return  # no public endpoint, or perhaps none
    profile = resource.get("apiServerAccessProfile")
    if profile is None:
        yield Violation(
            ("apiServerAccessProfile",),
            "the public API server accepts every address: apiServerAccessProfile is not set",
        )
        return
    if not isinstance(profile, Mapping):
        return  # unknown during preview
    private, ranges = profile.get("enablePrivateCluster"), profile.get("authorizedIPRanges")
    if private is True or UNKNOWN in (private, ranges):
        return
    path = ("apiServerAccessProfile", "authorizedIPRanges")
    if ranges is None or ranges == []:
        state = "is not set" if ranges is None else "is empty"
        yield Violation(path, f"the public API server accepts every address: authorizedIPRanges {state}")
        return
    found = [cidr for _, cidr in open_cidrs(ranges, path)]
    if found:
        listed = ", ".join(f'"{cidr}"' for cidr in found)
        yield Violation(path, f"the public API server accepts every address: authorizedIPRanges has {listed}")


RULE = Rule(
    name="aks-api-server-access",
    doc=__doc__,
    severity=Severity.HIGH,
    area="control-plane",
    types={MANAGED_CLUSTER},
    check=check,
    tags=("azure", "aks", "cis-aks-5.4.1", "cis-aks-5.4.2"),
)
