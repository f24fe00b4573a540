"""The resource model that every rule sees, in both modes.

A `Resource` is one object to judge: a Kubernetes object (from a manifest or from a
Pulumi `kubernetes:*` resource) or a cloud resource (a Pulumi type token and its
inputs). Rules read it through this module, so no rule walks `spec.template.spec` by
hand and no rule knows where the object came from.

Paths are tuples of keys and list indexes relative to the object's own root; the
loaders turn them into file:line:column (offline) or a field path beside the URN
(Pulumi).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from policypack.values import UNKNOWN, Path, as_list, as_mapping, get, is_unknown

# Where each pod-bearing kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, Path] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

#: The in-tree volume sources a pod's volume and a PersistentVolume share (core/v1
#: VolumeSource and PersistentVolumeSource): node paths, network and cloud disks.
IN_TREE_VOLUME_SOURCES = frozenset(
    {
        "awsElasticBlockStore",
        "azureDisk",
        "azureFile",
        "cephfs",
        "cinder",
        "fc",
        "flexVolume",
        "flocker",
        "gcePersistentDisk",
        "glusterfs",
        "hostPath",
        "iscsi",
        "nfs",
        "photonPersistentDisk",
        "portworxVolume",
        "quobyte",
        "rbd",
        "scaleIO",
        "storageos",
        "vsphereVolume",
    }
)

#: Kinds that carry a pod spec (the targets of container and pod rules).
POD_KINDS: frozenset[str] = frozenset(POD_SPEC_PATHS)

# API groups served by Kubernetes itself: "" (core), the dot-less ones (apps, batch,
# policy, autoscaling, ...) and `*.k8s.io`, except `*.x-k8s.io`, which SIG projects
# use for their CRDs (jobset.x-k8s.io, leaderworkerset.x-k8s.io).
# Keys of a custom resource that never hold its pods' templates.
_NOT_TEMPLATES = frozenset({"metadata", "status"})
# A pod template is {metadata, spec} (PodTemplateSpec): nothing else beside `spec`.
_TEMPLATE_KEYS = frozenset({"metadata", "spec"})


def _looks_like_pod_spec(value: Any) -> bool:
    """A pod spec: `containers` is a non-empty list of mappings, each with a string
    `image` (an image may be unknown at preview time).
    Fragments operators merge into their own pod spec (Prometheus' `containers`
    patches, ECK's `podTemplate` overlays) usually leave `image` out, and are not
    judged: their missing fields are the operator's."""
    if not isinstance(value, Mapping):
        return False
    containers = value.get("containers")
    # Containers (or one of them) not known yet at preview: whether this is a pod or an
    # overlay cannot be told, and unknown fires nothing.
    if not isinstance(containers, list) or not containers:
        return False
    for entry in containers:
        if not isinstance(entry, Mapping):
            return False
        image = entry.get("image")
        if not (isinstance(image, str) and image.strip()) and image is not UNKNOWN:
            return False
    return True


def find_pod_specs(props: Mapping[str, Any], limit: int = 64) -> list[Path]:
    """Where a custom resource keeps pod specs: every `spec` of a pod template
    (a mapping whose keys are only `metadata` and `spec`) that looks like a pod spec,
    wherever it sits (Argo Rollout `spec.template.spec`, Knative Service
    `spec.template.spec`, JobSet `spec.replicatedJobs[i].template.spec.template.spec`,
    MPIJob `spec.mpiReplicaSpecs.Worker.template.spec`, RayCluster
    `spec.workerGroupSpecs[i].template.spec`, LeaderWorkerSet
    `spec.leaderWorkerTemplate.workerTemplate.spec`, ...). The object's own `spec`
    is never one (its mapping holds apiVersion and kind), nor is anything under
    `metadata` or `status`; a pod spec is not searched for further pod specs."""
    found: list[Path] = []

    def walk(value: Any, path: Path, depth: int) -> None:
        if len(found) >= limit or depth > 12:
            return
        if isinstance(value, Mapping):
            spec = value.get("spec")
            if path and set(value) <= _TEMPLATE_KEYS and _looks_like_pod_spec(spec):
                found.append(path + ("spec",))
                return
            for key, child in value.items():
                if isinstance(key, str) and not (not path and key in _NOT_TEMPLATES):
                    walk(child, path + (key,), depth + 1)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, path + (index,), depth + 1)

    walk(props, (), 0)
    return found


