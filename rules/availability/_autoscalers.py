"""Which workloads an autoscaler owns the replica count of.

A HorizontalPodAutoscaler names its target in `spec.scaleTargetRef` (one that names
its kind in another API group scales nothing, which hpa-target-missing reports; the
count is still meant to be the autoscaler's, so it counts here); so do
autoscalers built on custom resources, KEDA's `ScaledObject` first among them (its
`kind` defaults to Deployment). Any custom resource with a `spec.scaleTargetRef`
counts: it is the convention of the scale subresource. The cluster-proportional
autoscaler (the DNS autoscaler of many clusters) is a Deployment that names its
target in its arguments: `--target=deployment/coredns`, in `--namespace` or its own.
An operator that sets the replica count of objects it owns is granted the scale
subresource of those objects by name: a Role or ClusterRole in the set allowing
`patch` or `update` on `statefulsets/scale` (or `deployments/scale`, `*/scale`) with
`resourceNames` owns their count (Managed Prometheus' operator scales its Alertmanager
StatefulSet between 0 and 1 with its configuration). A grant without names is an
autoscaler's general right (KEDA's), not a claim on any one workload.
"""

from __future__ import annotations

from collections.abc import Mapping

from policypack.model import POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.stack import Stack
from policypack.values import UNKNOWN, as_list, is_unknown

# --target=<kind>/<name>, as the cluster-proportional-autoscaler takes it.
_TARGET_FLAG = lazy_compile(r"--target=(?P<kind>[a-z]+)/(?P<name>[a-z0-9]([-a-z0-9.]*[a-z0-9])?)")
_NAMESPACE_FLAG = lazy_compile(r"--namespace=(?P<namespace>[a-z0-9]([-a-z0-9]*[a-z0-9])?)")
_TARGET_KINDS = {
    "deployment": "Deployment",
    "replicaset": "ReplicaSet",
    "replicationcontroller": "ReplicationController",
    "statefulset": "StatefulSet",
}
# The scale subresources of the workloads an operator may own: resource -> kinds.
_SCALED = {
    "deployments/scale": ("Deployment",),
    "statefulsets/scale": ("StatefulSet",),
    "replicasets/scale": ("ReplicaSet",),
    "*/scale": ("Deployment", "StatefulSet", "ReplicaSet"),
    "*": ("Deployment", "StatefulSet", "ReplicaSet"),
}
_SCALE_VERBS = ("patch", "update", "*")
_ANY_NAMESPACE = "*"


# The API group of each workload kind an autoscaler may name (the removed extensions
# group of Deployments and ReplicaSets is served by no supported Kubernetes, 1.16 on).
_KIND_GROUPS = {"Deployment": "apps", "StatefulSet": "apps", "ReplicaSet": "apps", "ReplicationController": ""}


def names_kind_group(ref: Mapping[str, object]) -> bool | None:
    """Whether a HorizontalPodAutoscaler's `scaleTargetRef` names its built-in kind in
    that kind's API group, as the controller looks it up: `apps.openshift.io/v1` with
    `kind: Deployment` (corpus25), `extensions/v1beta1`, or no apiVersion (the core
    group, kubernetes/kubernetes#86032) name no Deployment, and the autoscaler scales
    nothing ("no matches for kind"). True for other kinds; None when the apiVersion
    or kind is not known yet."""
    api, kind = ref.get("apiVersion"), ref.get("kind")
    if is_unknown(api) or is_unknown(kind):
        return None
    if not isinstance(kind, str) or kind not in _KIND_GROUPS:
        return True
    if api is None:
        return _KIND_GROUPS[kind] == ""
    if not isinstance(api, str):
        return False
    return (api.rpartition("/")[0] if "/" in api else "") == _KIND_GROUPS[kind]


