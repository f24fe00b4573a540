"""Deployments, StatefulSets and Argo Rollouts run more than one replica.

Fires when `spec.replicas` of a Deployment, StatefulSet or Argo `Rollout` is below
`minReplicas` (default 2). A missing `replicas` is 1, as Kubernetes (and Argo
Rollouts) default it. A workload scaled to zero on purpose (`replicas: 0`) is not
judged, nor is a value unknown during preview.

Why it matters:
    A single replica is down during every node drain, eviction, crash and rollout
    step that replaces it: a cluster upgrade becomes an outage, and a
    PodDisruptionBudget cannot help because there is nothing to keep running.

How to fix:
    Run at least two replicas, spread across nodes (see `require-topology-spread`):

        spec:
          replicas: 2

Notes:
    A workload whose namespace or `environment`/`env` label names a non-production
    environment (the whole name or its last word: `dev`, `aerie-dev`, `test`, `demo`,
    `sandbox`, `temp`, `local`, ...; not staging), or whose pod runs an image with
    `imagePullPolicy: Never` (loaded by hand onto a local node), from the node's own
    `localhost` registry or tagged `local` (built for one machine), is not judged: one
    replica there is the team's choice (reviewers of four corpora held 8 of 9 such
    findings debatable). `judgeNonProduction: true` judges them too.

    Where no Deployment, StatefulSet or Rollout of a namespace runs `minReplicas`
    (nor is autoscaled), every single replica there is one sizing choice for the
    install (a kompose stack, a demo, a small self-hosted app): the first such
    workload (by kind and name) gets one finding with the others folded under it,
    instead of one finding each. Reviewers held those findings debatable one by one
    ("every service of this set runs one replica": corpus30, 31, 36, 39); a team that
    chose it decides once (an exemption for the namespace, or one change). Where any
    workload there runs enough, each single replica is reported on its own.

    A workload whose replica count an autoscaler owns (a HorizontalPodAutoscaler,
    a KEDA `ScaledObject` or any custom resource with `spec.scaleTargetRef`, a
    cluster-proportional-autoscaler whose `--target` names it, or an operator whose
    Role grants `patch` or `update` on the workload's `scale` subresource by name, in
    the set) is not judged here: its floor is the autoscaler's `minReplicas`, which
    `hpa-min-replicas` judges, and it should leave `replicas` out
    (`hpa-replicas-conflict`).

    Offline, a count that a kustomize patch of the run sets (a base of one replica
    that the production overlay scales) is the overlay's, not the file's: judged as
    the overlays write it when every overlay that deploys the file writes the same
    count (corpus47's Misskey, whose production patch takes its web Deployment from
    three replicas to one), and not judged when they differ or one leaves it alone.

    Two cases are left alone because the set shows the single replica is not the
    whole story:

    - **Versions behind one Service.** When a Service that selects the workload's
      pods also selects other workloads' (the `v1`, `v2`, `v3` Deployments of one
      app, a canary beside the stable track) and they run `minReplicas` pods
      together, the Service keeps endpoints when one pod goes. A mesh that routes by
      version makes each version's pod a single point again, but that routing is
      not something this rule can see.
    - **Controllers that may be singletons.** A workload whose service account is
      bound to a Role or ClusterRole in the set talks to the Kubernetes API: most
      likely a controller or an operator. Many of them must not run twice (no
      leader election), and whether they elect a leader is not in the manifest,
      so they are judged only when a container's arguments or environment turn
      leader election on (`--leader-elect`, `--enable-leader-election`,
      `--election-id`, `LEADER_ELECT=true`, or such a variable read from a
      ConfigMap, ...): then a second replica is what the program is built for.
      Singletons outside these cases (a scheduler whose leader election sits in a
      config file) are suppressed with a reason.
    - **Databases that do not replicate by adding pods.** A workload running
      PostgreSQL, MySQL, MariaDB, MongoDB, Redis, Valkey or Memcached (by the image's
      repository name: `postgres`, `bitnami/postgresql`, `mysql/mysql-server`,
      `valkey/valkey`, ...), or whose main container's one declared port is such a
      database's (5432, 3306, 27017, 6379): a second replica of the same template would be a
      second, separate database (or two servers on one volume), not a replica. (The
      main container is the first, or the one after an exporter or a proxy put first:
      corpus27's memcached behind its exporter.)
      Making such a store available is a matter of replication, set up by an
      operator or a chart, which the manifest cannot show. Stores that cluster by
      adding pods (Elasticsearch, Cassandra, etcd, ...) are judged as usual. So are
      DynamoDB Local (`amazon/dynamodb-local`, data in the pod) and RabbitMQ outside
      a StatefulSet: its nodes cluster under stable host names, so a Deployment's
      replicas are separate brokers, each with its own queues. A RabbitMQ
      StatefulSet is a single broker too when nothing it reads sets up a cluster (no
      `cluster_formation` or `cluster_nodes` in a ConfigMap it mounts, no clustering
      variable or Erlang cookie; corpus17's home-lab broker); when it reads a
      ConfigMap or Secret the set does not show, it is not judged; and a Jenkins
      controller (`jenkins/jenkins`), which runs one instance by design. Programs
      whose data lives in the one pod are single instances too: OpenLDAP without
      replication, Jaeger's all-in-one, Zipkin or Jaeger with no storage backend
      set, a standalone MinIO server (`server /data`), the main process of a
      Matrix Synapse homeserver (`matrixdotorg/synapse` not run as a worker:
      corpus18), a clustering store configured as a one-node cluster (Elasticsearch
      or OpenSearch with `discovery.type: single-node`, ZooKeeper given a one-server
      ensemble in `ZOO_SERVERS` or `--servers=1`, CockroachDB's `start-single-node`,
      Pulsar's `standalone`, a Kafka broker whose `KAFKA_BROKER_ID` is a literal, so
      that every replica would claim it: corpus17, 19),
      Home Assistant, a UniFi controller, Nexus Repository OSS (corpus24), a
      Jupyter server or JupyterHub's hub (corpus25), zot, verdaccio and Docker's
      registry without a storage driver, an Icecast server (corpus26), Buildbarn's
      scheduler, whose build queue is in memory (`bb-scheduler`, corpus33), Jitsi
      Meet's focus (`jicofo`) and XMPP server (Prosody, which does not cluster),
      Selenium's standalone browsers (sessions in the pod) and Prometheus exporters
      of another system and kube-state-metrics (a second replica doubles every
      series: corpus34, corpus39), Wiki.js
      with its high-availability mode set off (`HA_ACTIVE: "false"`, corpus27) or on
      SQLite, MySQL, MariaDB or SQL Server (HA mode needs PostgreSQL: corpus34; on
      PostgreSQL without the setting it is judged: HA mode and a second replica are
      the advice, corpus24),
      a Celery beat scheduler (Redash's `scheduler`; told by a role variable,
      `CONTAINER_ROLE: beat`, corpus27, or a start script named for it,
      `/start-celerybeat`, corpus40),
      an MQTT broker (Mosquitto does not cluster: corpus23), Confluent's ZooKeeper
      given no `ZOOKEEPER_SERVERS` (standalone), InfluxDB OSS, Neo4j Community,
      ClickHouse (replication is per table, through a Keeper: corpus20, 21), and a
      compute cluster's coordinator without high availability set: a Flink
      JobManager without `high-availability`, a Spark standalone master without
      `spark.deploy.recoveryMode` (corpus21), a Slurm controller (`slurmctld`,
      an image named `slurm-master`: its backup is another host of slurm.conf,
      corpus23); Ory Kratos running its mail courier in the serving process
      (`serve --watch-courier`: a second replica sends every mail twice). Some
      programs are single instances by their configuration file, read from the
      ConfigMap or Secret the pod mounts (when the set does not hold it, the
      workload is not judged): Dex with its storage in memory or SQLite (a second
      replica does not know the first one's authorisation codes and sessions:
      corpus29), and Loki run as one binary with its ring in memory
      (`kvstore: {store: inmemory}`; memberlist, Consul or etcd share it).
    - **Pods bound to one claim.** A workload whose pods mount a
      PersistentVolumeClaim by name (so every replica the same one) that only one
      node can mount at a time: ReadWriteOnce or ReadWriteOncePod in the set, or a
      claim the set does not show (its access mode decides, unseen). A second
      replica needs other storage first (ReadWriteMany, an object store, a
      StatefulSet with a claim per pod), so the count of one follows from it:
      open-webui's SQLite volume, itsm-ng's and twenty's uploads (both labelled
      debatable by the corpus8 reviewers). A claim that is ReadWriteMany is judged
      as usual. So is data kept in one place by other means: a writable hostPath
      directory of the node that is not one of the node's own paths (Plex's
      `/data/plex-config` in corpus16: a replica on another node starts empty), or a
      StatefulSet claim template that names one PersistentVolume (`volumeName`: only
      the first replica's claim can bind it), or a network disk written in the pod
      spec and attached read-write (`gcePersistentDisk`, `awsElasticBlockStore`,
      `azureDisk`, ...: one node at a time mounts it; Tyk's gateway in corpus18).
    - **Data per pod.** A StatefulSet whose containers write to a claim of their
      own per pod (`volumeClaimTemplates`): a second pod starts on an empty volume,
      and is a replica only if the program copies its data between its pods, which
      a manifest does not show (corpus24's bitwarden_rs on SQLite and Nexus OSS,
      corpus14's WordPress on SQLite; a store that does replicate is told by its
      operator or chart, not by plain pods).
    - **One fixed address.** A pod template that asks for a fixed IP address
      (Multus's `k8s.v1.cni.cncf.io/networks` with `ips`, Calico's
      `cni.projectcalico.org/ipAddrs`: corpus24's 5G core on its N2 network): two
      pods cannot hold it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import CONTROLLER_POD_LABELS, NAMESPACE_OPTION, Stack, map_selector_matches
from policypack.values import UNKNOWN, as_list, is_unknown

from .._serving import selects, serves, services_that_may_be_in, unplaced_objects
from ..identity._rbac import Bindings
from ._autoscalers import Autoscalers
from ._claims import (
    claims_one_volume,
    data_on_one_node,
    exclusive,
    inline_disk,
    keeps_data_per_pod,
    mounted_claims,
)
from ._configured import configured_single_instance
from ._environment import JUDGE_NON_PRODUCTION, non_production
from ._replicas import replicas
from ._singletons import may_be_singleton
from ._stores import lone_query_coordinator, runs_single_instance, unclustered_broker

WORKLOADS = ("Deployment", "StatefulSet")
#: Kinds whose pods count towards a Service's endpoints, with a replica count.
COUNTED = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    minimum = options["minReplicas"]
    bound = Bindings(stack)
    autoscalers = Autoscalers(stack)
    # Objects whose namespace is not known yet (only during a preview), found once.
    unplaced = unplaced_objects(stack)
    open_namespaces = _open_namespaces(stack)
    found: list[Resource] = []
    for obj in stack.resources:
        view = _judged(obj)
        if view is None:
            continue
        count = replicas(obj)
        if not isinstance(count, int) or count == 0 or count >= minimum:
            continue
        if count == 1 and _recreated(obj):
            continue  # one pod, replaced only after it stops: never two at once, by the author's choice
        if options["judgeNonProduction"] is not True and non_production(obj, stack.namespace_of(obj)) is not False:
            continue  # a dev, test or demo environment (or not known yet): one replica is the team's choice
        if autoscalers.scale(stack, obj) is not False:
            continue  # the autoscaler owns the count (or may: not known yet)
        if serves(stack, obj, view, unplaced) is not True:
            continue  # a load generator, a worker: what it serves, if anything, is not in the set
        if _shares_a_service(stack, obj, view, count, minimum, unplaced, open_namespaces):
            continue
        if may_be_singleton(stack, bound, view):
            continue  # a controller that may be a singleton by design (or not known yet)
        if (
            runs_single_instance(view) is not False
            or unclustered_broker(stack, view) is not False
            or configured_single_instance(stack, view) is not False
            or lone_query_coordinator(stack, view) is not False
        ):
            continue  # a second pod would be a second database, not a replica (or not known yet)
        if _bound_to_one_claim(stack, obj, view):
            continue  # its pods share a claim one node at a time mounts (or may: not in the set)
        if keeps_data_per_pod(obj) is not False:
            continue  # a second pod starts on an empty claim of its own: a replica only if the program replicates
        if fixed_address(view) is not False:
            continue  # its pod asks for one fixed IP address: a second pod cannot have it
        found.append(obj)
    yield from _reported(stack, found, minimum, autoscalers)


def _reported(stack: Stack, found: list[Resource], minimum: int, autoscalers: Autoscalers) -> Iterator[StackViolation]:
    """The findings; in a namespace where no workload runs `minimum` replicas, every
    single replica is one sizing choice for the whole install (a kompose stack, a
    demo, a small self-hosted app), so they share a cause and the engine reports them
    as one (reviewers held them debatable one by one, "every service of this set runs
    one replica": corpus30, 31, 36, 39)."""
    by_namespace: dict[Any, list[Resource]] = {}
    for obj in found:
        by_namespace.setdefault(stack.namespace_of(obj), []).append(obj)
    for namespace, group in by_namespace.items():
        cause = None
        if len(group) > 1 and not _some_run_enough(stack, namespace, minimum, autoscalers):
            cause = f'no workload in namespace "{namespace}" runs {minimum} replicas: one sizing choice for the set'
        for obj in group:
            yield StackViolation(obj, ("spec", "replicas"), _stated(obj, minimum), cause=cause)


def _recreated(obj: Resource) -> bool:
    """Whether a Deployment of one replica says `strategy: Recreate`: its pod is
    stopped before its successor starts, so two never run at once, which is what the
    author chose (corpus47's norn scheduler, "a second replica double-fires every
    cron", and ai-cryoet's API on a SQLite file; both held false). A second replica
    would undo that choice; `require-rolling-update` judges the choice itself."""
    if obj.kind != "Deployment" or obj.patched("spec", "strategy"):
        return False
    kind = obj.get("spec", "strategy", "type")
    return kind == "Recreate" or is_unknown(kind)  # (not known yet: it may be Recreate)


def _stated(obj: Resource, minimum: int) -> str:
    unset = obj.get("spec", "replicas") is None and not obj.patched("spec", "replicas")
    stated = "replicas is not set, so Kubernetes runs 1" if unset else f"replicas is {replicas(obj)}"
    if obj.patched("spec", "replicas"):
        stated += " (as the kustomize overlays of the run write it)"
    return f"{obj.kind} {stated}; at least {minimum} keep it available through node drains, crashes and rollouts"


def _some_run_enough(stack: Stack, namespace: Any, minimum: int, autoscalers: Autoscalers) -> bool:
    """Whether a workload of the namespace runs `minimum` replicas or more, or is
    scaled by an autoscaler: then the team sizes workloads one by one, and each
    single replica is a finding of its own. So may one whose count is not known (an
    overlay's `replicas:` sets it, or a preview): the cause would state what the set
    does not show (corpus43's Locust workers, 32 by the kustomization). So does a
    custom resource whose operator runs `spec.replicas` pods (corpus45's Prometheus
    at 2 and Alertmanager at 3 beside a single Grafana)."""
    for other in stack.in_namespace(namespace, *WORKLOADS, "Rollout"):
        count = replicas(other)
        if (isinstance(count, int) and count >= minimum) or is_unknown(count):
            return True
        if autoscalers.scale(stack, other) is True:
            return True
    for other in stack.resources:
        if other.is_custom_resource and stack.namespace_of(other) == namespace:
            count = other.get("spec", "replicas")
            if is_unknown(count) or (isinstance(count, int) and not isinstance(count, bool) and count >= minimum):
                return True
    return False


#: Pod annotations that give the pod one fixed IP address: Multus's network selection
#: with `ips`, Calico's `ipAddrs`.
_MULTUS_NETWORKS = "k8s.v1.cni.cncf.io/networks"
_CALICO_ADDRESSES = "cni.projectcalico.org/ipAddrs"


def fixed_address(view: Resource) -> bool | None:
    """Whether the pod template asks for a fixed IP address (corpus24's open5gs AMF:
    Multus `"ips": ["10.10.2.1/24"]` on its N2 network): two pods cannot hold it, so
    the workload runs one by construction. None when not known yet."""
    path = view.pod_metadata_path
    annotations = view.get(*path, "annotations") if path is not None else None
    if annotations is UNKNOWN:
        return None
    if not isinstance(annotations, Mapping):
        return False
    calico, multus = annotations.get(_CALICO_ADDRESSES), annotations.get(_MULTUS_NETWORKS)
    if calico is UNKNOWN or multus is UNKNOWN:
        return None
    if isinstance(calico, str) and calico.strip() not in ("", "[]"):
        return True
    if isinstance(multus, str) and multus.lstrip().startswith("["):
        try:
            networks = json.loads(multus)
        except ValueError:
            return False
        return any(isinstance(network, Mapping) and network.get("ips") for network in as_list(networks))
    return False


def _bound_to_one_claim(stack: Stack, obj: Resource, view: Resource) -> bool:
    """Whether the pods mount a PersistentVolumeClaim by name (every replica the same
    one) that only one node can mount at a time: ReadWriteOnce or ReadWriteOncePod in
    the set, or a claim whose access mode the set does not show (defined elsewhere,
    or not known yet); or keep their data in one place by other means: a writable
    hostPath directory of the node, a claim template naming one PersistentVolume.
    More replicas then need other storage first, and a count of one follows from it."""
    if data_on_one_node(view) is not False or claims_one_volume(obj) is not False:
        return True
    if inline_disk(view) is not None:
        return True  # a network disk in the pod spec, attached read-write to one node (or not known yet)
    return any(exclusive(modes) is not False for _, modes in mounted_claims(stack, obj, view))


def _judged(obj: Resource) -> Resource | None:
    """The object (or, for a Rollout, the view of its pod template) when it is judged."""
    if obj.kind in WORKLOADS and not obj.is_custom_resource:
        return obj
    api_version = obj.api_version
    if obj.kind == "Rollout" and isinstance(api_version, str) and api_version.startswith("argoproj.io/"):
        views = obj.pod_views()
        if len(views) == 1:
            return views[0]
        if obj.get("spec", "workloadRef") is not None:
            return obj  # the pods come from a referenced Deployment's template
    return None


def _may_select_unknown(
    stack: Stack, namespace: str, selector: Any, obj: Resource, unplaced: list[Resource], open_namespaces: set[Any]
) -> bool:
    """Whether the selector may select a workload other than `obj` whose namespace or
    labels are not known yet."""
    for other in unplaced:
        if other.kind != "Service" and map_selector_matches(selector, stack.pod_labels(other)) is not False:
            return True
    if _plainly_known(namespace, selector, open_namespaces):
        return False  # every match in the namespace is decided: nothing to look for
    for other in stack.in_namespace(namespace, *POD_KINDS):
        if other is not obj and map_selector_matches(selector, stack.pod_labels(other)) is None:
            return True
    return False


def _plainly_known(namespace: str, selector: Any, open_namespaces: set[Any]) -> bool:
    """Whether every workload's match against this selector in the namespace is
    decided: a selector of known values naming no label a controller adds, and no
    workload of the namespace with labels not known yet. (A shortcut: without it the
    rule was quadratic in a namespace of many workloads.)"""
    if not isinstance(selector, Mapping) or any(
        key in CONTROLLER_POD_LABELS or value is UNKNOWN for key, value in selector.items()
    ):
        return False
    return namespace not in open_namespaces


def _open_namespaces(stack: Stack) -> set[Any]:
    """The namespaces holding a workload whose labels are not known yet (once per set)."""
    found = set()
    for other in stack.of_kind(*POD_KINDS):
        labels = other.pod_labels
        if not isinstance(labels, Mapping) or any(value is UNKNOWN for value in labels.values()):
            found.add(stack.namespace_of(other))
    return found


def _shares_a_service(
    stack: Stack,
    obj: Resource,
    view: Resource,
    count: int,
    minimum: int,
    unplaced: list[Resource],
    open_namespaces: set[Any],
) -> bool:
    """Whether a Service that selects the workload's pods also selects other
    workloads' and they run `minimum` pods together (versions of one app)."""
    namespace = stack.namespace_of(obj)
    labels = stack.pod_labels(view)
    if obj.kind not in POD_KINDS or not isinstance(namespace, str) or not isinstance(labels, Mapping):
        return False  # (a Rollout splits its traffic by itself)
    for service in services_that_may_be_in(stack, namespace, unplaced):
        match = selects(service, labels)
        if match is None or (match is True and stack.namespace_of(service) is UNKNOWN):
            return True  # not known yet: it may be the Service of several versions
        if match is not True:
            continue
        selector = service.get("spec", "selector")
        if _may_select_unknown(stack, namespace, selector, obj, unplaced, open_namespaces):
            return True  # another workload it may select is not known yet
        selection = stack.select_map(namespace, selector, *POD_KINDS, near=service)
        if selection.undecided or not any(other is obj for other in selection.matched):
            continue  # (a copy of the Service elsewhere in the run selects a copy of the workload)
        others = [other for other in selection.matched if other is not obj]
        total = count
        for other in others:
            if other.kind == "DaemonSet":
                total += minimum  # a pod on every node
            elif other.kind == "Pod":
                total += 1
            elif other.kind in COUNTED:
                theirs = replicas(other)
                if theirs is UNKNOWN:
                    return True  # not known yet: they may be enough together
                total += theirs if isinstance(theirs, int) else 0
        if total >= minimum:
            return True
    return False


RULE = Rule(
    name="require-multiple-replicas",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={
        *WORKLOADS,
        "HorizontalPodAutoscaler",
        CUSTOM_RESOURCES,
        "Service",
        *POD_KINDS,
        "PersistentVolumeClaim",
        "RoleBinding",
        "ClusterRoleBinding",
        "ServiceAccount",  # kustomize moves a binding's subject with its account
        "Role",  # an operator granted the scale subresource owns the count
        "ClusterRole",
        "ConfigMap",  # whether RabbitMQ is set up to cluster
        "Secret",
    },
    check=check,
    stack=True,
    reads_overlays=True,
    options={
        **NAMESPACE_OPTION,
        "minReplicas": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": (
                "The fewest replicas a Deployment, StatefulSet or Rollout may ask for (0, scaled down, is allowed)."
            ),
        },
        "judgeNonProduction": JUDGE_NON_PRODUCTION,
    },
    tags=("replicas",),
)
