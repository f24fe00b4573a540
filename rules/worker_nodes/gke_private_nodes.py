"""GKE nodes have no public IP addresses.

Judges `gcp:container/cluster:Cluster`, which must set
`privateClusterConfig.enablePrivateNodes`, and node pools (`gcp:container/nodePool:NodePool`
and a cluster's inline `nodePools[]`), which must not turn it off again with
`networkConfig.enablePrivateNodes: false`.

Why it matters:
    Nodes with public addresses are reachable from the internet on every port the
    firewall rules allow, including NodePorts and the kubelet; a single permissive
    firewall rule exposes them. Private nodes are reached only through load
    balancers and leave through Cloud NAT.

How to fix:
    Create clusters with private nodes (and Cloud NAT for egress):

        gcp.container.Cluster("main", private_cluster_config={
            "enable_private_nodes": True, "master_ipv4_cidr_block": "172.16.0.32/28"}, ...)

Notes:
    A cluster that leaves the flag unset but makes every node pool private
    (`networkConfig.enablePrivateNodes: true`) is reported on the cluster; suppress
    that finding with the reason. Unknown values during preview are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

from ._gke import CLUSTER, TYPES, pools


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.type == CLUSTER:
        private = resource.get("privateClusterConfig", "enablePrivateNodes")
        if private is None or private is False:
            path = ("privateClusterConfig", "enablePrivateNodes")
            if resource.get("privateClusterConfig") is None:
                path = ("privateClusterConfig",)
            yield Violation(path, "nodes get public IP addresses: privateClusterConfig.enablePrivateNodes is not true")
    for pool in pools(resource):
        if pool.path or resource.type != CLUSTER:
            flag = ("networkConfig", "enablePrivateNodes")
            spec = pool.spec.get(flag[0])
            if isinstance(spec, Mapping) and spec.get(flag[1]) is False:
                yield Violation(
                    pool.path + flag, f"{pool.label} gives its nodes public IP addresses (enablePrivateNodes is false)"
                )


RULE = Rule(
    name="gke-private-nodes",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="worker-nodes",
    types=TYPES,
    check=check,
    tags=("gcp", "gke", "cis-gke-5.6.5"),
)
