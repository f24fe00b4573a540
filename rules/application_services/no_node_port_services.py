"""Services are not exposed through node ports.

Fires on a Service of `type: NodePort`. LoadBalancer Services, which also allocate
node ports unless `allocateLoadBalancerNodePorts: false`, are judged by
`no-public-load-balancer` instead.

Why it matters:
    A NodePort opens the same port on every node of the cluster, on every node
    address, bypassing the ingress layer and its TLS, authentication and rate
    limits. Whoever can reach any node (and node addresses are often reachable from
    the whole VPC, sometimes from the internet) reaches the Service. It also ties
    clients to node addresses that change with every upgrade.

How to fix:
    Use `type: ClusterIP` behind an Ingress or Gateway, or an internal
    LoadBalancer when traffic comes from outside the cluster:

        spec:
          type: ClusterIP

Notes:
    Advisory: some platforms (bare-metal clusters, ingress controllers fronted by an
    external load balancer) rely on NodePorts by design. Suppress the rule on those
    Services with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation


def check(service: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if service.get("spec", "type") == "NodePort":
        yield Violation(
            ("spec", "type"),
            "Service of type NodePort opens its port on every node's address, reachable by anything that can "
            "reach a node",
        )


RULE = Rule(
    name="no-node-port-services",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-services",
    kinds={"Service"},
    check=check,
    options={},
    tags=("network-exposure",),
)