#: Kinds that live outside namespaces (built-in API; custom kinds count as namespaced).
CLUSTER_SCOPED_KINDS: frozenset[str] = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)

#: API groups served by Kubernetes itself ("" is the core group). Any other group is
#: a custom resource's, whose controller may create objects the manifests never show.
BUILT_IN_GROUPS: frozenset[str] = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "extensions",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)

#: In a rule's `kinds`: every custom resource too (see `is_custom_resource`). Stack
#: rules that decide "nothing in the set provides X" name it, because an operator's
#: custom resource may provide X (pods, Services) without the set spelling it out.
CUSTOM_RESOURCES = "<custom resources>"


# The API groups that serve each well-known built-in kind, in any version Kubernetes
# has served (`extensions` included): a manifest naming such a kind in another built-in
# group (`apps/v1` Service) is one no API server accepts.
_GROUP_KINDS: dict[str, str] = {
    "": "Pod Service ConfigMap Secret ServiceAccount PersistentVolumeClaim PersistentVolume Namespace Node "
    "ReplicationController Endpoints LimitRange ResourceQuota PodTemplate Event ComponentStatus Binding",
    "apps": "Deployment StatefulSet DaemonSet ReplicaSet ControllerRevision",
    "extensions": "Deployment DaemonSet ReplicaSet Ingress NetworkPolicy PodSecurityPolicy",
    "batch": "Job CronJob",
    "networking.k8s.io": "Ingress IngressClass NetworkPolicy",
    "policy": "PodDisruptionBudget PodSecurityPolicy Eviction",
    "autoscaling": "HorizontalPodAutoscaler",
    "rbac.authorization.k8s.io": "Role RoleBinding ClusterRole ClusterRoleBinding",
    "storage.k8s.io": "StorageClass CSIDriver CSINode VolumeAttachment CSIStorageCapacity",
    "scheduling.k8s.io": "PriorityClass",
    "admissionregistration.k8s.io": "MutatingWebhookConfiguration ValidatingWebhookConfiguration "
    "ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding MutatingAdmissionPolicy MutatingAdmissionPolicyBinding",
    "apiextensions.k8s.io": "CustomResourceDefinition",
    "coordination.k8s.io": "Lease",
    "events.k8s.io": "Event",
    "discovery.k8s.io": "EndpointSlice",
    "node.k8s.io": "RuntimeClass",
    "certificates.k8s.io": "CertificateSigningRequest",
}
KIND_GROUPS: dict[str, frozenset[str]] = {
    kind: frozenset(group for group, kinds in _GROUP_KINDS.items() if kind in kinds.split())
    for kind in {kind for kinds in _GROUP_KINDS.values() for kind in kinds.split()}
}


def misplaced_kind(api_version: Any, kind: Any) -> str | None:
    """Where a well-known built-in kind really is when a built-in group that does not
    serve it is named (`apps/v1` Service: "v1"), or a group without a dot that is not
    Kubernetes' own (`app/v1`); None when the pair is possible."""
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    group = api_version.rpartition("/")[0]
    if kind not in KIND_GROUPS:
        return None
    if group and "." not in group and group not in BUILT_IN_GROUPS and "/" not in group:
        # A group without a dot is Kubernetes' own or none: a custom resource's group is
        # a domain with a dot (the API server refuses a CRD's without one). kops'
        # route53-mapper says `app/v1` (corpus27).
        return _where(kind)
    if group not in BUILT_IN_GROUPS or group in KIND_GROUPS[kind]:
        return None
    return _where(kind)


