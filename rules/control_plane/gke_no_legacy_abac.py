"""GKE clusters keep legacy ABAC authorization off.

Judges `gcp:container/cluster:Cluster`: fires when `enableLegacyAbac` is true (it is
false by default).

Why it matters:
    Legacy ABAC grants broad, static permissions outside Kubernetes RBAC: with it on,
    service accounts and users get access that no Role or ClusterRole shows, so RBAC
    reviews, least-privilege bindings and audits all describe a cluster that is not
    the real one.

How to fix:
    Remove `enable_legacy_abac` (or set it to false) and grant what is needed with
    RBAC Roles and bindings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.get("enableLegacyAbac") is True:
        yield Violation(("enableLegacyAbac",), "legacy ABAC authorization is on (enableLegacyAbac is true)")


RULE = Rule(
    name="gke-no-legacy-abac",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="control-plane",
    types={"gcp:container/cluster:Cluster"},
    check=check,
    tags=("gcp", "gke", "rbac", "cis-gke-5.8.3"),
)
