"""GKE nodes are Shielded VMs with Secure Boot and integrity monitoring.

Judges `gcp:container/cluster:Cluster` (`enableShieldedNodes` must not be false) and
the node configuration of every node pool it or a `gcp:container/nodePool:NodePool`
declares: `nodeConfig.shieldedInstanceConfig.enableSecureBoot` must be true (it is
false by default) and `enableIntegrityMonitoring` must not be false. Autopilot
clusters always pass.

Why it matters:
    Shielded nodes prove their identity to the control plane, so a stolen node
    credential cannot be used to impersonate a node and read the secrets of pods
    scheduled there. Secure Boot refuses unsigned kernels and modules, and integrity
    monitoring reports a node whose boot chain changed: rootkits do not survive
    unnoticed.

How to fix:
    Keep shielded nodes on (the default) and turn on Secure Boot in every node pool:

        node_config={"shielded_instance_config": {
            "enable_secure_boot": True, "enable_integrity_monitoring": True}}

Notes:
    Secure Boot blocks third-party unsigned kernel modules (some GPU or security
    agents); check yours first. Unknown values during preview are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

from ._gke import CLUSTER, TYPES, is_autopilot, pools

SHIELDED = ("shieldedInstanceConfig",)


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.type == CLUSTER and is_autopilot(resource) is False and resource.get("enableShieldedNodes") is False:
        yield Violation(("enableShieldedNodes",), "shielded nodes are off (enableShieldedNodes is false)")
    for pool in pools(resource):
        secure_boot = pool.setting(*SHIELDED, "enableSecureBoot")
        if secure_boot is None or secure_boot is False:
            path = pool.config_path + SHIELDED + ("enableSecureBoot",)
            yield Violation(path, f"{pool.label} runs without Secure Boot (enableSecureBoot is not true)")
        if pool.setting(*SHIELDED, "enableIntegrityMonitoring") is False:
            path = pool.config_path + SHIELDED + ("enableIntegrityMonitoring",)
            yield Violation(
                path, f"{pool.label} runs without integrity monitoring (enableIntegrityMonitoring is false)"
            )


RULE = Rule(
    name="gke-shielded-nodes",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="worker-nodes",
    types=TYPES,
    check=check,
    tags=("gcp", "gke", "cis-gke-5.5.5", "cis-gke-5.5.6", "cis-gke-5.5.7"),
)
