"""The aws-auth ConfigMap does not map IAM identities to `system:masters`.

Fires on the `aws-auth` ConfigMap in `kube-system` (a Kubernetes manifest, or a
Pulumi `kubernetes:core/v1:ConfigMap`) when an entry of `data.mapRoles` or
`data.mapUsers` (YAML text) lists the group `system:masters`. The message names the
role or user ARN.

Why it matters:
    `system:masters` is hard-wired to full access in the API server: no RBAC rule
    can narrow it and no binding shows it, so `no-cluster-admin-binding` cannot
    see it. Every identity that can assume a mapped role is an unrestricted
    cluster administrator, with every Secret of the cluster.

How to fix:
    Map the role to a group of your own and bind that group to a narrow
    ClusterRole:

        mapRoles: |
          - rolearn: arn:aws:iam::123456789012:role/platform-ops
            username: platform-ops:{{SessionName}}
            groups: [platform-ops]

    Better, move to EKS access entries (`authenticationMode: API`) with
    namespace-scoped access policies.

Notes:
    The node-role entry (`system:bootstrappers`, `system:nodes`) is not judged.
    Text that is not valid YAML, or unknown during preview, is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list

MASTERS = "system:masters"
FIELDS = (("mapRoles", "rolearn", "role"), ("mapUsers", "userarn", "user"))


def check(config_map: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if config_map.name != "aws-auth" or config_map.namespace != "kube-system":
        return
    import yaml  # only for aws-auth: PyYAML's import is not paid by runs without it

    for field, arn_key, noun in FIELDS:
        text = config_map.get("data", field)
        if not isinstance(text, str):
            continue
        try:
            entries = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        for index, entry in enumerate(as_list(entries)):
            if not isinstance(entry, Mapping) or MASTERS not in as_list(entry.get("groups")):
                continue
            arn = entry.get(arn_key)
            who = f'{noun} "{arn}"' if isinstance(arn, str) else f"{noun} entry #{index}"
            yield Violation(("data", field), f"{field} maps {who} to {MASTERS}: unrestricted cluster administrator")


RULE = Rule(
    name="eks-aws-auth-no-system-masters",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    kinds={"ConfigMap"},
    check=check,
    tags=("aws", "eks", "least-privilege", "rbac"),
)
