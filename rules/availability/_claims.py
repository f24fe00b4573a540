"""The PersistentVolumeClaims a workload's pods mount by name, and how many nodes can
mount each: what decides whether a second pod (a replica, or the next version during
a rolling update) can run beside the first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.stack import Stack
from policypack.values import UNKNOWN, as_list, get, is_unknown

from ..workload_hardening._node_paths import node_own_path

#: Access modes that let pods on several nodes mount one claim.
SHARED_MODES = ("ReadWriteMany", "ReadOnlyMany")
#: Access modes of a claim one node (or one pod) at a time mounts.
EXCLUSIVE_MODES = ("ReadWriteOnce", "ReadWriteOncePod")


def mounted_claims(stack: Stack, obj: Resource, view: Resource) -> Iterator[tuple[Any, Any]]:
    """(claim name, access modes) of each claim the pods mount by name: the modes a
    list from the claim in the set; UNKNOWN when the claim is not in the set (defined
    elsewhere) or not decided, or when the volumes are not known yet (then the name
    is UNKNOWN too)."""
    pod = view.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    templates = per_pod_claims(obj)
    if volumes is UNKNOWN or templates is None:
        yield UNKNOWN, UNKNOWN
        return
    namespace = stack.namespace_of(obj)
    for volume in as_list(volumes):
        if volume is UNKNOWN:
            yield UNKNOWN, UNKNOWN
            continue
        if isinstance(volume, Mapping) and isinstance(volume.get("name"), str) and volume.get("name") in templates:
            continue  # replaced by the StatefulSet's claim of that name, one per pod
        name = get(volume, "persistentVolumeClaim", "claimName") if isinstance(volume, Mapping) else None
        if name is None:
            continue
        if not isinstance(name, str):
            yield UNKNOWN, UNKNOWN
            continue
        claim = stack.find("PersistentVolumeClaim", name, namespace if isinstance(namespace, str) else None, near=obj)
        if not isinstance(claim, Resource):
            yield name, UNKNOWN
            continue
        yield name, claim.get("spec", "accessModes")


def per_pod_claims(obj: Resource) -> set[str] | None:
    """The names of a StatefulSet's `volumeClaimTemplates`: the controller gives each
    pod its own claim of that name, in place of a pod volume of the same name (dgraph's
    `datadir`, declared in both). Empty for other kinds; None when not known yet."""
    if obj.kind != "StatefulSet":
        return set()
    templates = obj.get("spec", "volumeClaimTemplates")
    if templates is UNKNOWN:
        return None
    names = set()
    for template in as_list(templates):
        if is_unknown(template):
            return None  # a template not known yet
        name = get(template, "metadata", "name") if isinstance(template, Mapping) else None
        if is_unknown(name):
            return None
        if isinstance(name, str):
            names.add(name)
    return names


def mounted_claim_objects(stack: Stack, obj: Resource) -> Iterator[tuple[str, Resource]]:
    """(claim name, the claim) of each claim the workload's pods mount by name that
    the set decides (its nearest copy); claims not in the set, or not known yet, are
    left out."""
    pod = obj.pod_spec
    namespace = stack.namespace_of(obj)
    templates = per_pod_claims(obj)
    if pod is None or not isinstance(namespace, str) or templates is None:
        return
    for volume in as_list(pod.get("volumes")):
        if isinstance(volume, Mapping) and isinstance(volume.get("name"), str) and volume.get("name") in templates:
            continue  # the StatefulSet's claim of that name, one per pod
        name = get(volume, "persistentVolumeClaim", "claimName") if isinstance(volume, Mapping) else None
        if isinstance(name, str):
            claim = stack.find("PersistentVolumeClaim", name, namespace, near=obj)
            if isinstance(claim, Resource):
                yield name, claim


#: PersistentVolume sources that are a directory or disk of one node.
NODE_LOCAL_SOURCES = ("hostPath", "local")


def bound_to_node_local_volume(stack: Stack, obj: Resource) -> bool | None:
    """Whether a claim the pods mount is bound to a PersistentVolume of the set that is
    one node's directory (`hostPath`, `local`): by the claim's `volumeName` or the
    volume's `claimRef`. Whatever access mode the claim declares (corpus23's Slurm
    `ReadWriteMany` claim on a hostPath volume at /tmp/pv), pods on another node see
    another directory, so sharing the data keeps the pods on that node. None when a
    binding or a volume's source is not known yet."""
    volumes = stack.of_kind("PersistentVolume")
    if not volumes:
        return False
    namespace = stack.namespace_of(obj)
    if not isinstance(namespace, str):
        return None  # which claims it mounts is not known yet
    undecided = False
    for name, claim in mounted_claim_objects(stack, obj):
        bound = claim.get("spec", "volumeName")
        undecided = undecided or bound is UNKNOWN
        for volume in volumes:
            sources = [volume.get("spec", source) for source in NODE_LOCAL_SOURCES]
            if any(source is UNKNOWN for source in sources):
                undecided = True
                continue
            if all(source is None for source in sources):
                continue
            ref_name = volume.get("spec", "claimRef", "name")
            ref_namespace = volume.get("spec", "claimRef", "namespace")
            if UNKNOWN in (volume.name, ref_name, ref_namespace):
                undecided = True
                continue
            if (ref_name == name and ref_namespace in (None, namespace)) or (
                isinstance(bound, str) and volume.name == bound
            ):
                return True
    return None if undecided else False