#: The version each built-in group serves its kinds at (`served_api_version`).
_SERVED_VERSIONS = {
    "": "v1",
    "apps": "v1",
    "batch": "v1",
    "networking.k8s.io": "v1",
    "policy": "v1",
    "autoscaling": "v2",
    "rbac.authorization.k8s.io": "v1",
    "storage.k8s.io": "v1",
    "scheduling.k8s.io": "v1",
    "admissionregistration.k8s.io": "v1",
    "apiextensions.k8s.io": "v1",
    "coordination.k8s.io": "v1",
    "discovery.k8s.io": "v1",
    "node.k8s.io": "v1",
    "certificates.k8s.io": "v1",
}


def served_api_version(kind: str) -> str | None:
    """The apiVersion Kubernetes serves a well-known kind at (`Deployment`: `apps/v1`);
    None when it is served by two groups (`Event`) or no longer at all."""
    groups = KIND_GROUPS.get(kind, frozenset()) - {"extensions"}
    if len(groups) != 1 or kind == "PodSecurityPolicy":  # (PodSecurityPolicy: removed in 1.25)
        return None
    group = next(iter(groups))
    version = _SERVED_VERSIONS.get(group)
    if version is None:
        return None
    return f"{group}/{version}" if group else version


def _where(kind: str) -> str:
    groups = sorted(KIND_GROUPS[kind] - {"extensions"}) or ["extensions"]  # (extensions: removed in 1.22)
    return " or ".join(group or "the core group (v1)" for group in groups)


def is_custom_api_version(api_version: Any) -> bool:
    """Whether an apiVersion belongs to a custom resource (a group Kubernetes does not serve)."""
    if not isinstance(api_version, str) or not api_version:
        return False
    group = api_version.rpartition("/")[0]
    return group not in BUILT_IN_GROUPS


def builtin_pod_spec_path(api_version: Any, kind: Any) -> Path | None:
    """Where a built-in pod-bearing kind keeps its pod spec; None for other kinds and
    for a custom resource that shares a name with one (Volcano's `batch.volcano.sh`
    Job is no `batch/v1` Job: its pod templates are found as any custom resource's)."""
    if not isinstance(kind, str) or is_custom_api_version(api_version):
        return None
    return POD_SPEC_PATHS.get(kind)


# The three lists of containers in a pod spec, in the order kubelet starts them.
CONTAINER_LISTS: tuple[tuple[str, str], ...] = (
    ("initContainers", "init container"),
    ("containers", "container"),
    ("ephemeralContainers", "ephemeral container"),
)


@dataclass(frozen=True)
class Container:
    """One container of a pod spec, with the path of its entry."""

    spec: Mapping[str, Any]
    path: Path
    list_name: str  # "containers", "initContainers" or "ephemeralContainers"
    role: str  # "container", "init container" or "ephemeral container"

    @property
    def name(self) -> Any:
        return self.spec.get("name")

    @property
    def label(self) -> str:
        """How messages name it: `container "app"`, `init container #0`."""
        if isinstance(self.name, str):
            return f'{self.role} "{self.name}"'
        return f"{self.role} #{self.path[-1]}"

    @property
    def is_init(self) -> bool:
        return self.list_name == "initContainers"

    @property
    def is_ephemeral(self) -> bool:
        return self.list_name == "ephemeralContainers"

    def get(self, *keys: str | int) -> Any:
        return get(self.spec, *keys)

    def command_line(self) -> list[Any] | None:
        """The words of its `command` then its `args`, as written (not only strings);
        None when either, or one of their words, is not known yet (preview)."""
        command, args = self.get("command"), self.get("args")
        if is_unknown(command) or is_unknown(args):
            return None
        words = [*as_list(command), *as_list(args)]
        return None if any(is_unknown(word) for word in words) else words


