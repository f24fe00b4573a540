"""EKS clusters send the API server audit log (and the other chosen logs) to CloudWatch.

Judges `aws:eks/cluster:Cluster` and the pulumi-eks component `eks:index:Cluster` by
`enabledClusterLogTypes`: every log type in the `requiredLogTypes` option (by default
`audit`) must be in the list. A missing list means no control-plane logs at all.

Why it matters:
    The audit log is the only record of who did what through the Kubernetes API:
    which identity read a secret, created a privileged pod or bound cluster-admin.
    Without it an incident cannot be investigated and many compliance regimes are
    failed outright; EKS keeps no copy you can turn on afterwards.

How to fix:
    List the log types on the cluster:

        aws.eks.Cluster("main", enabled_cluster_log_types=["api", "audit", "authenticator"], ...)

    With pulumi-eks: `enabled_cluster_log_types=["api", "audit", "authenticator"]`.

Notes:
    Logs cost CloudWatch ingestion; `audit` and `authenticator` are the ones an
    investigation needs. Set `requiredLogTypes` to require more (CIS asks for all five:
    api, audit, authenticator, controllerManager, scheduler). An unknown list, or an
    unknown entry in it, is not judged during preview.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    required = [t for t in LOG_TYPES if t in options["requiredLogTypes"]]
    enabled = resource.get("enabledClusterLogTypes")
    if enabled is UNKNOWN or not required:
        return
    if enabled is None:
        yield Violation(
            ("enabledClusterLogTypes",),
            f"control-plane logging is off: enabledClusterLogTypes is not set ({', '.join(required)} required)",
        )
        return
    if not isinstance(enabled, list) or any(entry is UNKNOWN for entry in enabled):
        return  # not a list, or an entry only known after deployment
    missing = [t for t in required if t not in enabled]
    if missing:
        yield Violation(
            ("enabledClusterLogTypes",),
            f"enabledClusterLogTypes does not include {', '.join(missing)}",
        )


RULE = Rule(
    name="eks-control-plane-logging",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={"aws:eks/cluster:Cluster", "eks:index:Cluster"},
    check=check,
    options={
        "requiredLogTypes": {
            "type": "array",
            "items": {"type": "string", "enum": LOG_TYPES},
            "default": ["audit"],
            "description": "Control-plane log types that must be enabled.",
        }
    },
    tags=("aws", "eks", "logging", "cis-eks-2.1.1"),
)
