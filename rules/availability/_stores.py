"""Which workloads run a database that does not replicate by adding pods.

Two replicas of a PostgreSQL, MySQL, MongoDB or Redis pod template are two separate
databases (each with its own data, or fighting over one volume), not a replicated
one: their availability comes from replication set up by an operator or a chart,
which a manifest of plain pods does not show. Two Memcached pods behind one Service
are two caches: a key deleted through one stays in the other. So are two replicas
of DynamoDB Local (an emulator keeping its data in the pod) and two RabbitMQ pods
of a Deployment: RabbitMQ nodes cluster under stable host names, which only a
StatefulSet gives, so a Deployment's pods are separate brokers splitting the queues
between them. A Jenkins controller runs one instance by design (its state is its
JENKINS_HOME), so a second replica is a second, unrelated Jenkins. An application's
own database image, named as one (`grafana/tns-db`, `orders-database`), is taken for
a single instance too, and so are programs whose data lives in the one pod: an
OpenLDAP directory (replication is configuration a manifest of plain pods does not
carry), one-process bundles (`jaegertracing/all-in-one`, Nextcloud AIO), Home
Assistant (one instance by design: two would run every automation twice), a UniFi
network controller, Nexus Repository OSS, a Jupyter server (its kernels and
sessions live in the process) and JupyterHub's hub, registries that keep what is
pushed to them in the pod (zot, verdaccio, Docker's registry without a storage
driver), an Icecast server (one source stream feeds it), a development mail catcher
(MailDev, MailHog, Mailpit: the mail it catches stays in the process), Zipkin and
Jaeger without a storage backend in their environment (spans in memory or Badger),
a standalone MinIO server (one drive path; `{1...4}` or `http://` peers make it
distributed), the main process of a Matrix Synapse homeserver (only its workers
scale out), a clustering store configured as a one-node cluster (Elasticsearch or
OpenSearch with `discovery.type: single-node`, ZooKeeper with a one-server ensemble,
CockroachDB's `start-single-node`, Pulsar's `standalone`, a Kafka broker whose id is a
literal), and a periodic-task scheduler that must run alone (Celery beat,
Redash's `scheduler`): two would run every task twice, as Ory Kratos would send
every mail twice when it runs its courier in the serving process
(`--watch-courier`). InfluxDB OSS is a
single-instance database (clustering is its Enterprise edition's), and so are Neo4j
Community and SQL Server (availability groups are configuration plain pods do not
carry); two ClickHouse servers of one template are two databases, each with its own
tables (replication is per table, through a Keeper). A compute cluster's coordinator
without high availability configured is one too: a Flink JobManager (`jobmanager`,
`standalone-job`) without `high-availability`, a Spark standalone master
(`SPARK_MODE=master`, `start-master.sh`) without `spark.deploy.recoveryMode`: a second
one is a second cluster, and the workers register with either; so is a project's own
Spark master image (`spark-master`), and Trino (or Presto) when it is the only Trino
workload of its namespace: that one is the coordinator. So is a Slurm
controller (`slurmctld`, an image named `slurm-master` or `slurmctld`): its backup is
another host named in `slurm.conf`, never a second replica of the same template. The images are
matched by the last part of their repository name, whatever the registry and tag,
without an architecture suffix (`heapster-influxdb-amd64`); a project's own build of
a store, named with the store last (`heapster-influxdb`, `orders-postgres`,
`aws-dynamodb-local`), counts.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any

from policypack.images import ARCH_SUFFIX, repository_name
from policypack.model import POD_KINDS, Container, Resource
from policypack.patterns import lazy_compile
from policypack.stack import Stack
from policypack.values import UNKNOWN, as_list, is_unknown

from ..application_delivery.require_pinned_images import names_no_image

# The last path segment of the repository: postgres, bitnami/postgresql, mysql/mysql-server,
# valkey/valkey, mongodb/mongodb-community-server, redis/redis-stack-server, ...
_SINGLE_INSTANCE_STORE = lazy_compile(
    r"(?:postgres|postgresql|postgis|mysql|mysql-server|mariadb|percona-server|mongo|mongodb"
    r"|mongodb-community-server|redis|redis-stack-server|valkey|keydb|memcached|dynamodb-local|jenkins"
    # InfluxDB OSS and Neo4j Community: clustering is their Enterprise editions'; ClickHouse
    # replicates per table (ReplicatedMergeTree) through a Keeper, so a second server of
    # one template is a second database with its own tables
    r"|influxdb|neo4j|clickhouse|clickhouse-server"
    # SQL Server: availability groups are configuration a manifest of plain pods does not
    # carry (the old `microsoft/mssql-server-linux`, corpus36's Pitstop; `mssql/server` is
    # matched by its port, its last segment being only `server`)
    r"|mssql|mssql-server|mssql-server-linux"
    # an application's own database image, named as one: grafana/tns-db, acme/orders-database,
    # or as the store it builds on: heapster-influxdb (the store's name last: not an exporter's)
    r"|[a-z0-9]+(?:[-_][a-z0-9]+)*[-_](?:db|database|postgres|postgresql|mysql|mariadb|mongo|mongodb|redis"
    r"|valkey|memcached|influxdb|dynamodb-local))"
)
# Programs whose data lives in the one pod (not databases a second server would open
# on a shared volume): a directory server without replication configured, one-process
# bundles (Jaeger's all-in-one, Nextcloud AIO's master container), and Home Assistant,
# which runs one instance by design (its automations and SQLite in /config).
_IN_POD_PROGRAM = lazy_compile(
    r"openldap|all-in-one|home-?assistant|eclipse-mosquitto|mosquitto"
    # a UniFi network controller (its device adoption state and embedded MongoDB) and
    # Nexus Repository OSS (clustering is Pro's): corpus24
    r"|unifi|unifi-controller|unifi-network-application|nexus|nexus3|docker-nexus"
    # JFrog Artifactory OSS (HA is the Enterprise edition's; its Derby database in the
    # pod's volume): corpus43's aau-giraf
    r"|artifactory-oss"
    # a Jupyter server (its kernels and sessions; docker-stacks' `*-notebook` images, a
    # project's own `jupyter` build: corpus25) and JupyterHub's hub, one by design
    r"|jupyter|jupyterlab|(?:[a-z0-9]+[-_])*notebook|jupyterhub|k8s-hub"
    # registries that keep what is pushed to them in the pod's filesystem (zot, a
    # verdaccio npm registry) and an Icecast server fed by one source stream: corpus26
    # (a project's own build named after them: `zot-build`, `cadence_icecast2`)
    r"|zot(?:-[a-z0-9]+)*|verdaccio|(?:[a-z0-9]+[-_])*icecast2?"
    # Buildbarn's scheduler keeps its build queue in memory: a second replica behind the
    # one Service splits clients and workers between two queues (corpus33)
    r"|bb-scheduler"
    # Jitsi Meet's conference focus and its XMPP server (Prosody, which does not cluster):
    # a second replica of the pod is a second Jitsi, and one room's users split between them
    r"|jicofo|prosody"
    # Selenium's standalone browsers keep each session in the pod: behind a Service, a
    # second replica receives half of a session's commands (corpus34's scraper)
    r"|standalone-(?:chrome|chromium|firefox|edge)(?:-debug)?"
    # an exporter that scrapes another system (Kafka, a database): a second replica
    # doubles every series it exports (corpus34's kafka-exporter); so does
    # kube-state-metrics, which exports every object of the API to whoever scrapes it
    # (upstream runs one replica, or shards; corpus39's kube-prometheus copy)
    r"|(?:[a-z0-9]+[-_])*exporter|kube-state-metrics"
    # Kafka consumer-lag monitors export the lag of every group they watch, as an
    # exporter does (corpus46's kafka-lag-monitor; Burrow, KMinion)
    r"|(?:[a-z0-9]+[-_])*lag[-_]monitor|burrow|kminion"
    # development mail catchers keep the mail they catch in the process: behind one
    # Service, a second replica splits the mailbox in two (corpus36's Pitstop maildev)
    r"|maildev|mailhog|mailpit|smtp4dev|mailcatcher|mailcrab"
    # a Ponder blockchain indexer refuses a second instance on its database schema
    # (corpus37's dashtec `indexer-ponder`, DATABASE_SCHEMA ponder_prod)
    r"|(?:[a-z0-9]+[-_])*ponder"
    # a game server is one world: a second replica is a second world (or, on a shared
    # volume, a second server writing the same one: corpus38's itzg/minecraft-server)
    r"|(?:[a-z0-9]+[-_])*(?:minecraft|factorio|valheim|terraria)(?:[-_](?:server|bedrock))?"
    # Prometheus' Pushgateway keeps what jobs push to it in memory (or its one
    # persistence file): behind a Service a second replica splits the pushes, and the
    # scrape sees half of them (corpus36's push_gateway)
    r"|pushgateway"
)
# Docker's distribution registry keeps images on the pod's filesystem unless a storage
# driver is configured (REGISTRY_STORAGE=s3, gcs, azure, ...).
_DISTRIBUTION_REGISTRY = "registry"
# A store's image run as a client of another server: its entrypoint replaced by a
# script that calls `psql`, `pg_dump`, `redis-cli`, ... and never starts the server
# (corpus23's restore Deployment on `postgres:9.6-alpine`).
_CLIENT_WORD = lazy_compile(
    r"(?<![\w.-])(?:psql|pg_dump|pg_dumpall|pg_restore|mysql|mysqldump|mariadb-dump|redis-cli|valkey-cli"
    r"|mongo|mongosh|mongodump|mongorestore)(?![\w.-])"
)
_SERVER_WORD = lazy_compile(
    r"(?<![\w.-])(?:postgres|mysqld|mariadbd|redis-server|valkey-server|mongod|memcached|docker-entrypoint\.sh)"
    r"(?![\w-])"
)
# Trace stores that keep spans in the pod unless a storage backend is configured:
# Zipkin (STORAGE_TYPE), Jaeger v1 (SPAN_STORAGE_TYPE) and v2 (a config file: its
# backend unseen, so taken as the in-pod default).
_IN_POD_TRACE_STORE = lazy_compile(r"zipkin|zipkin-slim|jaeger")
_TRACE_BACKENDS = frozenset({"cassandra", "cassandra3", "elasticsearch", "opensearch", "mysql", "kafka", "grpc"})
# Brokers that cluster only under stable host names (a StatefulSet's): RabbitMQ.
_BROKER_NEEDING_STABLE_NAMES = lazy_compile(r"rabbitmq")
# What a RabbitMQ that forms a cluster is given: peer discovery or a node list in its
# configuration file, or the variables of images that cluster from their environment
# (Bitnami's K8S_SERVICE_NAME, RABBITMQ_USE_LONGNAME, a shared Erlang cookie).
_CLUSTER_CONFIG = lazy_compile(r"cluster_formation|cluster_nodes")
_CLUSTER_VARIABLE = lazy_compile(r"cookie|use_longname|k8s_service_name|cluster|peer_discovery", re.IGNORECASE)


#: The well-known ports of those databases: PostgreSQL, MySQL/MariaDB, MongoDB, Redis/Valkey.
STORE_PORTS = frozenset({5432, 3306, 27017, 6379, 1433})


def runs_single_instance_store(view: Resource) -> bool | None:
    """Whether the pod's main container (the first regular one, by convention; an
    exporter or a proxy may follow it) runs one of those databases; None when its
    image is not known yet (preview). An application with a Redis sidecar is judged
    as the application it is."""
    return _judge_main_container(view, programs=False)


def runs_single_instance(view: Resource) -> bool | None:
    """Whether the pod's main container runs a program of which a second replica is
    a second, separate instance: one of those databases, or a program whose data
    lives in the pod (OpenLDAP, Jaeger's all-in-one, an in-memory Zipkin or Jaeger, a
    standalone MinIO); None when not known yet."""
    return _judge_main_container(view, programs=True)


def main_container(view: Resource) -> Any:
    """The pod's main container: the first regular one, or the one after an exporter or
    a proxy put first (corpus27's memcached behind its exporter). UNKNOWN when the
    containers or an image before it are not known yet; None when there is none."""
    pod = view.pod_spec
    listed = pod.get("containers") if pod is not None else None
    if is_unknown(listed) or (isinstance(listed, list) and listed and is_unknown(listed[0])):
        return UNKNOWN
    containers = list(view.containers(init=False, ephemeral=False))
    for index, container in enumerate(containers):
        image = container.get("image")
        if is_unknown(image):
            return UNKNOWN
        if isinstance(image, str) and index + 1 < len(containers) and _HELPER.fullmatch(repository_name(image)):
            continue  # an exporter or a proxy put first: the program is the next container
        return container
    return None


def _judge_main_container(view: Resource, programs: bool) -> bool | None:
    container = main_container(view)
    if container is None or container is UNKNOWN:
        return None if container is UNKNOWN else False
    image = container.get("image")
    if isinstance(image, str) and names_no_image(image):
        return None  # a placeholder (`IMAGE_PLACEHOLDER`): which program runs is unknown
    repository = ARCH_SUFFIX.sub("", repository_name(image)) if isinstance(image, str) else ""
    if isinstance(image, str) and view.deployed_images.get(image.strip()):
        # Offline, a kustomize overlay of the run deploys the image under another name
        # (corpus47's `brigadasos-db`, deployed as `ghcr.io/brigadasos/nadeshiko`: the
        # API, not a database): the deployed name tells the program, when the overlays agree.
        names = {ARCH_SUFFIX.sub("", repository_name(ref)) for ref in view.deployed_images[image.strip()]}
        if len(names) != 1:
            return None
        repository = names.pop()
    if _SINGLE_INSTANCE_STORE.fullmatch(repository):
        client = _runs_a_client(container)
        return True if client is False else (None if client is None else False)
    if _BROKER_NEEDING_STABLE_NAMES.fullmatch(repository) and view.kind != "StatefulSet":
        return True
    if programs and _IN_POD_PROGRAM.fullmatch(repository):
        return True
    if programs and repository == _DISTRIBUTION_REGISTRY:
        return _registry_on_local_storage(container)
    if programs and _IN_POD_TRACE_STORE.fullmatch(repository):
        return _keeps_traces_in_pod(container.get("env"))
    if programs and repository == "minio":
        return _standalone_minio(container)
    if programs and repository == "locust":
        return _locust_master(container)
    if programs and repository == "thanos":
        return _thanos_compactor(container)
    if programs and repository == "hapi":
        return _hapi_on_embedded_database(container)
    if programs and repository in _HOMESERVERS:
        return _synapse_main_process(container)
    if programs and repository in _WIKI_JS:
        return _wiki_js_without_ha(container)
    if programs and repository == "kratos":
        return _kratos_with_courier(container)
    if programs and repository in _CLUSTERING_STORES:
        single = _configured_as_one_node(repository, container)
        if single is not False:
            return single
    scheduler = _runs_a_task_scheduler(container) if programs else False
    if scheduler is not False:
        return scheduler
    coordinator = _runs_a_coordinator_without_standby(container) if programs else False
    if coordinator is not False:
        return coordinator
    return _serves_a_store_port(container.get("ports"))


#: Trino's and Presto's server images: a cluster has one coordinator, and the image's
#: own configuration runs one (which also works as the cluster's only worker).
_QUERY_ENGINE = lazy_compile(r"(?:trino|presto|prestodb|prestosql)(?:-server)?")


def lone_query_coordinator(stack: Stack, view: Resource) -> bool | None:
    """Whether the workload runs Trino (or Presto) and is the only workload of its
    namespace that does: the cluster's coordinator, of which a second replica is a
    second cluster behind the same Service (corpus37's data platform). With other
    Trino workloads beside it, one named a worker is not the coordinator, and which
    one is stays undecided. None when not known yet."""
    runs = _runs_query_engine(view)
    if runs is not True:
        return runs
    namespace = stack.namespace_of(view)
    for other in stack.of_kind(*POD_KINDS):
        if (
            other is view
            or other.kind in ("Job", "CronJob", "Pod")
            or (other.kind, other.name) == (view.kind, view.name)
        ):
            continue  # (a copy of it: a kustomize base and its overlays)
        placed = stack.namespace_of(other)
        if not is_unknown(placed) and placed != namespace:
            continue
        theirs = _runs_query_engine(other)
        if theirs is None:
            return None
        if theirs:
            return False if "worker" in str(view.name) else None
    return True


def _runs_query_engine(view: Resource) -> bool | None:
    """Whether the pod's main container runs Trino or Presto; None when not known yet."""
    main = main_container(view)
    image = main.get("image") if main is not None and not is_unknown(main) else main
    if is_unknown(image):
        return None
    return isinstance(image, str) and bool(_QUERY_ENGINE.fullmatch(repository_name(image)))


def unclustered_broker(stack: Stack, view: Resource) -> bool | None:
    """Whether a StatefulSet's main container runs RabbitMQ that is given nothing to
    form a cluster with: no peer discovery or node list in a ConfigMap it mounts, no
    clustering variable, no Erlang cookie in a Secret. Its replicas would be separate brokers, each with its own
    queues (a RabbitMQ of a Deployment is one by `runs_single_instance`). None when a
    ConfigMap or Secret it reads is not in the set, or something is not known yet."""
    if view.kind != "StatefulSet":
        return False
    containers = list(view.containers(init=False, ephemeral=False))
    if not containers:
        return False
    main = containers[0]
    image = main.get("image")
    if is_unknown(image):
        return None
    if not isinstance(image, str) or not _BROKER_NEEDING_STABLE_NAMES.fullmatch(repository_name(image)):
        return False
    env, env_from = main.get("env"), main.get("envFrom")
    if is_unknown(env) or is_unknown(env_from):
        return None
    for entry in as_list(env):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if is_unknown(entry) or is_unknown(name):
            return None
        if isinstance(name, str) and _CLUSTER_VARIABLE.search(name):
            return False
    namespace = stack.namespace_of(view)
    sources: list[tuple[str, Any, bool]] = []  # (kind, name, keys only)
    for entry in as_list(env_from):
        if is_unknown(entry) or not isinstance(entry, Mapping):
            return None if is_unknown(entry) else False
        for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = entry.get(field)
            if ref is not None:
                sources.append((kind, ref.get("name") if isinstance(ref, Mapping) else UNKNOWN, True))
    pod = view.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    if is_unknown(volumes):
        return None
    for volume in as_list(volumes):
        if is_unknown(volume):
            return None
        if not isinstance(volume, Mapping):
            continue
        config_map, secret = volume.get("configMap"), volume.get("secret")
        if config_map is not None:
            sources.append(("ConfigMap", config_map.get("name") if isinstance(config_map, Mapping) else UNKNOWN, False))
        if secret is not None:  # a shared Erlang cookie is a file of a Secret
            sources.append(("Secret", secret.get("secretName") if isinstance(secret, Mapping) else UNKNOWN, True))
        projected = volume.get("projected")
        for source in as_list(projected.get("sources") if isinstance(projected, Mapping) else projected):
            if is_unknown(source):
                return None
            ref = source.get("configMap") if isinstance(source, Mapping) else None
            if ref is not None:
                sources.append(("ConfigMap", ref.get("name") if isinstance(ref, Mapping) else UNKNOWN, False))
    for kind, name, keys_only in sources:
        found = stack.find(kind, name, namespace, near=view)
        if found is None or not isinstance(found, Resource):
            return None  # read but not in the set (or not known yet): it may set up the cluster
        clusters = _configures_a_cluster(found, keys_only)
        if clusters is not False:
            return None if clusters is None else False
    return True


def _configures_a_cluster(source: Resource, keys_only: bool) -> bool | None:
    """Whether a ConfigMap or Secret gives RabbitMQ a cluster: variables named for it
    (read as the environment), or peer discovery in a file's text."""
    for field in ("data", "stringData", "binaryData"):
        data = source.get(field)
        if is_unknown(data):
            return None
        if not isinstance(data, Mapping):
            continue
        for key, value in data.items():
            if is_unknown(key) or is_unknown(value):
                return None
            if keys_only and isinstance(key, str) and _CLUSTER_VARIABLE.search(key):
                return True
            if not keys_only and isinstance(value, str) and _CLUSTER_CONFIG.search(value):
                return True
    return False


def _serves_a_store_port(ports: object) -> bool | None:
    """Whether the container's only declared port is a database's well-known one (a
    custom image of PostgreSQL on 5432, `mreferre/yelb-db`); None when not known yet."""
    if is_unknown(ports):
        return None
    listed = as_list(ports)
    if len(listed) != 1:
        return False
    port = listed[0]
    if is_unknown(port) or (isinstance(port, Mapping) and is_unknown(port.get("containerPort"))):
        return None
    return isinstance(port, Mapping) and port.get("containerPort") in STORE_PORTS


def _keeps_traces_in_pod(env: object) -> bool | None:
    """Whether a Zipkin or Jaeger keeps its spans in the pod (memory, Badger): no
    storage backend set in its environment. None when the environment is not known."""
    if is_unknown(env):
        return None
    for entry in as_list(env):
        if is_unknown(entry):
            return None
        if not isinstance(entry, Mapping) or entry.get("name") not in ("STORAGE_TYPE", "SPAN_STORAGE_TYPE"):
            continue
        value = entry.get("value")
        if is_unknown(value):
            return None
        if isinstance(value, str) and any(part.strip() in _TRACE_BACKENDS for part in value.lower().split(",")):
            return False
    return True


def _kratos_with_courier(container: Container) -> bool | None:
    """Whether Ory Kratos runs its mail courier in the serving process
    (`serve --watch-courier`): the courier must run alone, or a second replica sends
    every message twice (corpus29's identity stack). Kratos without it scales out."""
    words = container.command_line()
    if words is None:
        return None
    for part in (part for word in words if isinstance(word, str) for part in word.split()):
        flag, equals, value = part.partition("=")
        if flag == "--watch-courier":
            return not equals or value.strip().lower() not in ("false", "0", "f")
    return False


def _standalone_minio(container: Any) -> bool | None:
    """Whether a MinIO server runs standalone (one drive path, no `{1...4}` expansion
    and no `http://` peers): a second replica is a second, separate object store."""
    command, args = container.get("command"), container.get("args")
    if is_unknown(command) or is_unknown(args):
        return None
    words: list[Any] = [*as_list(command), *as_list(args)]
    if any(is_unknown(word) for word in words):
        return None
    text = [word for word in words if isinstance(word, str)]
    if "server" not in text:
        return False
    return not any("..." in word or "://" in word for word in text)


# Stores that cluster by adding pods, unless their configuration makes each pod a
# cluster of its own: Elasticsearch and OpenSearch with `discovery.type: single-node`,
# ZooKeeper given a one-server ensemble, CockroachDB started with `start-single-node`,
# Pulsar's `standalone`, a Kafka broker whose id is written as a literal.
_CLUSTERING_STORES = frozenset(
    {
        "elasticsearch",
        "elasticsearch-oss",  # Elastic's Apache-licensed build (6.x, 7.10): corpus24's shopsys
        "opensearch",
        "zookeeper",
        "cp-zookeeper",
        "kubernetes-zookeeper",
        "cockroach",
        "pulsar",
        "pulsar-all",
        "kafka",
        "cp-kafka",
    }
)
# Stores whose members an operator (or its controller: ECK, Strimzi) restarts one at a
# time, waiting for the cluster to heal between them: a StatefulSet of theirs that
# updates `OnDelete` does so on purpose (corpus39's Yolean Kafka and ZooKeeper).
_MEMBER_ROLLED_STORES = _CLUSTERING_STORES | frozenset(
    {"cassandra", "scylla", "etcd", "consul", "rabbitmq", "nats", "mongo", "mongodb", "redis-cluster", "solr"}
)


def runs_member_rolled_store(view: Resource) -> bool | None:
    """Whether the pod's main container runs a clustered store whose members are
    restarted one at a time by hand or by its operator; None when not known yet."""
    container = main_container(view)
    if container is UNKNOWN or (container is None and view.pod_spec is None):
        return None  # its pod template (or containers) not known yet
    image = container.get("image") if container is not None else None
    if not isinstance(image, str):
        return None if is_unknown(image) else False
    return ARCH_SUFFIX.sub("", repository_name(image)) in _MEMBER_ROLLED_STORES


# A Kafka broker's id written as a literal: every replica would claim the same one.
_BROKER_ID_VARIABLES = frozenset({"KAFKA_BROKER_ID", "KAFKA_NODE_ID", "KAFKA_CFG_NODE_ID", "KAFKA_CFG_BROKER_ID"})
_ONE_SERVER_FLAG = lazy_compile(r"--servers[= ]1(?!\d)")
_ENSEMBLE_VARIABLES = {"ZOO_SERVERS": r"[\s,]+", "ZOOKEEPER_SERVERS": r";"}


def _configured_as_one_node(repository: str, container: Any) -> bool | None:
    """Whether a clustering store's container is configured as a one-node cluster:
    a second replica would be a second, separate cluster behind the same Service
    (corpus19's FIZ Elasticsearch and S6-Babbly ZooKeeper, corpus17's ClearML
    Elasticsearch). None when its environment or command line is not known yet."""
    env, command, args = container.get("env"), container.get("command"), container.get("args")
    if is_unknown(env) or is_unknown(command) or is_unknown(args):
        return None
    words = [*as_list(command), *as_list(args)]
    if any(is_unknown(word) for word in words):
        return None
    if repository == "cockroach":
        return any(isinstance(word, str) and "start-single-node" in word for word in words)
    if repository in ("pulsar", "pulsar-all"):  # `bin/pulsar standalone`: every service in the one pod
        return any(isinstance(word, str) and re.search(r"\bpulsar standalone\b|^standalone$", word) for word in words)
    if repository == "cp-zookeeper" and not any(
        isinstance(entry, Mapping) and entry.get("name") in ("ZOOKEEPER_SERVERS", "ZOOKEEPER_SERVER_ID")
        for entry in as_list(env)
    ):
        # Confluent's image with no server list runs standalone (corpus23's dev Kafka);
        # an entry not known yet may name one.
        return None if any(is_unknown(entry) for entry in as_list(env)) else True
    if repository in ("zookeeper", "kubernetes-zookeeper") and any(
        isinstance(word, str) and _ONE_SERVER_FLAG.search(word) for word in words
    ):
        return True  # kubernetes/contrib's `start-zookeeper --servers=1`
    for entry in as_list(env):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        value = entry.get("value") if isinstance(entry, Mapping) else None
        if is_unknown(entry) or is_unknown(name) or is_unknown(value):
            return None
        if not isinstance(value, str):
            continue
        if repository in ("elasticsearch", "elasticsearch-oss", "opensearch") and name == "discovery.type":
            return value.strip() == "single-node"
        if repository in ("kafka", "cp-kafka") and name in _BROKER_ID_VARIABLES:
            return value.strip().isdigit()  # a literal id, not one derived per pod
        separator = _ENSEMBLE_VARIABLES.get(name) if isinstance(name, str) else None
        if separator is not None and repository in ("zookeeper", "cp-zookeeper"):
            servers = [part for part in re.split(separator, value.strip()) if part]
            return len(servers) == 1
    return False


# Containers that serve the pod's program rather than being it: a Prometheus exporter,
# a database or mesh proxy, a configuration reloader. Put first in a pod, they hide the
# program from the main-container convention.
_HELPER = lazy_compile(
    r"(?:[a-z0-9]+[-_])*exporter|cloud-?sql-proxy|cloud_sql_proxy|gce-proxy|istio-proxy|proxyv2|envoy"
    r"|linkerd-proxy|configmap-reload|config-reloader|prometheus-config-reloader"
)
# Wiki.js (requarks/wiki) runs more than one instance only in its high-availability mode
# (`HA_ACTIVE`, which syncs instances through PostgreSQL): corpus27's home-lab wiki sets
# it "false" beside its one replica, a deliberate single instance.
_WIKI_JS = ("wiki", "wikijs")  # requarks/wiki, linuxserver/wikijs


def _wiki_js_without_ha(container: Any) -> bool | None:
    """Whether a Wiki.js container is kept to one instance on purpose: `HA_ACTIVE` set
    off, or its data in SQLite (`DB_TYPE: sqlite`), which one process owns, or in
    MySQL, MariaDB or SQL Server, where Wiki.js has no HA mode (it needs PostgreSQL's
    pub/sub: corpus34's wiki on MySQL). Without these, a second replica with HA mode
    turned on is the advice (corpus24's wiki on a PostgreSQL cluster, labelled true).
    None when not known yet."""
    image = container.get("image")
    if not (isinstance(image, str) and ("requarks/" in image or repository_name(image) == "wikijs")):
        return False  # another program named `wiki`: judged as usual
    env, env_from = container.get("env"), container.get("envFrom")
    if is_unknown(env) or is_unknown(env_from) or as_list(env_from):
        return None  # HA_ACTIVE or DB_TYPE may come from a ConfigMap or Secret
    for entry in as_list(env):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if is_unknown(entry) or is_unknown(name):
            return None
        if name not in ("HA_ACTIVE", "DB_TYPE"):
            continue
        value = entry.get("value")
        if is_unknown(value) or entry.get("valueFrom") is not None:
            return None
        text = str(value).strip().lower()
        if name == "HA_ACTIVE" and text in ("0", "false", "no", "off"):
            return True
        if name == "DB_TYPE" and text in ("sqlite", "mysql", "mariadb", "mssql"):
            return True  # HA mode needs PostgreSQL (its pub/sub): on these, one instance
    return False


# Matrix's Synapse (matrixdotorg/synapse, ananace/matrix-synapse): its main process
# runs once per homeserver; only its workers scale out.
_HOMESERVERS = frozenset({"synapse", "matrix-synapse"})


def _synapse_main_process(container: Any) -> bool | None:
    """Whether a Synapse container runs the homeserver's main process, not a worker
    (`SYNAPSE_WORKER`, or a `synapse.app.*` module other than `homeserver`, or a
    worker's configuration on its command line). None when not known yet."""
    command, args, env = container.get("command"), container.get("args"), container.get("env")
    if is_unknown(command) or is_unknown(args) or is_unknown(env):
        return None
    words: list[Any] = [*as_list(command), *as_list(args)]
    for entry in as_list(env):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if is_unknown(entry) or is_unknown(name):
            return None
        if name == "SYNAPSE_WORKER":
            words.append(entry.get("value"))
    if any(is_unknown(word) for word in words):
        return None
    for word in (w for w in words if isinstance(w, str)):
        module = re.search(r"synapse\.app\.([a-z_]+)", word)
        if (module and module[1] != "homeserver") or "worker" in word.lower():
            return False
    return True


# A variable that tells an image's entrypoint which process to run, and the values
# that make it Celery beat.
_ROLE_VARIABLE = lazy_compile(r"(?:^|_)(?:ROLE|PROCESS_TYPE|PROCESS)$", re.IGNORECASE)
_BEAT_ROLES = frozenset({"beat", "celery-beat", "celerybeat", "celery_beat"})
# A start script named for beat (cookiecutter-django's `/start-celerybeat`: corpus40's
# coordnet).
_BEAT_SCRIPT = lazy_compile(r"(?:start[-_])?celery[-_]?beat(?:\.sh)?")


def _runs_a_task_scheduler(container: Any) -> bool | None:
    """Whether the container runs a periodic-task scheduler that must be alone, or
    every task runs twice: Celery beat (`celery ... beat`, `--beat`, `-B`, a start
    script named for it (`/start-celerybeat`), or an image's
    entrypoint told its role by a variable: the IETF's `CONTAINER_ROLE: beat`,
    corpus27) or Redash's `scheduler` (a Celery worker with beat embedded). None when
    its command line or environment is not known yet."""
    command, args, env = container.get("command"), container.get("args"), container.get("env")
    if is_unknown(command) or is_unknown(args) or is_unknown(env):
        return None
    for entry in as_list(env):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        value = entry.get("value") if isinstance(entry, Mapping) else None
        if is_unknown(entry) or is_unknown(name):
            return None
        role = isinstance(name, str) and _ROLE_VARIABLE.search(name) is not None
        if role and is_unknown(value):
            return None  # the role is not known yet
        if role and isinstance(value, str) and value.strip().lower() in _BEAT_ROLES:
            return True
    if any(is_unknown(word) for word in (*as_list(command), *as_list(args))):
        return None
    words = [word for word in (*as_list(command), *as_list(args)) if isinstance(word, str)]
    split = [part for word in words for part in word.split()]
    if "celery" in " ".join(split) and ("beat" in split or "--beat" in split or "-B" in split):
        return True
    if any(_BEAT_SCRIPT.fullmatch(posixpath.basename(part)) for part in split):
        return True
    image = container.get("image")
    return isinstance(image, str) and repository_name(image) == "redash" and "scheduler" in split


# A compute cluster's coordinator: Flink's JobManager (the image's `jobmanager` and
# `standalone-job` commands, `jobmanager.sh`) and Spark's standalone master.
_FLINK_COORDINATOR = lazy_compile(r"(?:^|/)(?:jobmanager\.sh|standalone-job\.sh)$|^(?:jobmanager|standalone-job)$")
_SPARK_MASTER = lazy_compile(r"start-master\.sh|deploy\.master\.Master")
# A project's own Spark master image (corpus37's `local/spark-master`, whose entrypoint
# starts the master; its workers join `spark://spark-master:7077`).
_SPARK_MASTER_IMAGE = lazy_compile(r"(?:[a-z0-9]+[-_])*spark[-_]?master")
# Slurm's controller, by its program or an image named for it (corpus23's
# `rancavil/slurm-master`, with one `SlurmctldHost` in its slurm.conf).
_SLURM_CONTROLLER_IMAGE = lazy_compile(r"slurmctld|slurm-?(?:master|controller|ctld)")
_SLURM_CONTROLLER_WORD = lazy_compile(r"(?:^|/)slurmctld$")


def _runs_a_coordinator_without_standby(container: Any) -> bool | None:
    """Whether the container runs a Flink JobManager without `high-availability` set,
    a Spark standalone master without `spark.deploy.recoveryMode` (corpus21's
    lakehouse and ETL stacks), or a Slurm controller (corpus23). Without it a second replica is a second, separate
    cluster: jobs submitted through the Service land on either, and workers register
    with one. None when its command line or environment is not known yet."""
    command, args, env = container.get("command"), container.get("args"), container.get("env")
    if is_unknown(command) or is_unknown(args) or is_unknown(env):
        return None
    words: list[Any] = [*as_list(command), *as_list(args)]
    texts = list(words)
    spark_master = False
    for entry in as_list(env):
        if is_unknown(entry):
            return None
        if not isinstance(entry, Mapping):
            continue
        name, value = entry.get("name"), entry.get("value")
        if is_unknown(name) or is_unknown(value):
            return None
        texts.append(value)
        spark_master |= name == "SPARK_MODE" and isinstance(value, str) and value.strip() == "master"
    if any(is_unknown(text) for text in texts):
        return None
    # What it runs is its command line's (a TaskManager's environment names the
    # JobManager it joins); whether a standby is configured may be said anywhere.
    parts = [part for word in words if isinstance(word, str) for part in word.split()]
    joined = " ".join(text for text in texts if isinstance(text, str))
    if any(_SLURM_CONTROLLER_WORD.search(part) for part in parts):
        return True  # a backup controller is another host of slurm.conf, not a replica
    image = container.get("image")
    if isinstance(image, str) and _SLURM_CONTROLLER_IMAGE.fullmatch(repository_name(image)):
        return True
    if any(_FLINK_COORDINATOR.search(part) for part in parts):
        return "high-availability" not in joined
    if isinstance(image, str) and _SPARK_MASTER_IMAGE.fullmatch(repository_name(image)):
        spark_master = True
    if spark_master or _SPARK_MASTER.search(joined):
        return "recoveryMode" not in joined
    return False


def _registry_on_local_storage(container: Any) -> bool | None:
    """Whether a distribution registry keeps its images in the pod: no storage driver
    set in its environment (a configuration file may set one: not known)."""
    env = container.get("env")
    if is_unknown(env) or container.get("envFrom") is not None:
        return None
    names = [entry.get("name") for entry in as_list(env) if isinstance(entry, Mapping)]
    if any(is_unknown(name) for name in names):
        return None
    if any(isinstance(name, str) and name.startswith("REGISTRY_STORAGE") for name in names):
        return False
    mounts = container.get("volumeMounts")
    if any(
        isinstance(m, Mapping) and m.get("mountPath") in ("/etc/docker/registry", "/etc/distribution")
        for m in as_list(mounts)
    ):
        return None  # a configuration file of its own may name a storage driver
    return True


def _hapi_on_embedded_database(container: Any) -> bool | None:
    """Whether a HAPI FHIR server (`hapiproject/hapi`) keeps its data in the embedded H2
    database in the pod: no datasource URL set (corpus44's kafka-fhir-to-server). None
    when its settings may come from elsewhere (`envFrom`, a mounted configuration)."""
    env, env_from, mounts = container.get("env"), container.get("envFrom"), container.get("volumeMounts")
    if any(is_unknown(value) for value in (env, env_from, mounts)):
        return None
    for entry in as_list(env):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if is_unknown(name):
            return None
        if isinstance(name, str) and "DATASOURCE_URL" in name.upper().replace(".", "_"):
            return False
    return None if as_list(env_from) or as_list(mounts) else True


def _thanos_compactor(container: Container) -> bool | None:
    """Whether a Thanos container runs the compactor (`thanos compact`), which must run
    alone against its bucket (Thanos' documentation; corpus43's prometheus-ha)."""
    words = container.command_line()
    if words is None:
        return None
    return "compact" in [part for word in words if isinstance(word, str) for part in word.split()]


def _locust_master(container: Container) -> bool | None:
    """Whether a Locust container is the master (`--master`): its workers register
    with the one master, so a second would split them (corpus43's load-test lab)."""
    words = container.command_line()
    return None if words is None else "--master" in words


def _runs_a_client(container: Any) -> bool | None:
    """Whether a store's container has its entrypoint replaced by a command line that
    runs the store's client tools and never its server; None when not known yet."""
    command, args = container.get("command"), container.get("args")
    if is_unknown(command) or is_unknown(args):
        return None
    if command is None:
        return False  # the image's entrypoint starts the server
    words = [*as_list(command), *as_list(args)]
    if any(is_unknown(word) for word in words):
        return None
    text = " ".join(word for word in words if isinstance(word, str))
    return bool(_CLIENT_WORD.search(text)) and not _SERVER_WORD.search(text)
