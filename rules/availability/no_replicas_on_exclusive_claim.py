"""Replicas do not share a claim that only one node can mount.

Fires on a Deployment, StatefulSet, ReplicaSet or ReplicationController of two or
more replicas whose pods mount, by name (so every replica the same one), a
PersistentVolumeClaim that the set defines as `ReadWriteOnce` or `ReadWriteOncePod`;
and, once per group of workloads, when two or more such workloads mount the same
exclusive claims (an app and its database on one volume): on the last of them in the
run, naming the others and the claims (corpus28's Danswer workers on two claims: one
finding).

Why it matters:
    A ReadWriteOnce volume attaches to one node. Replicas that the scheduler places
    on other nodes wait on a Multi-Attach error and never start, so the "replicas"
    only run while they all fit on that one node, and a drain of it stops them all.
    A ReadWriteOncePod claim admits one pod in the whole cluster: every other
    replica stays pending. The replica count promises availability the storage
    cannot give, and spreading the pods (or a PodDisruptionBudget) only makes the
    contradiction visible at the worst time.

How to fix:
    Give each replica its own volume, or use storage many nodes can mount:

        # a StatefulSet with a claim per pod
        volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 10Gi}}

    or a `ReadWriteMany` claim (NFS, CephFS, a cloud file share), or an object store
    instead of a shared directory. If the program cannot run twice on its data, run
    one replica and say so (`require-recreate-with-exclusive-claim`).

Notes:
    A claim the set does not show has an access mode the rule cannot see, and fires
    nothing. Jobs and CronJobs that mount a running workload's claim (a nightly
    backup) are not judged: they run once, and single-node clusters use the pattern
    on purpose. Copies of one workload (a kustomize base and its overlays) count as
    one workload, each with the claim nearest it. Volumes from a StatefulSet's
    `volumeClaimTemplates` are per pod and are not judged. While this rule fires on
    a workload's replicas, `require-topology-spread`, `pdb-missing` and
    `require-rolling-update` leave it alone: their advice (spread across nodes, keep
    some pods through a drain, surge a new pod beside the old) cannot be followed
    until the storage changes; they also leave alone replicas that mount a claim the
    set does not show, whose access mode may be the same.
    Replicas pinned to one node (`nodeName`, a `nodeSelector` or required node
    affinity on one `kubernetes.io/hostname`) all mount a ReadWriteOnce claim there,
    and are not judged for it (corpus37's bugbarn on a single-node cluster); a
    ReadWriteOncePod claim still admits one pod.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN, as_list, get

from ._claims import exclusive, exclusive_claims, mounted_claim_objects, pinned_host, pinned_to_one_node
from ._replicas import replicas

KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")


def shares_exclusive_claim(stack: Stack, obj: Resource) -> list[tuple[str, bool]]:
    """The exclusive claims that the workload's several replicas all mount (empty when
    it runs one, when the count is not known, or when none is known to be exclusive)."""
    count = replicas(obj)
    if not isinstance(count, int) or count < 2 or obj.pod_spec is None:
        return []
    claims = exclusive_claims(stack, obj, obj)[0]
    if pinned_to_one_node(obj) is not False:
        # Pods of one node all mount a ReadWriteOnce claim (or may: a pinning value
        # is not known yet); ReadWriteOncePod still admits one pod.
        claims = [(name, pod_only) for name, pod_only in claims if pod_only]
    return claims


def may_share_exclusive_claim(stack: Stack, obj: Resource) -> bool:
    """Whether the workload's several replicas all mount a claim that one node only
    may mount: known so, or not known yet (its pod template or a claim's access mode,
    unseen). Advice to spread them, keep some through a drain or surge beside them
    waits for the storage."""
    count = replicas(obj)
    if count is UNKNOWN:
        return True
    if not isinstance(count, int) or count < 2:
        return False
    if obj.pod_spec is None:
        path = obj.builtin_pod_path
        return path is not None and obj.get(*path) is UNKNOWN
    found, undecided = exclusive_claims(stack, obj, obj)
    return bool(found) or undecided


def _volume_path(obj: Resource, claim: str) -> tuple:
    pod = obj.pod_spec
    for index, volume in enumerate(as_list(pod.get("volumes") if pod is not None else None)):
        if isinstance(volume, Mapping) and get(volume, "persistentVolumeClaim", "claimName") == claim:
            return (*pod.path, "volumes", index, "persistentVolumeClaim", "claimName")
    return ("spec", "replicas")


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    reported: set[tuple[Any, str]] = set()  # (namespace, claim) already told to a workload
    for obj in stack.of_kind(*KINDS):
        if obj.is_custom_resource:
            continue
        claims = shares_exclusive_claim(stack, obj)
        if not claims:
            continue
        reported.update((stack.namespace_of(obj), name) for name, _ in claims)
        names = ", ".join(f'"{name}"' for name, _ in claims)
        one_pod = any(pod_only for _, pod_only in claims)
        what = (
            "ReadWriteOncePod: only one pod in the cluster can mount it, and the other replicas stay pending"
            if one_pod
            else "ReadWriteOnce: replicas on any other node than the one it is attached to fail to start "
            "(Multi-Attach), so they cannot be spread and a drain stops them all"
        )
        yield StackViolation(
            obj,
            _volume_path(obj, claims[0][0]),
            f"its {replicas(obj)} replicas all mount claim{'s' if len(claims) > 1 else ''} {names}, which "
            f"{'are' if len(claims) > 1 else 'is'} {what}",
        )
    yield from _shared_between_workloads(stack, reported)


def _shared_between_workloads(stack: Stack, reported: set[tuple[Any, str]]) -> Iterator[StackViolation]:
    """One finding per group of long-running workloads whose pods mount the same
    exclusive claims (an app and its database on one volume), on the last of them in
    the run, naming the others and the claims. Copies of one workload (a kustomize base and its
    overlays) are one workload, and a claim already reported for one workload's
    replicas is not reported again."""
    users: dict[int, tuple[Resource, list[Resource]]] = {}
    for obj in stack.of_kind(*KINDS):
        count = replicas(obj)
        if obj.is_custom_resource or obj.pod_spec is None or not isinstance(count, int) or count < 1:
            continue
        for _, claim in mounted_claim_objects(stack, obj):
            if exclusive(claim.get("spec", "accessModes")) is True:
                holders = users.setdefault(id(claim), (claim, []))[1]
                if not any(other.kind == obj.kind and other.name == obj.name for other in holders):
                    holders.append(obj)
    # The same workloads sharing several claims (corpus28's Danswer: its api-server and
    # background workers on two) are one finding, naming the claims.
    shared: dict[tuple[int, ...], tuple[Resource, list[Resource], list[str]]] = {}
    for claim, holders in users.values():
        name = claim.name
        if len(holders) < 2 or {(stack.namespace_of(claim), name), (UNKNOWN, name)} & reported:
            continue  # (already told to a workload's replicas, maybe one whose namespace is not known yet)
        if "ReadWriteOncePod" not in as_list(claim.get("spec", "accessModes")) and _on_one_node(holders):
            continue  # all pinned to one node, which mounts the claim for each of them (or may)
        key = tuple(id(holder) for holder in holders)
        shared.setdefault(key, (holders[-1], holders[:-1], []))[2].append(name)
    for last, others, names in shared.values():
        listed = ", ".join(f'{other.kind} "{other.name}"' for other in others)
        claims = ", ".join(f'"{name}"' for name in names)
        several = len(names) > 1
        verb = "mounts" if len(others) == 1 else "mount"
        yield StackViolation(
            last,
            _volume_path(last, names[0]),
            f"it mounts claim{'s' if several else ''} {claims}, which {listed} also {verb}; "
            f"the claim{'s are' if several else ' is'} ReadWriteOnce: pods scheduled on another node than the one "
            f"{'they are' if several else 'it is'} attached to fail to start (Multi-Attach), so these workloads only "
            "run while they share one node",
        )


def _on_one_node(holders: list[Resource]) -> bool:
    """Whether the workloads are all pinned to one node, or may be (a value not known)."""
    hosts = [pinned_host(holder) for holder in holders]
    if any(host is None for host in hosts):
        return False
    return len({host for host in hosts if isinstance(host, str)}) <= 1


RULE = Rule(
    name="no-replicas-on-exclusive-claim",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={*KINDS, "PersistentVolumeClaim"},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("storage",),
)
