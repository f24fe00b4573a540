"""GKE clusters enforce Kubernetes NetworkPolicy.

Judges `gcp:container/cluster:Cluster`: passes with Dataplane V2
(`datapathProvider: ADVANCED_DATAPATH`, which always enforces NetworkPolicy) or with
`networkPolicy.enabled` true; Autopilot clusters always pass.

Why it matters:
    Without an enforcing dataplane, NetworkPolicy objects are accepted and silently
    ignored: every pod can reach every other pod, and one compromised workload can
    talk to databases, internal admin endpoints and other tenants.

How to fix:
    Use Dataplane V2 on new clusters:

        gcp.container.Cluster("main", datapath_provider="ADVANCED_DATAPATH", ...)

    or enable the Calico network policy add-on (`network_policy={"enabled": True}`
    and `addons_config.network_policy_config.disabled = False`).

Notes:
    Unknown values during preview are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN

from ..worker_nodes._gke import is_autopilot


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    datapath = resource.get("datapathProvider")
    enabled = resource.get("networkPolicy", "enabled")
    if is_autopilot(resource) is not False or UNKNOWN in (datapath, enabled):
        return
    if datapath == "ADVANCED_DATAPATH" or enabled is True:
        return
    yield Violation(
        ("networkPolicy", "enabled") if resource.get("networkPolicy") is not None else ("networkPolicy",),
        "NetworkPolicy is not enforced: networkPolicy.enabled is not true "
        "and datapathProvider is not ADVANCED_DATAPATH",
    )


RULE = Rule(
    name="gke-network-policy",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={"gcp:container/cluster:Cluster"},
    check=check,
    tags=("gcp", "gke", "network-policy", "cis-gke-5.6.7"),
)
