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
a single instance too. The images are matched by the last part of their repository
name, whatever the registry and tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from policypack.images import repository_name
from policypack.model import Resource
from policypack.values import as_list, is_unknown

# The last path segment of the repository: postgres, bitnami/postgresql, mysql/mysql-server,
# valkey/valkey, mongodb/mongodb-community-server, redis/redis-stack-server, ...
_SINGLE_INSTANCE_STORE = re.compile(
    r"(?:postgres|postgresql|postgis|mysql|mysql-server|mariadb|percona-server|mongo|mongodb"
    r"|mongodb-community-server|redis|redis-stack-server|valkey|keydb|memcached|dynamodb-local|jenkins"
    # an application's own database image, named as one: grafana/tns-db, acme/orders-database
    r"|[a-z0-9]+(?:[-_][a-z0-9]+)*[-_](?:db|database))"
)
# Brokers that cluster only under stable host names (a StatefulSet's): RabbitMQ.
_BROKER_NEEDING_STABLE_NAMES = re.compile(r"rabbitmq")


#: The well-known ports of those databases: PostgreSQL, MySQL/MariaDB, MongoDB, Redis/Valkey.
STORE_PORTS = frozenset({5432, 3306, 27017, 6379})


def runs_single_instance_store(view: Resource) -> bool | None:
    """Whether the pod's main container (the first regular one, by convention; an
    exporter or a proxy may follow it) runs one of those databases; None when its
    image is not known yet (preview). An application with a Redis sidecar is judged
    as the application it is."""
    pod = view.pod_spec
    listed = pod.get("containers") if pod is not None else None
    if is_unknown(listed) or (isinstance(listed, list) and listed and is_unknown(listed[0])):
        return None
    for container in view.containers(init=False, ephemeral=False):
        image = container.get("image")
        if is_unknown(image):
            return None
        repository = repository_name(image) if isinstance(image, str) else ""
        if _SINGLE_INSTANCE_STORE.fullmatch(repository):
            return True
        if _BROKER_NEEDING_STABLE_NAMES.fullmatch(repository) and view.kind != "StatefulSet":
            return True
        return _serves_a_store_port(container.get("ports"))
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
