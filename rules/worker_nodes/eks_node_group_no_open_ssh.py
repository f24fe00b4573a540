"""EKS managed node groups do not open SSH to the whole internet.

Judges `aws:eks/nodeGroup:NodeGroup` by `remoteAccess`: when `ec2SshKey` is set and
`sourceSecurityGroupIds` is missing or empty, EKS opens port 22 on every node to
`0.0.0.0/0` (AWS documents this for the `remoteAccess` setting).

Why it matters:
    Nodes hold the kubelet's credentials, the node IAM role and every pod's secrets
    and volumes. SSH open to the internet is brute-forced and scanned continuously;
    one leaked key, or one sshd vulnerability, is root on a node and from there on
    the cluster.

How to fix:
    Prefer no SSH at all (AWS Systems Manager Session Manager gives a shell without
    an open port). If you need SSH, name the security groups allowed to use it:

        aws.eks.NodeGroup("workers", remote_access={
            "ec2_ssh_key": "ops", "source_security_group_ids": [bastion_sg.id]}, ...)

Notes:
    An unknown key or list of security groups during preview is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    remote = resource.get("remoteAccess")
    if not isinstance(remote, Mapping):
        return  # no remote access, or unknown during preview
    key = remote.get("ec2SshKey")
    if not (isinstance(key, str) and key.strip()):
        return  # no SSH key: EKS opens nothing
    groups = remote.get("sourceSecurityGroupIds")
    if groups is UNKNOWN or (groups is not None and groups != []):
        return
    yield Violation(
        ("remoteAccess", "sourceSecurityGroupIds") if groups == [] else ("remoteAccess",),
        "remoteAccess opens SSH (port 22) on every node to 0.0.0.0/0: ec2SshKey is set without sourceSecurityGroupIds",
    )


RULE = Rule(
    name="eks-node-group-no-open-ssh",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="worker-nodes",
    types={"aws:eks/nodeGroup:NodeGroup"},
    check=check,
    tags=("aws", "eks", "ssh"),
)
