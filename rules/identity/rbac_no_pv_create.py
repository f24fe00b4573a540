"""RBAC ClusterRoles do not let anyone create PersistentVolumes.

Fires on each rule of a ClusterRole that allows `create` on `persistentvolumes`
in the core API group, including through `*`.

Why it matters:
    A PersistentVolume can point at any `hostPath` on the node. Whoever creates one
    and binds a claim to it mounts the node's filesystem into a pod, even where Pod
    Security forbids `hostPath` volumes in pods: the kubelet's credentials, other
    pods' data, the container runtime's socket.

How to fix:
    Let a StorageClass and its CSI provisioner create volumes; users ask for storage
    with PersistentVolumeClaims, which need no cluster-wide rights.

Notes:
    CSI provisioners and storage operators legitimately hold this right: exempt them
    by name. A namespaced Role cannot grant this cluster-scoped resource.
    Aggregated ClusterRoles are not judged (their rules are overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "pv-create"):
        yield Violation(
            grant.path, f"rule #{grant.rule_index} can create PersistentVolumes: {grant.detail}{where(role)}"
        )


RULE = Rule(
    name="rbac-no-pv-create",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.9"),
)
