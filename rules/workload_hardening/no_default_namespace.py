"""Objects are not placed in the `default` namespace.

Fires on an object of a namespaced built-in kind (workloads, Services, ConfigMaps,
Secrets, RBAC Roles and RoleBindings, Ingresses, ... and the Gateway API's routes)
whose `metadata.namespace` is exactly `default`. An object with no namespace is
not judged: the namespace is then chosen at deploy time (`kubectl -n`, Helm's
`--namespace`, the Pulumi provider's namespace), which is how it should be.
Cluster-scoped kinds (Namespaces, ClusterRoles, CRDs, ...) and custom resources,
whose scope a linter cannot know, are never judged. One finding per folder (offline;
per stack in Pulumi; folders that define the same objects, alternative installs of
one app, count as one), on its first such object, naming the others: placing an
install in `default` is one choice, and moving it one change.

Why it matters:
    The `default` namespace is where everything lands that nobody placed: it tends
    to collect unrelated workloads that share one set of RBAC bindings, quotas,
    network policies (usually none) and the `default` service account. Namespaces
    are the unit of isolation, ownership and policy; putting a workload in
    `default` opts out of all three.

How to fix:
    Create a namespace for the application and deploy into it, or leave
    `metadata.namespace` out and choose the namespace at deploy time:

        metadata:
          namespace: payments

Notes:
    A Role or RoleBinding in `default` grants access to the `default` namespace
    itself (a monitoring stack that watches it, say), and has to live there: a
    Role is not judged, nor is a RoleBinding unless every subject it binds is a
    ServiceAccount of `default` (then it is an application's own RBAC, placed in
    `default` with the application). A LimitRange or ResourceQuota in `default` sets
    that namespace's defaults and limits, and is not judged either. Exact match only: the API server accepts no
    other spelling of the name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import Stack

#: Namespaced built-in kinds (and the Gateway API's, which most clusters install).
NAMESPACED_KINDS = frozenset(
    {
        # core
        "Pod",
        "PodTemplate",
        "ReplicationController",
        "Service",
        "Endpoints",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "PersistentVolumeClaim",
        "LimitRange",
        "ResourceQuota",
        "Event",
        # apps, batch, autoscaling, policy
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "ControllerRevision",
        "Job",
        "CronJob",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        # networking, discovery, RBAC, coordination, storage
        "Ingress",
        "NetworkPolicy",
        "EndpointSlice",
        "Role",
        "RoleBinding",
        "Lease",
        "CSIStorageCapacity",
        # Gateway API
        "Gateway",
        "HTTPRoute",
        "GRPCRoute",
        "TCPRoute",
        "TLSRoute",
        "UDPRoute",
        "ReferenceGrant",
    }
)


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    # One finding per folder (the whole stack in Pulumi): placing an install in
    # `default` is one choice, and moving it is one change, however many objects.
    groups: dict[Any, list[Resource]] = {}
    for obj in stack.of_kind(*NAMESPACED_KINDS):
        api_version = obj.api_version
        gateway = isinstance(api_version, str) and api_version.startswith("gateway.networking.k8s.io/")
        if (obj.is_custom_resource and not gateway) or not _placed_in_default(obj):
            continue
        groups.setdefault(stack.folder_of(obj), []).append(obj)
    for placed in _alternatives_merged(list(groups.values())):
        first, others = placed[0], placed[1:]
        also = ""
        if others:
            names = [f"{other.kind} {other.name}" for other in others[:4]] + (["..."] if len(others) > 4 else [])
            also = f"; so {'are' if len(others) > 1 else 'is'} {', '.join(names)} beside it"
        yield StackViolation(
            first,
            ("metadata", "namespace"),
            f'{first.kind} is placed in the "default" namespace{also}: give '
            f"{'them' if others else 'it'} a namespace of {'their' if others else 'its'} own "
            "(or leave the field out and choose it at deploy time)",
        )


def _alternatives_merged(groups: list[list[Resource]]) -> list[list[Resource]]:
    """Folders that define the same object (kind and name) are alternative installs of
    one app (corpus36's tinode: `k8s/` and `local-k8s/` both hold Deployment
    postgres): one choice of namespace, so one group."""
    merged: list[tuple[set[tuple[str, Any]], list[Resource]]] = []
    for group in groups:
        identities = {(obj.kind, obj.name) for obj in group if isinstance(obj.name, str)}
        joined = [entry for entry in merged if entry[0] & identities]
        for entry in joined:
            merged.remove(entry)
            identities |= entry[0]
        members = [obj for entry in joined for obj in entry[1]] + group
        merged.append((identities, members))
    order = {id(obj): index for index, group in enumerate(groups) for obj in group}
    return sorted(
        (sorted(members, key=lambda obj: order[id(obj)]) for _, members in merged), key=lambda m: order[id(m[0])]
    )


def _placed_in_default(obj: Resource) -> bool:
    if obj.namespace != "default":
        return False
    # A Role or RoleBinding that grants in `default` lives there; so does a LimitRange
    # or ResourceQuota that governs `default` (corpus42's home cluster).
    if obj.kind in _GOVERNS_ITS_NAMESPACE:
        return False
    return not (obj.kind == "Role" or (obj.kind == "RoleBinding" and not _binds_only_default_accounts(obj)))


#: Kinds that govern the namespace they are in: placed in `default`, they are about it.
_GOVERNS_ITS_NAMESPACE = frozenset({"LimitRange", "ResourceQuota"})


def _binds_only_default_accounts(binding: Resource) -> bool:
    """Whether every subject is a ServiceAccount of `default` (known, not empty)."""
    subjects = binding.get("subjects")
    if not isinstance(subjects, list) or not subjects:
        return False
    for subject in subjects:
        if not isinstance(subject, Mapping) or subject.get("kind") != "ServiceAccount":
            return False
        if subject.get("namespace") not in (None, "default"):
            return False
    return True


RULE = Rule(
    name="no-default-namespace",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds=NAMESPACED_KINDS,
    check=check,
    stack=True,
    options={},
    tags=("cis-5.7.4",),
)