@dataclass(frozen=True)
class PodSpec:
    """The pod spec of a pod-bearing object, with its path."""

    spec: Mapping[str, Any]
    path: Path

    def get(self, *keys: str | int) -> Any:
        return get(self.spec, *keys)


@dataclass
class Resource:
    """One object to judge. `props` is plain data (see `policypack.values`)."""

    type: str  # Pulumi type token; offline Kubernetes objects get the equivalent token
    props: Mapping[str, Any]
    kind: str | None = None  # Kubernetes kind, None for other resources
    api_version: str | None = None
    urn: str | None = None  # Pulumi resources only (rules ignore it)
    logical_name: str | None = None  # Pulumi's name for it, when it has one
    # Which cluster a Kubernetes object goes to: its provider's URN in Pulumi mode,
    # None offline (one lint run is one cluster). Stack rules never mix clusters.
    cluster: str | None = None
    # Set on a view of one pod template of a custom resource (see `pod_views`): the
    # path of that pod spec, which `pod_spec` and `containers()` then read.
    pod_path: Path | None = None
    # Values Pulumi marks as secrets (`pulumi.secret`, `config.requireSecret`, secret
    # outputs): kept encrypted in config and state, so not literals in plain text.
    # The paths of those values; always empty for manifests.
    secret_paths: tuple[Path, ...] = ()
    # Offline only: how a build in the run deploys an image written in this object
    # (policypack/builds.py): the image as written (stripped) -> the references a
    # kustomize overlay deploys it as, or () when skaffold builds it and deploys it by
    # digest. Images no build changes are not listed; always empty in Pulumi, whose
    # objects are already as deployed.
    deployed_images: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Offline only: for each outermost kustomization of the run that deploys this
    # object, the labels it adds to its labels, selectors and pod templates
    # (`commonLabels`, policypack/builds.py); empty when none deploys it.
    added_labels: tuple[Mapping[str, str], ...] = ()
    # Offline only: the namespace the kustomizations that deploy this object set
    # (`namespace:`, policypack/builds.py), which replaces the one written; None
    # when none sets one, UNKNOWN when overlays put it in different namespaces.
    deployed_namespace: Any = None
    # Offline only: for each outermost kustomization that deploys this object, the
    # labels its patches set on it (policypack/builds.py); empty when none does.
    patched_labels: tuple[Mapping[str, str], ...] = ()
    # Offline only: the paths a kustomize patch of the run writes in this object (list
    # positions as "*"); as deployed, those fields are what an overlay makes them.
    patched_paths: frozenset[tuple[Any, ...]] = frozenset()
    # Offline only: the value a patch writes at each of those paths when the overlays
    # agree on it, UNKNOWN otherwise (policypack/builds.py `patched_values`).
    patched_values: Mapping[tuple[Any, ...], Any] = field(default_factory=dict)
    # Offline only: the names the kustomizations that deploy this object give it
    # (`namePrefix`, `nameSuffix`), when they differ from the written one.
    deployed_names: frozenset[str] = frozenset()
    # Offline only: the label fields whose written values the kustomizations overwrite
    # (`commonLabels`), with what they write there (policypack/common_labels.py).
    overwritten_labels: Mapping[tuple[Any, ...], str] = field(default_factory=dict)
    # Offline only: a stand-in for an object the API server would refuse (a Deployment
    # written `apiVersion: v1`), read at the apiVersion its kind is served at. It is
    # what the author meant to deploy, so it counts for the other objects' verdicts
    # (the Service selecting its pods), and is never judged itself: its input error
    # is its one finding.
    stand_in: bool = False

    def deployed_value(self, *path: Any) -> Any:
        """The field's value as deployed: offline, the value a kustomize patch of the
        run writes there when every overlay writes the same one (UNKNOWN when they
        differ or the patch replaces what holds it), else the value written here."""
        if self.patched(*path):
            return self.patched_values.get(tuple(path), UNKNOWN)
        return self.get(*path)

    def patched(self, *path: Any) -> bool:
        """Whether a patch of the run writes this field, or inside it, or replaces a
        field that holds it: then the value written here may not be the one deployed.
        A list entry the patch names (`name=app`, a strategic merge by name) is the
        entry of that name here; one it places by position (`*`) may be any."""
        if not self.patched_paths:
            return False
        for patched in self.patched_paths:
            steps = zip(path, patched, strict=False)  # as far as the shorter goes
            if all(self._same_step(path[:i], a, b) for i, (a, b) in enumerate(steps)):
                return True
        return False

    def _same_step(self, prefix: tuple[Any, ...], key: Any, patched: Any) -> bool:
        if key == patched or "*" in (key, patched):
            return True
        if isinstance(patched, str) and patched.startswith("name=") and isinstance(key, int):
            entry = get(self.props, *prefix, key)
            return isinstance(entry, Mapping) and entry.get("name") == patched[len("name=") :]
        return False

    def is_secret(self, path: Path) -> bool:
        """Whether the value at `path` (or a value containing it) is a Pulumi secret."""
        return any(path[: len(secret)] == secret for secret in self.secret_paths)

    # Offline, the file it was read from (None in Pulumi): among alternative copies of
    # one object in a set, the copy in the asking object's own file is the one meant.
    source: str | None = None

    @property
    def is_custom_resource(self) -> bool:
        return self.kind is not None and is_custom_api_version(self.api_version)

    @property
    def display_name(self) -> str:
        """How messages name it: `Deployment web`, `Job (generateName: migrate-)`."""
        name = self.name
        if isinstance(name, str) and name:
            return f"{self.kind} {name}"
        if name is UNKNOWN:
            return f"{self.kind} (name not known yet)"
        prefix = get(self.props, "metadata", "generateName")
        if isinstance(prefix, str) and prefix:
            return f"{self.kind} (generateName: {prefix})"
        return f"{self.kind} (no name)"

    @property
    def is_kubernetes(self) -> bool:
        return self.kind is not None

    @cached_property
    def metadata(self) -> Mapping[str, Any]:
        return as_mapping(self.props.get("metadata"))

    @property
    def name(self) -> Any:
        return get(self.props, "metadata", "name")  # UNKNOWN when the metadata is

    @property
    def namespace(self) -> Any:
        """The object's namespace: the one a kustomization of the run deploys it in,
        else `metadata.namespace` (None when it names none)."""
        if self.deployed_namespace is not None and self.kind not in CLUSTER_SCOPED_KINDS:
            return self.deployed_namespace
        return get(self.props, "metadata", "namespace")

    @property
    def annotations(self) -> Mapping[str, Any]:
        return as_mapping(self.metadata.get("annotations"))

    @property
    def labels(self) -> Mapping[str, Any]:
        return as_mapping(self.metadata.get("labels"))

    def get(self, *keys: str | int) -> Any:
        return get(self.props, *keys)

    @cached_property
    def builtin_pod_path(self) -> Path | None:
        """`builtin_pod_spec_path` of this object."""
        return builtin_pod_spec_path(self.api_version, self.kind)

    @cached_property
    def pod_spec_paths(self) -> tuple[Path, ...]:
        """Where this object keeps pod specs: a pod-bearing kind's one place, the pod
        templates found in a custom resource (`find_pod_specs`), or none."""
        if self.pod_path is not None:
            return (self.pod_path,)
        known = self.builtin_pod_path
        if known is not None:
            return (known,)
        if self.kind is None or not is_custom_api_version(self.api_version):
            return ()
        return tuple(find_pod_specs(self.props))

    def pod_views(self) -> list[Resource]:
        """One view of this custom resource per pod template it holds: the same
        object (props, name, paths from its root), whose `pod_spec` is that template's.
        Pod rules judge each view; findings land on the object itself."""
        if self.pod_path is not None or self.builtin_pod_path is not None:
            return []
        return [
            Resource(
                type=self.type,
                props=self.props,
                kind=self.kind,
                api_version=self.api_version,
                urn=self.urn,
                logical_name=self.logical_name,
                cluster=self.cluster,
                pod_path=path,
                secret_paths=self.secret_paths,
                deployed_images=self.deployed_images,
                added_labels=self.added_labels,
                deployed_namespace=self.deployed_namespace,
                patched_labels=self.patched_labels,
                patched_paths=self.patched_paths,
                patched_values=self.patched_values,
                deployed_names=self.deployed_names,
            )
            for path in self.pod_spec_paths
        ]

    @cached_property
    def pod_spec(self) -> PodSpec | None:
        """The pod spec of a pod-bearing kind (or of a pod template view of a custom
        resource), or None (other kinds, unknown, malformed)."""
        path = self.pod_path or self.builtin_pod_path
        if path is None:
            return None
        spec = get(self.props, *path)
        if not isinstance(spec, Mapping):
            return None
        return PodSpec(spec=spec, path=path)

    @property
    def pod_metadata_path(self) -> Path | None:
        """Where the pod template's metadata is (`spec.template.metadata`), or the
        object's own for a Pod; None for kinds without a pod spec."""
        path = self.pod_path or self.builtin_pod_path
        if path is None:
            return None
        return path[:-1] + ("metadata",)

    @property
    def pod_labels(self) -> Any:
        """The labels its pods get (the template's; a Pod's own), None for other kinds;
        UNKNOWN when not known yet."""
        path = self.pod_metadata_path
        if path is None:
            return None
        labels = get(self.props, *path, "labels")
        return {} if labels is None else labels

    def containers(self, *, init: bool = True, ephemeral: bool = True) -> Iterator[Container]:
        """Every container of the pod spec with its path; entries that are not
        mappings (or are unknown) are skipped."""
        pod = self.pod_spec
        if pod is None:
            return
        for list_name, role in CONTAINER_LISTS:
            if (list_name == "initContainers" and not init) or (list_name == "ephemeralContainers" and not ephemeral):
                continue
            for index, entry in enumerate(as_list(pod.spec.get(list_name))):
                if isinstance(entry, Mapping):
                    yield Container(entry, pod.path + (list_name, index), list_name, role)

    def container_at(self, path: Path) -> Container | None:
        """The container whose entry contains `path`, if any (used to name it in findings)."""
        for pod_path in self.pod_spec_paths:
            if len(path) < len(pod_path) + 2 or path[: len(pod_path)] != pod_path:
                continue
            list_name, index = path[len(pod_path)], path[len(pod_path) + 1]
            for name, role in CONTAINER_LISTS:
                if name == list_name and isinstance(index, int):
                    entry = get(self.props, *pod_path, list_name, index)
                    if isinstance(entry, Mapping):
                        return Container(entry, pod_path + (list_name, index), list_name, role)
        return None