#: Volume sources of a network disk attached to the node, read-write to one node at a
#: time (in-tree volume types, which CSI migration still serves as written).
INLINE_DISKS = (
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "azureDisk",
    "cinder",
    "vsphereVolume",
    "rbd",
    "iscsi",
    "fc",
)


def inline_disk(view: Resource) -> Any:
    """The first pod volume that is a network disk written in the pod spec and
    attached read-write (Tyk's `gcePersistentDisk: gke-tyk-gateway`): one node at a
    time mounts it, as with a ReadWriteOnce claim. Its name, None when there is none,
    UNKNOWN when not known yet."""
    pod = view.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    if volumes is UNKNOWN:
        return UNKNOWN
    for volume in as_list(volumes):
        if volume is UNKNOWN:
            return UNKNOWN
        if not isinstance(volume, Mapping):
            continue
        for source in INLINE_DISKS:
            disk = volume.get(source)
            if disk is None:
                continue
            read_only = disk.get("readOnly") if isinstance(disk, Mapping) else UNKNOWN
            if disk is UNKNOWN or read_only is UNKNOWN:
                return UNKNOWN
            if read_only is not True:
                name = volume.get("name")
                return name if isinstance(name, str) else UNKNOWN
    return None


def exclusive(modes: Any) -> bool | None:
    """Whether a claim with these access modes can only be mounted on one node (or by
    one pod); None when not known."""
    if modes is UNKNOWN:
        return None
    listed = as_list(modes)
    if any(mode is UNKNOWN for mode in listed):
        return None
    if any(mode in SHARED_MODES for mode in listed):
        return False
    return any(mode in EXCLUSIVE_MODES for mode in listed) or None


def exclusive_claims(stack: Stack, obj: Resource, view: Resource) -> tuple[list[tuple[str, bool]], bool]:
    """The claims the pods mount by name that the set defines as mountable on one node
    only, as (name, whether ReadWriteOncePod: one pod only), and whether another may
    be: a volume not known yet, or a claim whose access mode the set does not show."""
    found, undecided = [], False
    for name, modes in mounted_claims(stack, obj, view):
        if name is UNKNOWN:
            return found, True
        held = exclusive(modes)
        if held is True:
            found.append((name, "ReadWriteOncePod" in as_list(modes)))
        elif held is None:
            undecided = True
    return found, undecided


def data_on_one_node(view: Resource) -> bool | None:
    """Whether a container writes its data to a hostPath directory of the node
    (Plex's `/data/plex-config`): a second replica on another node starts from an
    empty directory, on the same node shares the files. Not the node's own paths
    (devices, logs, runtime state), nor a read-only mount. None when not known yet."""
    pod = view.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    if volumes is UNKNOWN:
        return None
    on_node = {}
    for volume in as_list(volumes):
        path = get(volume, "hostPath", "path") if isinstance(volume, Mapping) else None
        if path is UNKNOWN or volume is UNKNOWN:
            return None
        if isinstance(path, str) and not node_own_path(path):
            if not isinstance(volume.get("name"), str):
                return None  # which mount reads it is not known yet
            on_node[volume["name"]] = path
    if not on_node:
        return False
    return writes_to(view, set(on_node))


