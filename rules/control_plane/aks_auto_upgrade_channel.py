"""AKS clusters have an automatic upgrade channel.

Judges `azure-native:containerservice:ManagedCluster` (any API version) by
`autoUpgradeProfile.upgradeChannel`: `patch`, `stable`, `rapid` or `node-image`
pass; a missing value or `none` fires.

Why it matters:
    Without a channel, nobody upgrades the cluster until someone remembers to: patch
    releases with security fixes are missed, and the version eventually falls out of
    support, when AKS upgrades it on its own schedule or support is refused.

How to fix:
    Choose a channel (`patch` keeps the minor version and applies its patches,
    `stable` also moves minors one behind the latest) and a maintenance window:

        azure_native.containerservice.ManagedCluster("aks", auto_upgrade_profile={
            "upgrade_channel": "patch", "node_os_upgrade_channel": "NodeImage"}, ...)

Notes:
    `node-image` only upgrades node images, not Kubernetes; it passes, as the
    cluster is then upgraded on purpose. Unknown values are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

from ._aks import MANAGED_CLUSTER


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    profile = resource.get("autoUpgradeProfile")
    if profile is None:
        yield Violation(
            ("autoUpgradeProfile",), "the cluster has no automatic upgrade channel: autoUpgradeProfile is not set"
        )
        return
    if not isinstance(profile, Mapping):
        return  # unknown during preview
    channel = profile.get("upgradeChannel")
    if channel is None or (isinstance(channel, str) and channel.lower() == "none"):
        state = "not set" if channel is None else f'"{channel}"'
        yield Violation(
            ("autoUpgradeProfile", "upgradeChannel"),
            f"the cluster has no automatic upgrade channel: upgradeChannel is {state}",
        )


RULE = Rule(
    name="aks-auto-upgrade-channel",
    doc=__doc__,
    severity=Severity.LOW,
    area="control-plane",
    types={MANAGED_CLUSTER},
    check=check,
    tags=("azure", "aks", "upgrades"),
)