# --- Type tokens ------------------------------------------------------------------

# azure-native registers every resource under its default token and again under one
# token per Azure API version (`azure-native:containerservice/v20240801:ManagedCluster`,
# `.../v20240502preview:...`), with the same camelCase inputs. Rules name the default
# token; `canonical_type` maps the versioned ones onto it.
_AZURE_VERSIONED = re.compile(r"^(?P<module>azure-native:[^:/]+)/v\d{8}[a-z]*:(?P<kind>[^:/]+)$")


@functools.lru_cache(maxsize=1024)
def canonical_type(token: str) -> str:
    """The token rules target for a Pulumi type token: a versioned azure-native token
    becomes the default one (`azure-native:containerservice/v20240801:ManagedCluster`
    -> `azure-native:containerservice:ManagedCluster`); every other token is itself.
    The registry, the engine's resources and the adapter's `may_apply` all use this."""
    match = _AZURE_VERSIONED.match(token)
    return f"{match['module']}:{match['kind']}" if match else token


# --- Kubernetes objects from manifests or Pulumi type tokens ---------------------

# `kubernetes:<group>/<version>:<Kind>`: `core/v1`, `apps/v1`, `networking.k8s.io/v1`,
# and for custom resources whatever their CRD says (pulumi-kubernetes registers a
# CustomResource as `kubernetes:<apiVersion>:<kind>`). Pulumi writes the core group as
# "core".
_K8S_TOKEN = re.compile(r"^kubernetes:(?P<group>[^:/]+)/(?P<version>[^:/]+):(?P<kind>[^:/]+)$")

