"""GKE clusters enable Workload Identity.

Judges `gcp:container/cluster:Cluster`: `workloadIdentityConfig.workloadPool` must
be set (`<project>.svc.id.goog`). Autopilot clusters always have it.

Why it matters:
    Without Workload Identity, pods that call Google APIs use the node's service
    account through the metadata server: every pod on a node shares one identity, so
    one compromised pod gets whatever any workload (and the node) may do, and
    permissions cannot be scoped per application.

How to fix:
    Enable the workload pool, then bind each Kubernetes service account to its own
    Google service account:

        gcp.container.Cluster("main", workload_identity_config={
            "workload_pool": f"{project}.svc.id.goog"}, ...)

Notes:
    Node pools must also run the GKE metadata server (`gke-metadata-server`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

from ..worker_nodes._gke import is_autopilot


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if is_autopilot(resource) is not False:
        return
    pool = resource.get("workloadIdentityConfig", "workloadPool")
    if pool is None or (isinstance(pool, str) and not pool.strip()):
        yield Violation(
            ("workloadIdentityConfig", "workloadPool"),
            "Workload Identity is off: workloadIdentityConfig.workloadPool is not set",
        )


RULE = Rule(
    name="gke-workload-identity",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={"gcp:container/cluster:Cluster"},
    check=check,
    tags=("gcp", "gke", "identity", "cis-gke-5.2.2"),
)
