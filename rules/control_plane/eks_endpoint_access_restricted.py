"""EKS clusters keep the API server endpoint private, or restrict who can reach it.

Judges `aws:eks/cluster:Cluster` (`vpcConfig.endpointPublicAccess` and
`vpcConfig.publicAccessCidrs`) and the pulumi-eks component `eks:index:Cluster`
(`endpointPublicAccess` and `publicAccessCidrs`). Fires when the public endpoint is
on (the default when the field is missing) and open to every address: the CIDR list
contains `0.0.0.0/0` or `::/0`, or is missing or empty, which EKS treats as
`0.0.0.0/0`.

Why it matters:
    A public endpoint open to the internet lets anyone probe the Kubernetes API: it
    is found by scanners within minutes, identifies the Kubernetes version, and turns
    every API server vulnerability and every leaked kubeconfig or token into a
    remote compromise. Authentication still applies, but it is the only defence left.

How to fix:
    Turn the public endpoint off and reach the API through the VPC (VPN, bastion,
    CI runners inside the VPC), or keep it and list the addresses that need it:

        vpc_config={"endpoint_private_access": True,
                    "endpoint_public_access": True,
                    "public_access_cidrs": ["203.0.113.0/24"]}

    With pulumi-eks: `endpoint_public_access=False`, or `public_access_cidrs=[...]`.

Notes:
    Turn `endpointPrivateAccess` on as well, so nodes reach the API server inside the
    VPC. During preview an unknown flag or CIDR list is not judged. The pulumi-eks
    component creates an `aws:eks/cluster:Cluster` child that this rule also judges;
    the finding on the component names the input you change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN, Path

from ._cidr import open_cidrs

CLUSTER = "aws:eks/cluster:Cluster"
COMPONENT = "eks:index:Cluster"


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.type == CLUSTER:
        config = resource.get("vpcConfig")
        base: Path = ("vpcConfig",)
        if config is None:
            config = {}
        elif not isinstance(config, Mapping):
            return  # unknown during preview, or not an object
    else:
        config, base = resource.props, ()
    public = config.get("endpointPublicAccess")
    if public is not None and public is not True:
        return  # private, unknown during preview, or not a boolean
    where = f"{'.'.join(base + ('endpointPublicAccess',))}"
    cidrs = config.get("publicAccessCidrs")
    if cidrs is UNKNOWN:
        return
    if cidrs is None or cidrs == []:
        state = "is not set" if cidrs is None else "is empty"
        yield Violation(
            base + ("publicAccessCidrs",),
            f"the public API endpoint is on ({where} {'is true' if public else 'defaults to true'}) and open to "
            f"every address: publicAccessCidrs {state}, which EKS treats as 0.0.0.0/0",
        )
        return
    # One finding on the list: whether its entries matter depends on the endpoint flag.
    found = [cidr for _, cidr in open_cidrs(cidrs, base + ("publicAccessCidrs",))]
    if found:
        listed = ", ".join(f'"{cidr}"' for cidr in found)
        yield Violation(
            base + ("publicAccessCidrs",),
            f"the public API endpoint is open to every address: publicAccessCidrs has {listed}",
        )


RULE = Rule(
    name="eks-endpoint-access-restricted",
    doc=__doc__,
    severity=Severity.HIGH,
    area="control-plane",
    types={CLUSTER, COMPONENT},
    check=check,
    tags=("aws", "eks", "cis-eks-5.4.1", "cis-eks-5.4.2"),
)
