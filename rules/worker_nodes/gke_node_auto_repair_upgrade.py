"""GKE node pools keep node auto-repair and auto-upgrade on.

Judges `gcp:container/nodePool:NodePool` and a cluster's inline `nodePools[]`:
fires when `management.autoRepair` or `management.autoUpgrade` is false (both are on
by default).

Why it matters:
    Without auto-upgrade, nodes keep running old kubelets and kernels with known
    vulnerabilities long after the control plane was patched, and drift out of the
    supported version skew. Without auto-repair, a node that fails health checks
    stays broken and its pods stay pending or degraded until someone notices.

How to fix:
    Remove the overrides, or set them explicitly, and control timing with maintenance
    windows and surge settings instead:

        management={"auto_repair": True, "auto_upgrade": True}

Notes:
    Clusters in a release channel cannot turn auto-upgrade off; the API rejects it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

from ._gke import NODE_POOL, TYPES, pools


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for pool in pools(resource):
        if not pool.path and resource.type != NODE_POOL:
            continue  # the default pool takes its management settings from GKE
        management = pool.spec.get("management")
        if not isinstance(management, Mapping):
            continue
        for key, what in (("autoRepair", "auto-repair"), ("autoUpgrade", "auto-upgrade")):
            if management.get(key) is False:
                yield Violation(pool.path + ("management", key), f"{pool.label} has node {what} off ({key} is false)")


RULE = Rule(
    name="gke-node-auto-repair-upgrade",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="worker-nodes",
    types=TYPES,
    check=check,
    tags=("gcp", "gke", "upgrades", "cis-gke-5.5.2", "cis-gke-5.5.3"),
)
