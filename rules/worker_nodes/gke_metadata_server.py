"""GKE node pools run the GKE metadata server, not the node's own metadata.

Judges the node configuration of every node pool a `gcp:container/cluster:Cluster`
or `gcp:container/nodePool:NodePool` declares: fires when
`nodeConfig.workloadMetadataConfig.mode` is `GCE_METADATA` (or the legacy `EXPOSE`),
which hands the node's metadata and service account to every pod.

Why it matters:
    The Compute Engine metadata server gives any pod the node's service account
    token and the instance attributes, including the kubelet bootstrap credentials
    on older node images. With the GKE metadata server, pods get only their own
    Workload Identity and the sensitive attributes are hidden.

How to fix:
    Enable Workload Identity on the cluster and run the GKE metadata server on every
    pool:

        node_config={"workload_metadata_config": {"mode": "GKE_METADATA"}}

Notes:
    A missing mode is not judged: on clusters with Workload Identity it defaults to
    `GKE_METADATA`, and clusters without it are reported by `gke-workload-identity`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

from ._gke import TYPES, pools

EXPOSING = frozenset({"GCE_METADATA", "EXPOSE"})


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for pool in pools(resource):
        mode = pool.setting("workloadMetadataConfig", "mode")
        if isinstance(mode, str) and mode in EXPOSING:
            yield Violation(
                pool.config_path + ("workloadMetadataConfig", "mode"),
                f'{pool.label} exposes the node\'s metadata server to pods (mode is "{mode}")',
            )


RULE = Rule(
    name="gke-metadata-server",
    doc=__doc__,
    severity=Severity.HIGH,
    area="worker-nodes",
    types=TYPES,
    check=check,
    tags=("gcp", "gke", "identity", "cis-gke-5.4.2"),
)