class Autoscalers:
    """The targets of the set's autoscalers, read once (a rule asks for every
    workload, and a set may hold thousands)."""

    def __init__(self, stack: Stack) -> None:
        self.targets: set[tuple[str, str, str]] = set()  # (namespace, kind, name)
        self.undecided = False  # an autoscaler's target or namespace not known yet
        self.open_namespaces: set[str] = set()  # where an autoscaler may be, not known yet
        # The floors an HPA or a KEDA ScaledObject sets for its target (UNKNOWN: not
        # known yet); another owner's floor is not read (`may_scale_below`).
        self.floors: dict[tuple[str, str, str], list[object]] = {}
        for scaler in stack.resources:
            if scaler.kind in POD_KINDS and not scaler.is_custom_resource:
                self._proportional(stack, scaler)
                continue
            if scaler.kind in ("Role", "ClusterRole") and not scaler.is_custom_resource:
                self._scale_grants(stack, scaler)
                continue
            if scaler.kind != "HorizontalPodAutoscaler" and not scaler.is_custom_resource:
                continue
            ref = scaler.get("spec", "scaleTargetRef")
            if ref is UNKNOWN:
                self.undecided = True
                continue
            if not isinstance(ref, Mapping):
                continue
            where = stack.namespace_of(scaler)
            kind = ref.get("kind", "Deployment" if scaler.is_custom_resource else None)
            name = ref.get("name")
            # An HPA whose target's group names nothing (hpa-target-missing) still says
            # the count is meant to be the autoscaler's: one root cause, one finding.
            if where is UNKNOWN or kind is UNKNOWN or name is UNKNOWN:
                self.undecided = True
            elif isinstance(where, str) and isinstance(kind, str) and isinstance(name, str):
                self.targets.add((where, kind, name))
                self.floors.setdefault((where, kind, name), []).append(_floor(scaler))

    def _proportional(self, stack: Stack, workload: Resource) -> None:
        """The target of a cluster-proportional-autoscaler (known by its image). What
        is not known yet (the pod spec, a container, an image beside a `--target`
        argument) leaves the counts of the workload's namespace open."""
        where = stack.namespace_of(workload)
        path = workload.pod_path or workload.builtin_pod_path
        pod = workload.get(*path) if path is not None else None
        listed = pod.get("containers") if isinstance(pod, Mapping) else None
        if UNKNOWN in (pod, listed) or any(entry is UNKNOWN for entry in as_list(listed)):
            self._open(where)
            return
        for container in workload.containers(init=False, ephemeral=False):
            image = container.get("image")
            command, args = container.get("command"), container.get("args")
            proportional = isinstance(image, str) and "cluster-proportional-autoscaler" in image
            if UNKNOWN in (command, args):
                if proportional or image is UNKNOWN:
                    self._open(where)
                continue
            words = [*as_list(command), *as_list(args)]
            if image is UNKNOWN and any(isinstance(w, str) and w.startswith("--target=") for w in words):
                self._open(where)
                continue
            if not proportional:
                continue
            if any(word is UNKNOWN for word in words):
                self._open(where)
                continue
            for word in words:
                found = _NAMESPACE_FLAG.fullmatch(word) if isinstance(word, str) else None
                if found:
                    where = found["namespace"]
            for word in words:
                found = _TARGET_FLAG.fullmatch(word) if isinstance(word, str) else None
                if found and found["kind"] in _TARGET_KINDS and isinstance(where, str):
                    self.targets.add((where, _TARGET_KINDS[found["kind"]], found["name"]))

    def _scale_grants(self, stack: Stack, role: Resource) -> None:
        """The workloads whose scale subresource the role grants by name (an operator
        that owns their replica count). Unknown parts that could grant it leave the
        role's namespace (a ClusterRole: every namespace) open."""
        where: object = stack.namespace_of(role) if role.kind == "Role" else _ANY_NAMESPACE
        rules = role.get("rules")
        if rules is UNKNOWN:
            self._open(where)
            return
        for rule in as_list(rules):
            if rule is UNKNOWN:
                self._open(where)
                continue
            if not isinstance(rule, Mapping):
                continue
            resources = rule.get("resources")
            if is_unknown(resources) or any(is_unknown(entry) for entry in as_list(resources)):
                self._open(where)
                continue
            kinds = {kind for entry in as_list(resources) for kind in _SCALED.get(entry, ()) if isinstance(entry, str)}
            if not kinds:
                continue
            fields = [rule.get("verbs"), rule.get("apiGroups"), rule.get("resourceNames")]
            if any(is_unknown(value) or any(is_unknown(item) for item in as_list(value)) for value in fields):
                self._open(where)
                continue
            if not any(verb in _SCALE_VERBS for verb in as_list(rule.get("verbs"))):
                continue
            if not any(group in ("apps", "*") for group in as_list(rule.get("apiGroups"))):
                continue
            if not isinstance(where, str):
                self.undecided = True
                continue
            for name in as_list(rule.get("resourceNames")):
                if isinstance(name, str):
                    self.targets.update((where, kind, name) for kind in kinds)

    def _open(self, namespace: object) -> None:
        if isinstance(namespace, str):
            self.open_namespaces.add(namespace)
        else:
            self.undecided = True

    def may_scale_below(self, stack: Stack, workload: Resource, count: int) -> bool | None:
        """Whether an autoscaler in the set may take this workload below `count` pods:
        an HPA's `minReplicas` (default 1), a ScaledObject's `minReplicaCount` (default
        0), or an owner whose floor is not read (another custom autoscaler, the
        cluster-proportional autoscaler, an operator granted `scale`). None when that
        is not known yet."""
        owned = self.scale(stack, workload)
        if owned is not True:
            return owned
        floors = self.floors.get((stack.namespace_of(workload), workload.kind, workload.name), [None])
        if any(floor is UNKNOWN for floor in floors):
            return None
        if any(not isinstance(floor, int) or isinstance(floor, bool) or floor < count for floor in floors):
            return True
        namespace = stack.namespace_of(workload)
        if self.undecided or namespace in self.open_namespaces or _ANY_NAMESPACE in self.open_namespaces:
            return None  # another autoscaler of it, not known yet, may keep fewer
        return False

    def scale(self, stack: Stack, workload: Resource) -> bool | None:
        """Whether an autoscaler in the set scales this workload: True, False, or None
        when an autoscaler's target or namespace is not known yet."""
        namespace = stack.namespace_of(workload)
        if not isinstance(namespace, str) or not isinstance(workload.name, str) or not isinstance(workload.kind, str):
            return None
        if {(namespace, workload.kind, workload.name), (_ANY_NAMESPACE, workload.kind, workload.name)} & self.targets:
            return True
        if stack.floating(workload) and any(t[1:] == (workload.kind, workload.name) for t in self.targets):
            return None  # it names no namespace: it may land beside the autoscaler (corpus26's neuland)
        if self.undecided or namespace in self.open_namespaces or _ANY_NAMESPACE in self.open_namespaces:
            return None
        return False


def _floor(scaler: Resource) -> object:
    """The fewest pods an autoscaler keeps: an HPA's `minReplicas` (default 1), a KEDA
    ScaledObject's `minReplicaCount` (default 0); None for another kind (not read)."""
    if scaler.kind == "HorizontalPodAutoscaler" and not scaler.is_custom_resource:
        floor = scaler.get("spec", "minReplicas")
        return 1 if floor is None else floor
    if scaler.kind == "ScaledObject":
        floor = scaler.get("spec", "minReplicaCount")
        return 0 if floor is None else floor
    return None
