"""GKE nodes do not run as the Compute Engine default service account.

Judges the node configuration of every node pool a `gcp:container/cluster:Cluster`
or `gcp:container/nodePool:NodePool` declares: `nodeConfig.serviceAccount` must
name a dedicated service account, not be missing, `default`, or
`<number>-compute@developer.gserviceaccount.com`. For Autopilot clusters and node
auto-provisioning it judges `clusterAutoscaling.autoProvisioningDefaults.serviceAccount`.

Why it matters:
    The default compute service account has the Editor role on the project in most
    organisations. Every pod that reaches the node's metadata server (and every
    attacker on a node) can then create, change and delete almost anything in the
    project.

How to fix:
    Create a service account with only the logging, monitoring and registry-read
    roles nodes need, and use it in every node pool:

        node_config={"service_account": nodes_sa.email,
                     "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"]}

Notes:
    An account only known after deployment (an output of the service account
    resource) counts as dedicated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import Path

from ._gke import CLUSTER, TYPES, is_autopilot, pools

AUTOPROVISIONING = ("clusterAutoscaling", "autoProvisioningDefaults", "serviceAccount")


def default_account(value: Any) -> str | None:
    """Why the value is the default compute account, or None if it is not."""
    if value is None:
        return "is not set (the default compute service account)"
    if isinstance(value, str) and (value == "default" or value.endswith("-compute@developer.gserviceaccount.com")):
        return f'is "{value}", the default compute service account'
    return None


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for pool in pools(resource):
        reason = default_account(pool.setting("serviceAccount"))
        if reason:
            yield Violation(
                pool.config_path + ("serviceAccount",), f"{pool.label} runs as a service account that {reason}"
            )
    if resource.type == CLUSTER:
        autopilot = is_autopilot(resource)
        provisioning = resource.get("clusterAutoscaling", "enabled")
        if autopilot is True or provisioning is True:
            reason = default_account(resource.get(*AUTOPROVISIONING))
            if reason:
                what = "Autopilot" if autopilot is True else "auto-provisioned"
                path: Path = AUTOPROVISIONING
                yield Violation(path, f"{what} nodes run as a service account that {reason}")


RULE = Rule(
    name="gke-node-service-account",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="worker-nodes",
    types=TYPES,
    check=check,
    tags=("gcp", "gke", "identity", "cis-gke-5.2.1"),
)
