"""When each built-in API version was deprecated and removed.

Sources: the Kubernetes Deprecated API Migration Guide (removals, replacements),
and the API server's deprecation warnings (the release each version started to
warn). Alpha versions are left out: they are off by default and never promised to
last. Kept as data so a new Kubernetes release is a few lines here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiVersion:
    api_version: str
    kind: str
    deprecated_in: int  # minor version of 1.x in which the API server started warning
    removed_in: int | None  # minor version that no longer serves it; None: no removal planned
    replacement: str  # what to use instead (apiVersion, or another kind)


def _many(
    api_version: str, kinds: str, deprecated_in: int, removed_in: int | None, replacement: str
) -> list[ApiVersion]:
    return [ApiVersion(api_version, kind, deprecated_in, removed_in, replacement) for kind in kinds.split()]


FLOWCONTROL_V1 = "flowcontrol.apiserver.k8s.io/v1"

API_VERSIONS: tuple[ApiVersion, ...] = tuple(
    # 1.16
    _many("extensions/v1beta1", "Deployment DaemonSet ReplicaSet", 9, 16, "apps/v1")
    + _many("apps/v1beta1", "Deployment StatefulSet ReplicaSet ControllerRevision", 9, 16, "apps/v1")
    + _many("apps/v1beta2", "Deployment StatefulSet DaemonSet ReplicaSet ControllerRevision", 9, 16, "apps/v1")
    + _many("extensions/v1beta1", "NetworkPolicy", 9, 16, "networking.k8s.io/v1")
    + _many("extensions/v1beta1", "PodSecurityPolicy", 10, 16, "policy/v1beta1 (itself removed in 1.25)")
    # 1.22
    + _many("extensions/v1beta1", "Ingress", 14, 22, "networking.k8s.io/v1")
    + _many("networking.k8s.io/v1beta1", "Ingress IngressClass", 19, 22, "networking.k8s.io/v1")
    + _many(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration ValidatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    )
    + _many("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 16, 22, "apiextensions.k8s.io/v1")
    + _many("apiregistration.k8s.io/v1beta1", "APIService", 19, 22, "apiregistration.k8s.io/v1")
    + _many("authentication.k8s.io/v1beta1", "TokenReview", 19, 22, "authentication.k8s.io/v1")
    + _many(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview SelfSubjectAccessReview SubjectAccessReview",
        19,
        22,
        "authorization.k8s.io/v1",
    )
    + _many("certificates.k8s.io/v1beta1", "CertificateSigningRequest", 19, 22, "certificates.k8s.io/v1")
    + _many("coordination.k8s.io/v1beta1", "Lease", 19, 22, "coordination.k8s.io/v1")
    + _many(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole ClusterRoleBinding Role RoleBinding",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    )
    + _many("scheduling.k8s.io/v1beta1", "PriorityClass", 14, 22, "scheduling.k8s.io/v1")
    + _many("storage.k8s.io/v1beta1", "CSINode", 17, 22, "storage.k8s.io/v1")
    + _many("storage.k8s.io/v1beta1", "CSIDriver StorageClass VolumeAttachment", 19, 22, "storage.k8s.io/v1")
    # 1.25
    + _many("batch/v1beta1", "CronJob", 21, 25, "batch/v1")
    + _many("discovery.k8s.io/v1beta1", "EndpointSlice", 21, 25, "discovery.k8s.io/v1")
    + _many("events.k8s.io/v1beta1", "Event", 19, 25, "events.k8s.io/v1")
    + _many("autoscaling/v2beta1", "HorizontalPodAutoscaler", 22, 25, "autoscaling/v2")
    + _many("policy/v1beta1", "PodDisruptionBudget", 21, 25, "policy/v1")
    + _many(
        "policy/v1beta1",
        "PodSecurityPolicy",
        21,
        25,
        "nothing: PodSecurityPolicy is gone; enforce the Pod Security Standards with Pod Security Admission",
    )
    + _many("node.k8s.io/v1beta1", "RuntimeClass", 22, 25, "node.k8s.io/v1")
    # 1.26
    + _many(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema PriorityLevelConfiguration",
        23,
        26,
        f"{FLOWCONTROL_V1} (or v1beta3 on 1.26 to 1.28)",
    )
    + _many("autoscaling/v2beta2", "HorizontalPodAutoscaler", 23, 26, "autoscaling/v2")
    # 1.27
    + _many("storage.k8s.io/v1beta1", "CSIStorageCapacity", 24, 27, "storage.k8s.io/v1")
    # 1.29
    + _many(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema PriorityLevelConfiguration",
        26,
        29,
        f"{FLOWCONTROL_V1} (or v1beta3 before 1.29)",
    )
    # 1.32
    + _many("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema PriorityLevelConfiguration", 29, 32, FLOWCONTROL_V1)
    # Deprecated, with no removal planned (GA versions are not removed).
    + _many("v1", "ComponentStatus", 19, None, "nothing: query the components' own health endpoints")
    + _many("v1", "Endpoints", 33, None, "discovery.k8s.io/v1 EndpointSlice")
)

BY_VERSION: dict[tuple[str, str], ApiVersion] = {(a.api_version, a.kind): a for a in API_VERSIONS}
KINDS: frozenset[str] = frozenset(a.kind for a in API_VERSIONS)

KUBERNETES_VERSION_OPTION = {
    "type": "string",
    "pattern": "^1\\.[0-9]+$",
    "default": "1.37",
    "description": "The Kubernetes version (`1.<minor>`) the manifests must deploy to.",
}


def minor(version: str) -> int:
    """`"1.29"` -> 29 (the option's schema guarantees the shape)."""
    return int(version.split(".")[1])
