"""PersistentVolumes do not expose a node directory through hostPath.

Fires on every PersistentVolume with a `hostPath` source. Names what it is when the
path is a container runtime socket or a directory that holds one. Volumes made one per
replica, their names and directories the same but for a replica's mark, with one
storage class (`pv-consul-a` on `/opt/kind-data/consul-a`, `-b`, `-c`), get one
finding, on the first, naming the others; so do the volumes of one storage class
under one area of the node (`/srv/media/movies` and `/srv/media/series`: one
storage choice; a directory at the top, `/data`, `/srv`, is a choice of its own).
`local`
PersistentVolumes (a node's disk, pinned to that node by `nodeAffinity`) are the
supported way to use node storage and are not reported.

Why it matters:
    Pod Security admission never sees PersistentVolumes: a pod that passes the
    Restricted level, which forbids hostPath volumes, mounts the node directory
    anyway through a claim bound to such a volume. The directory is on whatever node
    the pod lands on (hostPath is not pinned to a node), so data is silently
    per-node, and a path like /var/run or / hands over the node itself.

How to fix:
    Use a `local` volume pinned to its node, or a CSI driver or StorageClass:

        spec:
          local:
            path: /mnt/disks/models
          nodeAffinity:
            required:
              nodeSelectorTerms:
                - matchExpressions:
                    - {key: kubernetes.io/hostname, operator: In, values: [node-1]}

Notes:
    Single-node development clusters (kind, minikube) provision hostPath volumes
    for every claim; judge their generated objects with an exemption rather than
    turn the rule off for real clusters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import Stack
from policypack.values import is_unknown

from ._node_paths import normalized, runtime_socket


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    groups: dict[Any, list[tuple[Resource, str | None]]] = {}
    undecided: list[tuple[Resource, str | None, str | None]] = []  # (volume, path, its stem)
    for volume in stack.of_kind("PersistentVolume"):
        if volume.is_custom_resource:
            continue
        source = volume.get("spec", "hostPath")
        if not isinstance(source, Mapping):
            continue
        path = source.get("path")
        socket = runtime_socket(path)
        if socket is not None:
            yield StackViolation(
                volume,
                ("spec", "hostPath", "path"),
                f"PersistentVolume mounts {socket[0]} from the node: a pod bound to it that runs as root controls "
                "every container on that node (node takeover)",
            )
            continue
        shown = normalized(path)
        stem = _replica_stem(volume, shown)
        storage_class = volume.get("spec", "storageClassName")
        if is_unknown(path) or (stem is not None and is_unknown(storage_class)):
            undecided.append((volume, shown, stem))  # it may be one of a group's replicas
            continue
        if stem is not None:
            key: tuple[Any, ...] = ("replicas", stem, repr(storage_class))
        else:
            key = ("volume", id(volume))
        groups.setdefault(key, []).append((volume, shown))
    stems = {key[1] for key in groups if key[0] == "replicas"}
    for volume, shown, stem in undecided:
        if not (groups if shown is None else stem in stems):
            groups[("volume", id(volume))] = [(volume, shown)]
    claimed = _claim_namespaces(stack)
    for members in groups.values():
        first, shown = members[0]
        where = f"the node directory {shown}" if shown else "a node directory"
        others = [str(volume.name) for volume, _ in members[1:]]
        listed = ", ".join(others[:4]) + (", ..." if len(others) > 4 else "")
        also = f"; so {'do' if len(others) > 1 else 'does'} {listed} beside it" if others else ""
        yield StackViolation(
            first,
            ("spec", "hostPath"),
            f"PersistentVolume exposes {where} through hostPath, out of Pod Security admission's sight{also}",
            cause=_area_cause(first, shown, claimed) if not others else None,
        )


def _claim_namespaces(stack: Stack) -> dict[Any, Any]:
    """PersistentVolume name -> the namespace of the claim bound to it (its `claimRef`,
    or a claim of the set naming it in `volumeName`)."""
    found: dict[Any, Any] = {}
    for claim in stack.of_kind("PersistentVolumeClaim"):
        volume = claim.get("spec", "volumeName")
        if isinstance(volume, str):
            found[volume] = stack.namespace_of(claim)
    for volume in stack.of_kind("PersistentVolume"):
        namespace = volume.get("spec", "claimRef", "namespace")
        if isinstance(volume.name, str) and isinstance(namespace, str):
            found[volume.name] = namespace
    return found


def _area_cause(volume: Resource, shown: str | None, claimed: Mapping[Any, Any]) -> str | None:
    """The cause hostPath volumes of one class under one area of the node share (one
    storage choice: corpus42's Plex, config, movies, series and other media under
    `/path/to`), told apart by the namespace of the claims bound to them (another
    app's volumes are another choice). None for a directory at the top (`/data`)."""
    area = _area(shown)
    storage_class = volume.get("spec", "storageClassName")
    if area is None or is_unknown(storage_class) or not isinstance(volume.name, str):
        return None
    namespace = claimed.get(volume.name)
    if is_unknown(namespace):
        return None
    of_class = f" of class {storage_class}" if isinstance(storage_class, str) else ""
    for_claims = f" for claims in namespace {namespace}" if isinstance(namespace, str) else ""
    return f"hostPath volumes{of_class} under {area}{for_claims}: one storage choice"


def _area(path: str | None) -> str | None:
    """The first two directories of a path below the root (`/path/to` of
    `/path/to/Movies/dir`); None for a path at the top (`/data`: a choice of its own)."""
    if path is None:
        return None
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) if len(parts) > 2 else None


# A replica's mark at the end of a name or a path: `-a`, `_2`, `0001`.
_REPLICA_MARK = lazy_compile(r"[-_](?:\d+|[a-z])$|\d+$")


def _replica_stem(volume: Resource, shown: str | None) -> str | None:
    """The directory a PersistentVolume made one per replica shares with its siblings,
    but for the replica's marks (`/opt/kind-data/consul` for `pv-consul-a` on
    `/opt/kind-data/consul-a`, `-b`, `-c`: corpus36's Consul on kind; a mark in any of
    its directories, `/data/minio/minio-0/data0`: corpus41); None for a
    volume of its own: a name without such a mark (`media-pv` and `staticfiles-pv`
    side by side are choices reviewers judged one by one, corpus30). A name not
    known yet may have one."""
    name = volume.name
    if not shown or (isinstance(name, str) and _REPLICA_MARK.sub("", name) == name):
        return None
    # Each directory of the path may carry the mark (`/data/minio/minio-0/data0`,
    # `minio-1/data0`, ...: corpus41's MinIO, one volume per replica and disk).
    stem = "/".join(_REPLICA_MARK.sub("", part) for part in shown.split("/"))
    return stem if stem != shown else None


RULE = Rule(
    name="pv-no-host-path",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds={"PersistentVolume", "PersistentVolumeClaim"},
    check=check,
    stack=True,
    tags=("host-path", "storage"),
)
