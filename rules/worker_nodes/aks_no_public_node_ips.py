"""AKS node pools do not give nodes public IP addresses.

Judges `azure-native:containerservice:ManagedCluster` (each `agentPoolProfiles[]`
entry) and `azure-native:containerservice:AgentPool`, any API version: fires when
`enableNodePublicIP` is true (false by default).

Why it matters:
    A node with its own public IP is reachable from the internet on every port its
    network security group allows, including NodePorts and the kubelet, and its
    outbound traffic bypasses the egress controls of the virtual network.

How to fix:
    Leave `enable_node_public_ip` unset or false and expose workloads through load
    balancers or an ingress controller; use a NAT gateway for egress.

Notes:
    Unknown values during preview are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import as_list

from ..control_plane._aks import AGENT_POOL, MANAGED_CLUSTER


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.type == AGENT_POOL:
        if resource.get("enableNodePublicIP") is True:
            yield Violation(("enableNodePublicIP",), "the node pool gives its nodes public IP addresses")
        return
    for index, pool in enumerate(as_list(resource.get("agentPoolProfiles"))):
        if isinstance(pool, Mapping) and pool.get("enableNodePublicIP") is True:
            name = pool.get("name")
            label = f'node pool "{name}"' if isinstance(name, str) else f"node pool #{index}"
            yield Violation(
                ("agentPoolProfiles", index, "enableNodePublicIP"), f"{label} gives its nodes public IP addresses"
            )


RULE = Rule(
    name="aks-no-public-node-ips",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="worker-nodes",
    types={MANAGED_CLUSTER, AGENT_POOL},
    check=check,
    tags=("azure", "aks", "cis-aks-5.4.3"),
)
