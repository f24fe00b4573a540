"""GKE clusters keep the control plane endpoint private, or limit it to authorized networks.

Judges `gcp:container/cluster:Cluster`. Passes when the public endpoint is off
(`privateClusterConfig.enablePrivateEndpoint`, or
`controlPlaneEndpointsConfig.ipEndpointsConfig` with `enabled` or
`enablePublicEndpoint` false). Otherwise `masterAuthorizedNetworksConfig` must be
set and none of its `cidrBlocks[].cidrBlock` may be `0.0.0.0/0` or `::/0`.

Why it matters:
    Without authorized networks the Kubernetes API answers the whole internet: it is
    scanned continuously, tells attackers the version, and makes every API server
    vulnerability and every leaked credential remotely exploitable. Authorized
    networks also stop a stolen kubeconfig from working outside your networks.

How to fix:
    List the networks that administer the cluster, or make the endpoint private:

        gcp.container.Cluster("main", master_authorized_networks_config={
            "cidr_blocks": [{"cidr_block": "203.0.113.0/24", "display_name": "office"}]}, ...)

Notes:
    The DNS-based endpoint (`controlPlaneEndpointsConfig.dnsEndpointConfig`) is
    protected by IAM and not judged here, nor is `gcpPublicCidrsAccessEnabled` (which
    lets every Google Cloud public address in; prefer it off). Unknown values during
    preview are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN

from ._cidr import open_cidrs


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    gates = [
        resource.get("privateClusterConfig", "enablePrivateEndpoint"),
        resource.get("controlPlaneEndpointsConfig", "ipEndpointsConfig", "enabled"),
        resource.get("controlPlaneEndpointsConfig", "ipEndpointsConfig", "enablePublicEndpoint"),
    ]
    if gates[0] is True or gates[1] is False or gates[2] is False or UNKNOWN in gates:
        return  # no public endpoint, or perhaps none
    networks = resource.get("masterAuthorizedNetworksConfig")
    if networks is None:
        yield Violation(
            ("masterAuthorizedNetworksConfig",),
            "the public control plane endpoint accepts every address: masterAuthorizedNetworksConfig is not set",
        )
        return
    if not isinstance(networks, Mapping):
        return  # unknown during preview
    found = [cidr for _, cidr in open_cidrs(networks.get("cidrBlocks"), (), "cidrBlock")]
    if found:
        yield Violation(
            ("masterAuthorizedNetworksConfig", "cidrBlocks"),
            "the public control plane endpoint accepts every address: authorized networks include "
            + ", ".join(f'"{cidr}"' for cidr in found),
        )


RULE = Rule(
    name="gke-control-plane-access",
    doc=__doc__,
    severity=Severity.HIGH,
    area="control-plane",
    types={"gcp:container/cluster:Cluster"},
    check=check,
    tags=("gcp", "gke", "cis-gke-5.6.3", "cis-gke-5.6.4"),
)