def writes_to(view: Resource, names: set[str]) -> bool | None:
    """Whether a regular container mounts one of these pod volumes read-write; None
    when a mount that may be one of them is not known yet."""
    undecided = False
    for container in view.containers(init=False, ephemeral=False):
        mounts = container.get("volumeMounts")
        if mounts is UNKNOWN:
            undecided = True
            continue
        for mount in as_list(mounts):
            if mount is UNKNOWN or (isinstance(mount, Mapping) and mount.get("name") is UNKNOWN):
                undecided = True
                continue
            if not isinstance(mount, Mapping) or mount.get("name") not in names:
                continue
            read_only = mount.get("readOnly")
            if read_only is UNKNOWN:
                undecided = True
            elif read_only is not True:
                return True
    return None if undecided else False


def keeps_data_per_pod(obj: Resource) -> bool | None:
    """Whether a StatefulSet's containers write to a claim of its own per pod (a
    `volumeClaimTemplates` entry mounted read-write): a second pod starts on an empty
    volume, so it is a replica only if the program copies its data between its pods,
    which a manifest of plain pods does not show (corpus24's bitwarden_rs on SQLite and
    Nexus OSS; corpus14's WordPress on SQLite, corpus8's Jenkins). None when not known
    yet."""
    templates = per_pod_claims(obj)
    if templates is None:
        return None
    return writes_to(obj, templates) if templates else False


def claims_one_volume(obj: Resource) -> bool | None:
    """Whether a StatefulSet's claim template names one PersistentVolume
    (`spec.volumeName`): every replica's claim asks for that volume, and only the
    first binds it. None when not known yet."""
    if obj.kind != "StatefulSet":
        return False
    templates = obj.get("spec", "volumeClaimTemplates")
    if templates is UNKNOWN:
        return None
    undecided = False
    for template in as_list(templates):
        name = get(template, "spec", "volumeName") if isinstance(template, Mapping) else UNKNOWN
        if name is UNKNOWN:
            undecided = True
        elif isinstance(name, str) and name:
            return True
    return None if undecided else False


#: The node label that names one node.
HOSTNAME_LABEL = "kubernetes.io/hostname"


def pinned_to_one_node(view: Resource) -> bool | None:
    """Whether every pod of the workload runs on one named node: `nodeName`, a
    `nodeSelector` on `kubernetes.io/hostname`, or a required node affinity whose every
    term names one host. A ReadWriteOnce claim is mounted by every pod of that node
    (corpus37's bugbarn, pinned to `layer7-prod` on local-path claims). None when a
    value that may pin it is not known yet."""
    host = pinned_host(view)
    return None if is_unknown(host) else host is not None


def pinned_host(view: Resource) -> Any:
    """The one node every pod of the workload runs on (see `pinned_to_one_node`); None
    when not pinned to one, UNKNOWN when a value that may pin it is not known yet."""
    pod = view.pod_spec
    if pod is None:
        return UNKNOWN
    node_name = pod.get("nodeName")
    hostname = pod.get("nodeSelector", HOSTNAME_LABEL)
    if is_unknown(node_name) or is_unknown(hostname) or is_unknown(pod.get("nodeSelector")):
        return UNKNOWN
    if isinstance(node_name, str) and node_name:
        return node_name
    if isinstance(hostname, str) and hostname:
        return hostname
    terms = pod.get("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    if is_unknown(terms):
        return UNKNOWN
    hosts: set[str] = set()
    undecided = False
    for term in as_list(terms):
        named = _one_host(term)
        if named is None:
            return None  # a term that allows any host
        if is_unknown(named):
            undecided = True
        else:
            hosts.add(named)
    if undecided:
        return UNKNOWN if len(hosts) <= 1 else None
    return hosts.pop() if len(hosts) == 1 else None


def _one_host(term: Any) -> Any:
    """The one host a node selector term requires (`kubernetes.io/hostname In [x]`);
    None when it requires none, UNKNOWN when a part that may is not known yet."""
    expressions = get(term, "matchExpressions")
    if is_unknown(term) or is_unknown(expressions):
        return UNKNOWN
    undecided = False
    for expression in as_list(expressions):
        if is_unknown(expression) or (isinstance(expression, Mapping) and is_unknown(expression.get("key"))):
            undecided = True
            continue
        if not isinstance(expression, Mapping) or expression.get("key") != HOSTNAME_LABEL:
            continue
        operator, values = expression.get("operator"), expression.get("values")
        if is_unknown(operator) or is_unknown(values) or (isinstance(values, list) and any(map(is_unknown, values))):
            undecided = True
        elif operator == "In" and isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
            return values[0]
    return UNKNOWN if undecided else None