_NOT_MANIFEST_GROUPS = frozenset({"helm.sh", "yaml", "kustomize"})


@functools.lru_cache(maxsize=1024)  # also shares the string among the objects of a kind
def kubernetes_token(api_version: str, kind: str) -> str:
    """The Pulumi type token of a manifest: `apps/v1` + `Deployment` ->
    `kubernetes:apps/v1:Deployment`, `v1` + `Service` -> `kubernetes:core/v1:Service`."""
    group, _, version = api_version.rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{kind}"


@functools.lru_cache(maxsize=1024)
def parse_kubernetes_token(token: str) -> tuple[str, str] | None:
    """(apiVersion, kind) for a Pulumi type token that holds a Kubernetes manifest,
    None for everything else (cloud resources, Helm/YAML components, patches)."""
    match = _K8S_TOKEN.match(token)
    if match is None:
        return None
    group, version, kind = match["group"], match["version"], match["kind"]
    if group in _NOT_MANIFEST_GROUPS or kind.endswith("Patch"):
        # `*Patch` resources hold partial objects: judging them as whole objects
        # would report every field they leave out.
        return None
    api_version = version if group == "core" else f"{group}/{version}"
    return api_version, kind


def manifest_objects(
    manifest: Mapping[str, Any], base: Path = (), skipped: list[Path] | None = None
) -> Iterator[tuple[Mapping[str, Any], Path]]:
    """The objects in a manifest with the path of each inside it: the manifest
    itself, or each item of a `List` / `*List` (recursively).

    Items of a typed list (`PodList`) may leave out `kind` and `apiVersion`, as the
    API server's list responses do; they get the list's. Items that are still not
    Kubernetes objects are left out, and their paths added to `skipped`."""
    kind = manifest.get("kind")
    items = manifest.get("items")
    if not (isinstance(kind, str) and kind.endswith("List") and isinstance(items, list)):
        yield manifest, base
        return
    for index, item in enumerate(items):
        path = base + ("items", index)
        if isinstance(item, Mapping) and kind != "List" and "kind" not in item and "apiVersion" not in item:
            item = {"apiVersion": manifest.get("apiVersion"), "kind": kind[: -len("List")], **item}
        if is_kubernetes_manifest(item):
            yield from manifest_objects(item, path, skipped)
        elif skipped is not None:
            skipped.append(path)


def resource_from_manifest(manifest: Mapping[str, Any], urn: str | None = None, token: str | None = None) -> Resource:
    """A Resource for one Kubernetes object (`apiVersion` and `kind` are strings)."""
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    return Resource(
        type=token or kubernetes_token(api_version, kind),
        props=manifest,
        kind=kind,
        api_version=api_version,
        urn=urn,
    )


def is_kubernetes_manifest(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("kind"), str) and isinstance(data.get("apiVersion"), str)


__all__ = [
    "BUILT_IN_GROUPS",
    "CLUSTER_SCOPED_KINDS",
    "CUSTOM_RESOURCES",
    "KIND_GROUPS",
    "POD_KINDS",
    "UNKNOWN",
    "Container",
    "PodSpec",
    "Resource",
    "canonical_type",
    "find_pod_specs",
    "is_custom_api_version",
    "is_kubernetes_manifest",
    "kubernetes_token",
    "manifest_objects",
    "misplaced_kind",
    "parse_kubernetes_token",
    "resource_from_manifest",
]
