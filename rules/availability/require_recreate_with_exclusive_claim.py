"""A one-pod Deployment that holds a ReadWriteOnce claim, or a database's data, updates with Recreate.

Fires on a Deployment of one replica (or none set) that updates with a rolling
update able to surge (the default: `maxSurge: 25%`, one pod) while its pod mounts,
by name, a PersistentVolumeClaim the set defines as ReadWriteOnce or
ReadWriteOncePod, or runs a single-instance database (PostgreSQL, MySQL, MongoDB,
Redis, ... as `require-multiple-replicas` knows them) on any claim or on a
`hostPath` directory it writes (not the node's own paths, such as the `/sys` and
`/proc` an init container tunes the kernel through) or on a network filesystem
written in the pod spec (`nfs`, `cephfs`, `glusterfs`, `azureFile`) that holds its
data directory; or mounts a network disk
written in the pod spec and attached read-write (`gcePersistentDisk`,
`awsElasticBlockStore`, `azureDisk`, ...), which one node at a time attaches. A
database server in a later container of the pod (a program bundled with its own
Postgres) counts when its data directory is on a node's directory or on a claim.

Why it matters:
    A rolling update starts the new pod before it stops the old one. A
    ReadWriteOnce volume attaches to one node: a new pod scheduled on another node
    waits for it while the old pod holds it, and with `maxUnavailable: 0` of one
    replica the rollout never finishes. On the same node both pods mount it, and a
    ReadWriteOncePod claim admits no second pod at all. For a database, two servers
    start on one data directory, which most of them can corrupt.

How to fix:
    Stop the old pod first:

        spec:
          strategy:
            type: Recreate

    or keep the rolling update without a surge (`rollingUpdate: {maxSurge: 0,
    maxUnavailable: 1}`). Either way each release briefly stops the pod; a store
    that must stay up needs replication (an operator, a StatefulSet with a claim per
    pod), not a second pod on the same volume.

Notes:
    A claim the set does not show (defined elsewhere) has an access mode the rule
    cannot see, and fires nothing unless the pod runs a database. A count owned by
    an autoscaler, or not known yet, is not judged. `require-rolling-update` leaves
    such a Deployment's `Recreate` alone, so the two rules never ask for opposite
    strategies. The fix (unsafe: each release then stops the pod before starting the
    next) sets `strategy: {type: Recreate}`, or, where the Deployment tunes its
    rolling update, `maxSurge: 0` and `maxUnavailable: 1` in it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN, as_list, as_mapping, get, is_unknown

from .._fixes import writable
from ..workload_hardening._node_paths import node_own_path
from ._autoscalers import Autoscalers
from ._claims import data_on_one_node, exclusive, inline_disk, mounted_claims, pinned_to_one_node
from ._replicas import replicas
from ._stores import runs_single_instance, runs_single_instance_store
from .database_data_not_persisted import data_directories, database_program


def surges(obj: Resource) -> bool | None:
    """Whether the Deployment's update starts a new pod beside its one old pod: a
    rolling update (the default) whose `maxSurge` (default 25%) is not zero. None when
    not known yet."""
    strategy = obj.get("spec", "strategy")
    if is_unknown(strategy):
        return None
    strategy = as_mapping(strategy)
    kind = strategy.get("type")
    if is_unknown(kind):
        return None
    if kind not in (None, "RollingUpdate"):
        return False
    rolling = strategy.get("rollingUpdate")
    if is_unknown(rolling):
        return None
    surge = as_mapping(rolling).get("maxSurge")
    if surge is None:
        return True  # 25%, rounded up: one pod
    if is_unknown(surge):
        return None
    if isinstance(surge, int) and not isinstance(surge, bool):
        return surge > 0
    if isinstance(surge, str):
        text = surge.strip().rstrip("%").strip()
        return not (text.isdigit() and int(text) == 0)
    return True


def _reason(stack: Stack, obj: Resource) -> str | None:
    """What the second pod would share, for the message; None when nothing known."""
    store = runs_single_instance_store(obj)
    if store is True and data_on_one_node(obj) is True:
        # A directory of the node the store writes (not /sys or /proc an init container
        # tunes: corpus18's Redis, whose data is in memory).
        for volume in as_list(obj.pod_spec.get("volumes") if obj.pod_spec is not None else None):
            path = get(volume, "hostPath", "path") if isinstance(volume, Mapping) else None
            if isinstance(path, str) and not node_own_path(path):
                return (
                    f"its database's data on the node's {path}, which a second server would open too "
                    "(or find empty on another node)"
                )
    beside = _database_beside_the_main_container(obj)
    if beside is not None:
        return beside
    disk = inline_disk(obj)
    if disk is UNKNOWN:
        return None
    shared = _shared_filesystem_of_main_container(obj) if store is True else None
    if shared is not None:
        name, kind = shared
        return f'its database\'s data on the {kind} volume "{name}", which a second server would open too'
    if isinstance(disk, str):
        held = "its database's data" if store is True else "the network disk"
        return f'{held} on volume "{disk}", a disk that attaches read-write to one node at a time'
    store_claims = _claims_of_main_container(obj) if store is True else []
    in_use = _mounted_volume_claims(obj)
    for name, modes in mounted_claims(stack, obj, obj):
        if name is UNKNOWN:
            return None
        if in_use is not None and name not in in_use:
            continue  # declared, mounted by no container: it holds nothing (corpus34's MySQL)
        if store is True and store_claims:
            name = store_claims[0]  # the database's own, not its neighbour's
            return f'its database\'s data on claim "{name}", which a second server would open too'
        # (A claim the database does not mount holds none of its data.)
        held = exclusive(modes)
        if held is True and "ReadWriteOncePod" in modes:
            return f'the ReadWriteOncePod claim "{name}", which no second pod can mount while the old one holds it'
        pinned = pinned_to_one_node(obj) if held is True else False
        if pinned is not False:
            # The new pod lands on the old one's node, which mounts the claim for both
            # (corpus37's bugbarn web server): only a program that keeps its state in
            # files must not run twice on them (corpus34's Home Assistant and its SQLite).
            if pinned is True and runs_single_instance(obj) is True:
                return (
                    f'the ReadWriteOnce claim "{name}" on the one node its pods are pinned to, which a second server '
                    "would open too"
                )
            continue
        if held is True:
            return (
                f'the ReadWriteOnce claim "{name}", which a pod on another node cannot mount while the old one holds it'
            )
    return None


#: Network filesystems written in the pod spec, which any number of nodes mount at once.
_SHARED_FILESYSTEMS = {"nfs": "NFS", "cephfs": "CephFS", "glusterfs": "GlusterFS", "azureFile": "Azure Files"}


def _shared_filesystem_of_main_container(obj: Resource) -> tuple[str, str] | None:
    """(volume, filesystem) of a network filesystem written in the pod spec that holds
    the data directory of the pod's first container (the database), mounted
    read-write: corpus29's MySQL on an inline `nfs:` volume at /var/lib/mysql. A
    second server of a surge would open the same data directory. None when there is
    none, or when a mount or volume is not known yet."""
    pod = obj.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    main = next(iter(obj.containers(init=False, ephemeral=False)), None)
    mounts = main.get("volumeMounts") if main is not None else None
    if main is None or is_unknown(volumes) or is_unknown(mounts):
        return None
    by_name = {v.get("name"): v for v in as_list(volumes) if isinstance(v, Mapping) and isinstance(v.get("name"), str)}
    for directory in data_directories(main):
        holder = _deepest_mount_holding(mounts, directory)
        if holder is None or holder.get("readOnly") not in (None, False):
            continue  # no mount holds it, or one mounted read-only (or not known yet)
        volume = by_name.get(holder.get("name"))
        for key, kind in _SHARED_FILESYSTEMS.items():
            if isinstance(volume, Mapping) and isinstance(volume.get(key), Mapping):
                if get(volume, key, "readOnly") not in (None, False):
                    continue  # attached read-only (or not known yet)
                return str(holder.get("name")), kind
    return None


def _database_beside_the_main_container(obj: Resource) -> str | None:
    """What a database server in a later container of the pod keeps on the node or on
    a claim: a pod that bundles a program with its own database (corpus39's Immich,
    whose fourth container, Postgres, writes /home/pausa/media/db/immich on the node).
    Its data directory is its own whatever the pod's first container runs, so a
    second pod of a surge starts a second server on it. None otherwise (the first
    container is `runs_single_instance_store`'s business)."""
    pod = obj.pod_spec
    containers = list(obj.containers(init=False, ephemeral=False))
    if pod is None or len(containers) < 2:
        return None
    by_name = {v.get("name"): v for v in as_list(pod.get("volumes")) if isinstance(v, Mapping)}
    for container in containers[1:]:
        known = database_program(container)
        mounts = container.get("volumeMounts")
        if known is None or is_unknown(mounts):
            continue
        program, directories = known
        for directory in directories:
            holder = _deepest_mount_holding(mounts, directory)
            if holder is None or holder.get("readOnly") not in (None, False):
                continue
            volume = by_name.get(holder.get("name"))
            if not isinstance(volume, Mapping):
                continue
            path = get(volume, "hostPath", "path")
            claim = get(volume, "persistentVolumeClaim", "claimName")
            label = container.label
            if isinstance(path, str) and path.strip() and not node_own_path(path):
                return f"{program}'s data ({label}) on the node's {path}, which a second server would open too"
            if isinstance(claim, str) and claim:
                return f'{program}\'s data ({label}) on claim "{claim}", which a second server would open too'
    return None


def _deepest_mount_holding(mounts: Any, directory: str) -> Mapping[str, Any] | None:
    """The mount at or above the directory with the longest path."""
    best: tuple[int, Mapping[str, Any]] | None = None
    for mount in as_list(mounts):
        path = mount.get("mountPath") if isinstance(mount, Mapping) else None
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        path = posixpath.normpath(path)
        if path == directory or directory.startswith(path.rstrip("/") + "/"):
            depth = 0 if path == "/" else path.count("/")
            if best is None or depth > best[0]:
                best = (depth, mount)
    return best[1] if best is not None else None


def _mounted_volume_claims(obj: Resource) -> set[str] | None:
    """The claims some container of the pod mounts (by their volumes); None when a
    volume or mount is not known yet."""
    pod = obj.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    if is_unknown(volumes):
        return None
    mounted: set[Any] = set()
    for container in obj.containers():
        mounts = container.get("volumeMounts")
        if is_unknown(mounts):
            return None
        for mount in as_list(mounts):
            name = mount.get("name") if isinstance(mount, Mapping) else UNKNOWN
            if is_unknown(name):
                return None
            if isinstance(name, str):
                mounted.add(name)
    return {claim for volume, claim in _claims_by_volume(obj).items() if volume in mounted}


def _claims_by_volume(obj: Resource) -> dict[str, str]:
    """The claim each of the pod's volumes names, by the volume's name."""
    pod = obj.pod_spec
    return {
        volume["name"]: claim
        for volume in as_list(pod.get("volumes") if pod is not None else None)
        if isinstance(volume, Mapping)
        and isinstance(volume.get("name"), str)
        and isinstance(claim := get(volume, "persistentVolumeClaim", "claimName"), str)
    }


def _claims_of_main_container(obj: Resource) -> list[str]:
    """The claims the pod's first container (the database, as `runs_single_instance_store`
    reads it) mounts, in its mounts' order (moov-io's watchman pod runs MySQL first,
    on `watchman-mysql-data`, beside the app's `watchman-data`)."""
    claims = _claims_by_volume(obj)
    main = next(iter(obj.containers(init=False, ephemeral=False)), None)
    mounts = main.get("volumeMounts") if main is not None else None
    names = [mount.get("name") for mount in as_list(mounts) if isinstance(mount, Mapping)]
    return [claims[name] for name in names if isinstance(name, str) and name in claims]


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    autoscalers = Autoscalers(stack)
    for obj in stack.of_kind("Deployment"):
        if obj.is_custom_resource or obj.pod_spec is None:
            continue
        count = replicas(obj)
        if count not in (0, 1) or surges(obj) is not True:
            continue
        if autoscalers.scale(stack, obj) is not False:
            continue  # an autoscaler owns the count (or may: not known yet)
        reason = _reason(stack, obj)
        if reason is None:
            continue
        yield StackViolation(
            obj,
            ("spec", "strategy"),
            f"its one pod holds {reason}, and the rolling update starts the new pod before stopping the old: "
            "the rollout can stall, or two pods share the volume; use strategy Recreate",
        )


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """Where the rule found the rolling update: `strategy: {type: Recreate}`, or, when
    the Deployment tunes its rolling update (`rollingUpdate`, which the API refuses
    beside Recreate), that update without a surge (`maxSurge: 0, maxUnavailable: 1`)."""
    if obj.kind != "Deployment" or surges(obj) is not True:
        return
    if obj.get("spec", "strategy", "rollingUpdate") is not None:
        path = ("spec", "strategy", "rollingUpdate")
        if writable(obj, path):
            yield Change(path, {"maxSurge": 0, "maxUnavailable": 1})
    elif writable(obj, ("spec", "strategy")):
        yield Change(("spec", "strategy"), {"type": "Recreate"})


RULE = Rule(
    name="require-recreate-with-exclusive-claim",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={*POD_KINDS, "PersistentVolumeClaim", "HorizontalPodAutoscaler", CUSTOM_RESOURCES, "Role", "ClusterRole"},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("rollout", "storage"),
    fix=Fix(fix, Applicability.UNSAFE),
)
