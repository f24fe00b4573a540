"""Launch templates do not give nodes a public IP address.

Judges `aws:ec2/launchTemplate:LaunchTemplate` by each entry of `networkInterfaces`
(`associatePublicIpAddress` `"true"` or `true`) and
`aws:ec2/launchConfiguration:LaunchConfiguration` by `associatePublicIpAddress`.

Why it matters:
    A node with a public address is reachable from the internet on every port its
    security groups allow, including the kubelet API and any NodePort or hostPort.
    Private nodes must be reached through a load balancer, a bastion or a VPN, and
    leave the internet through a NAT gateway you can watch.

How to fix:
    Launch nodes in private subnets and leave the public address off:

        aws.ec2.LaunchTemplate("nodes", network_interfaces=[{
            "associate_public_ip_address": "false", "security_groups": [node_sg.id]}], ...)

Notes:
    A template that does not set the flag takes the subnet's "auto-assign public IP"
    setting, which this rule cannot see; keep node subnets private. Unknown values are
    not judged during preview.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import as_list

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def _public(value: Any) -> bool:
    # pulumi-aws types the launch template's flag as a string ("true"/"false").
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.type == LAUNCH_TEMPLATE:
        for index, interface in enumerate(as_list(resource.get("networkInterfaces"))):
            if isinstance(interface, Mapping) and _public(interface.get("associatePublicIpAddress")):
                yield Violation(
                    ("networkInterfaces", index, "associatePublicIpAddress"),
                    f"network interface #{index} gives the node a public IP address",
                )
    elif _public(resource.get("associatePublicIpAddress")):
        yield Violation(("associatePublicIpAddress",), "associatePublicIpAddress gives the node a public IP address")


RULE = Rule(
    name="ec2-launch-template-no-public-ip",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="worker-nodes",
    types={LAUNCH_TEMPLATE, "aws:ec2/launchConfiguration:LaunchConfiguration"},
    check=check,
    tags=("aws", "ec2", "eks", "cis-eks-5.4.3"),
)
