"""The successors a retired API version can be moved to by changing `apiVersion` alone.

Not a rule (it defines no RULE). Only the moves the Kubernetes Deprecated API
Migration Guide lists with "no notable changes" between the two versions: the same
fields with the same meaning and defaults, so the object means the same in the new
version. Every other move (Deployment to apps/v1, Ingress, webhooks, CRDs, HPA
v2beta1, EndpointSlice, Event, CSR, FlowSchema) renames fields or changes defaults
and is left to a person. Each successor is served from a release no later than the
one that deprecated its predecessor, so it is available wherever either API-version
rule fires.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patch import Change

SUCCESSORS: dict[tuple[str, str], str] = {
    **{
        ("rbac.authorization.k8s.io/v1beta1", kind): "rbac.authorization.k8s.io/v1"
        for kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    },
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): "scheduling.k8s.io/v1",
    ("coordination.k8s.io/v1beta1", "Lease"): "coordination.k8s.io/v1",
    **{
        ("storage.k8s.io/v1beta1", kind): "storage.k8s.io/v1"
        for kind in ("CSINode", "CSIDriver", "StorageClass", "VolumeAttachment", "CSIStorageCapacity")
    },
    ("networking.k8s.io/v1beta1", "IngressClass"): "networking.k8s.io/v1",
    ("apiregistration.k8s.io/v1beta1", "APIService"): "apiregistration.k8s.io/v1",
    ("batch/v1beta1", "CronJob"): "batch/v1",
    ("node.k8s.io/v1beta1", "RuntimeClass"): "node.k8s.io/v1",
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): "autoscaling/v2",
    # policy/v1 reads an empty selector as "every pod" (v1beta1: none), so only a
    # budget with a non-empty selector moves as it is (see `fix`).
    ("policy/v1beta1", "PodDisruptionBudget"): "policy/v1",
}


def _non_empty_selector(obj: Resource) -> bool:
    selector = obj.get("spec", "selector")
    if not isinstance(selector, Mapping):
        return False
    return any(isinstance(selector.get(key), (Mapping, list)) and selector.get(key) for key in selector)


def move_to_successor(obj: Resource, findings: Any) -> Iterator[Change]:
    """`apiVersion` set to the successor, when the rule found this version and the move
    keeps the object's meaning."""
    if not any(True for _ in findings):
        return
    successor = SUCCESSORS.get((obj.api_version or "", obj.kind or ""))
    if successor is None:
        return
    if obj.kind == "PodDisruptionBudget" and not _non_empty_selector(obj):
        return
    yield Change(("apiVersion",), successor)
