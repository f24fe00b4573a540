"""AKS clusters enforce Kubernetes NetworkPolicy.

Judges `azure-native:containerservice:ManagedCluster` (any API version) by
`networkProfile.networkPolicy`: `azure`, `calico` or `cilium` pass (as does the
Cilium dataplane, `networkDataplane: cilium`); a missing value or `none` fires.

Why it matters:
    Without a network policy engine, NetworkPolicy objects are accepted and ignored:
    every pod can reach every other pod, so one compromised workload can reach
    databases, internal admin endpoints and other teams' services.

How to fix:
    Choose an engine when creating the cluster:

        azure_native.containerservice.ManagedCluster("aks", network_profile={
            "network_plugin": "azure", "network_dataplane": "cilium",
            "network_policy": "cilium"}, ...)

Notes:
    Adding an engine to an existing cluster is possible for some combinations only
    (see the AKS documentation); new clusters should always have one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN

from ._aks import MANAGED_CLUSTER

ENGINES = frozenset({"azure", "calico", "cilium"})


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    profile = resource.get("networkProfile")
    if profile is None:
        yield Violation(("networkProfile",), "NetworkPolicy is not enforced: networkProfile.networkPolicy is not set")
        return
    if not isinstance(profile, Mapping):
        return  # unknown during preview
    policy, dataplane = profile.get("networkPolicy"), profile.get("networkDataplane")
    if UNKNOWN in (policy, dataplane) or (isinstance(dataplane, str) and dataplane.lower() == "cilium"):
        return
    if isinstance(policy, str) and policy.lower() in ENGINES:
        return
    if policy is None:
        yield Violation(
            ("networkProfile", "networkPolicy"),
            "NetworkPolicy is not enforced: networkProfile.networkPolicy is not set",
        )
    elif isinstance(policy, str):
        yield Violation(
            ("networkProfile", "networkPolicy"), f'NetworkPolicy is not enforced: networkPolicy is "{policy}"'
        )


RULE = Rule(
    name="aks-network-policy",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={MANAGED_CLUSTER},
    check=check,
    tags=("azure", "aks", "network-policy", "cis-aks-5.4.4"),
)
