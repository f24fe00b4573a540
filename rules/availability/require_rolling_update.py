"""Workloads are updated by rolling update, not all at once or by hand.

Fires on a Deployment whose `spec.strategy.type` is `Recreate` (every old pod is
killed before any new one starts), and on a StatefulSet or DaemonSet whose
`spec.updateStrategy.type` is `OnDelete` (new pods start only when someone deletes
the old ones). A missing strategy is `RollingUpdate`, the default in `apps/v1`.

Why it matters:
    `Recreate` turns every release into downtime for the whole workload. `OnDelete`
    leaves pods on the old template until someone deletes them by hand, so a
    security fix that "was deployed" may not be running anywhere, and the rollout's
    progress is not visible to `kubectl rollout status`.

How to fix:
    Use a rolling update; tune it rather than turning it off:

        spec:
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxUnavailable: 0, maxSurge: 1}

Notes:
    `Recreate` is right, and not reported, for a Deployment of one replica whose
    pod holds something two pods cannot share: a PersistentVolumeClaim (a
    ReadWriteOnce volume cannot be mounted by the new pod while the old one runs;
    the claim's access mode is not visible here, so any claim counts) or a network
    disk written in the pod spec (`gcePersistentDisk`, `awsElasticBlockStore`, ...), an
    ephemeral volume claiming ReadWriteOnce, or a `hostPort` (or, on
    `hostNetwork`, any container port: a rolling update on a one-node pool would
    wait forever for the port), or every TPU chip of its TPU host, or a device
    (`nvidia.com/gpu`, any extended resource: a surge pod needs a second one free),
    or data in a writable hostPath directory of the node (ClearML's single-node
    Elasticsearch in corpus17: a surge pod would open the same directory, which
    Elasticsearch locks, or start empty on another node); nor for a
    single-instance program (as `require-multiple-replicas` knows them: PostgreSQL,
    MySQL, MongoDB, Redis, Dex with its storage in memory, ...), where a surge would briefly run two separate
    databases behind its Service. A workload that must never
    run two versions at once for other reasons is suppressed with a reason.

    Nor is a one-replica Deployment that may be a singleton controller: its
    service account is bound to a role in the set and no argument or variable
    turns leader election on (the test `require-multiple-replicas` uses). Two
    copies of such a program would both act while a rolling update runs, which is
    what `Recreate` prevents.
    Nor is `Recreate` on a Deployment that serves nothing the set shows (no
    Service selects its pods and no container declares a port: a load generator, a
    queue worker; where the set holds Services of its namespace, a port none of them
    targets does not count, as corpus26's Celery worker declares one; nor does a
    port for scrapers or probes, named so or the pod's `prometheus.io/port`, as
    corpus46's Kafka-to-Elasticsearch indexer declares): stopping it before its
    successor starts is no outage.
    Nor is `Recreate` on replicas that all mount one claim the set defines as
    ReadWriteOnce (`no-replicas-on-exclusive-claim` reports that cause), or one the
    set does not show, whose access mode may be the same.

    `OnDelete` is not reported on a StatefulSet of one replica that runs a
    single-instance database (as above), keeps its data in one place on the
    node, or writes to a claim of its own (`volumeClaimTemplates`): a rolling
    update would stop that one pod just the same, and `OnDelete` lets its
    operators choose when the store restarts (danbooru's production PostgreSQL and
    Redis in corpus17; corpus29's Nine Chronicles chain nodes, which re-download
    a snapshot into their claim at every start; all labelled debatable). Nor on a
    StatefulSet of any size that runs a clustered store (Kafka, ZooKeeper,
    Elasticsearch, OpenSearch, Cassandra, etcd, Consul, RabbitMQ, NATS, MongoDB,
    CockroachDB, Pulsar, Solr, ...): its members are restarted one at a time, waiting
    for the cluster to heal between them, by its operators or its controller (ECK and
    Strimzi set `OnDelete` themselves; corpus39's Yolean Kafka and ZooKeeper, labelled
    debatable). Another StatefulSet of several replicas, or of one stateless pod, is
    reported as usual.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN, as_list, get

from .._serving import serves, unplaced_objects
from ..identity._rbac import Bindings
from ._claims import data_on_one_node, inline_disk, keeps_data_per_pod
from ._configured import configured_single_instance
from ._ports import one_pod_per_node
from ._replicas import replicas
from ._singletons import may_be_singleton
from ._stores import runs_member_rolled_store, runs_single_instance
from .no_replicas_on_exclusive_claim import may_share_exclusive_claim

# kind -> (path of the strategy type, the value that is not a rolling update, what it means)
STRATEGIES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "Deployment": (
        ("spec", "strategy", "type"),
        "Recreate",
        "every pod is stopped before the new ones start, so each release is an outage",
    ),
    "StatefulSet": (
        ("spec", "updateStrategy", "type"),
        "OnDelete",
        "pods keep the old template until someone deletes them by hand",
    ),
    "DaemonSet": (
        ("spec", "updateStrategy", "type"),
        "OnDelete",
        "pods keep the old template until someone deletes them by hand",
    ),
}


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    bound = Bindings(stack)
    unplaced = unplaced_objects(stack)
    for obj in stack.of_kind(*STRATEGIES):
        if obj.is_custom_resource:
            continue
        path, offending, consequence = STRATEGIES[obj.kind or ""]
        if obj.get(*path) != offending:
            continue
        if obj.kind == "Deployment":
            count = replicas(obj)
            if count is UNKNOWN:
                continue
            if count in (0, 1) and (
                _holds_exclusive(obj) is not False
                or data_on_one_node(obj) is not False
                or runs_single_instance(obj) is not False
                or configured_single_instance(stack, obj) is not False
                or may_be_singleton(stack, bound, obj)
            ):
                continue  # one pod that cannot coexist with its successor: Recreate is the way
            if isinstance(count, int) and count > 1 and may_share_exclusive_claim(stack, obj):
                continue  # replicas on one ReadWriteOnce claim (or maybe: a claim's mode is unseen)
            # Where the set shows the namespace's Services, a port none of them targets
            # is no traffic; where it shows none, a declared port may be a Service's
            # defined elsewhere.
            namespace = stack.namespace_of(obj)
            if isinstance(namespace, str):
                shown = bool(stack.in_namespace(namespace, "Service")) or any(r.kind == "Service" for r in unplaced)
            else:  # its namespace is not known yet: any Service of the set may be beside it
                shown = bool(stack.of_kind("Service"))
            if serves(stack, obj, obj, unplaced, traffic_only=True, services_only=shown) is not True:
                continue  # a load generator, a worker: nothing routes to it, so no outage (or not known yet)
        if obj.kind == "StatefulSet":
            count = replicas(obj)
            if count is UNKNOWN:
                continue
            if runs_member_rolled_store(obj) is not False:
                continue  # a clustered store's members are restarted one at a time on purpose
            if count in (0, 1) and (
                obj.pod_spec is None
                or runs_single_instance(obj) is not False
                or configured_single_instance(stack, obj) is not False
                or data_on_one_node(obj) is not False
                or keeps_data_per_pod(obj) is not False
            ):
                continue  # one store's pod (or not known yet): a rolling update restarts it too; OnDelete picks when
        yield StackViolation(obj, path, f"{obj.kind} updates with {'.'.join(path[1:])} {offending}: {consequence}")


def _holds_exclusive(obj: Resource) -> bool | None:
    """Whether the pod uses what a second pod cannot share while the first runs: a
    PersistentVolumeClaim (its access mode is in the claim, not visible here), an
    ephemeral ReadWriteOnce claim, or a host port (`one_pod_per_node`). None when
    not known yet."""
    pod = obj.pod_spec
    if pod is None:
        return None
    volumes = pod.get("volumes")
    if volumes is UNKNOWN:
        return None
    for volume in as_list(volumes):
        if volume is UNKNOWN:
            return None
        if not isinstance(volume, Mapping):
            continue
        if volume.get("persistentVolumeClaim") is not None:
            return True
        modes = get(volume, "ephemeral", "volumeClaimTemplate", "spec", "accessModes")
        if modes is UNKNOWN or any(mode in ("ReadWriteOnce", "ReadWriteOncePod", UNKNOWN) for mode in as_list(modes)):
            return True
    if inline_disk(obj) is not None:
        return True  # a network disk attached read-write to one node (or not known yet)
    if requests_a_device(obj) is not False:
        return True
    return one_pod_per_node(obj)


def requests_a_device(obj: Resource) -> bool | None:
    """Whether a container asks for a device through an extended resource
    (`nvidia.com/gpu`, `amd.com/gpu`, `google.com/tpu`, ...): a surge pod needs a
    second one free, which a cluster with one such device never has. None when the
    resources are not known yet."""
    for container in obj.containers(init=False, ephemeral=False):
        resources = container.get("resources")
        if resources is UNKNOWN:
            return None
        for section in ("limits", "requests"):
            values = get(resources, section)
            if values is UNKNOWN:
                return None
            if isinstance(values, Mapping) and any(
                isinstance(name, str) and "/" in name and not name.startswith(("hugepages", "kubernetes.io/"))
                for name in values
            ):
                return True
    return False


RULE = Rule(
    name="require-rolling-update",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={
        *STRATEGIES,
        *POD_KINDS,
        "Service",
        "RoleBinding",
        "ClusterRoleBinding",
        "ServiceAccount",
        "PersistentVolumeClaim",
    },
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("rollout",),
)
