"""Which workloads run a database that does not replicate by adding pods.

Two replicas of a PostgreSQL, MySQL, MongoDB or Redis pod template are two separate
databases (each with its own data, or fighting over one volume), not a replicated
one: their availability comes from replication set up by an operator or a chart,
which a manifest of plain pods does not show. The images are matched by the last
part of their repository name, whatever the registry and tag.
"""

from __future__ import annotations

import re

from policypack.model import Resource
from policypack.values import is_unknown

from ..application_delivery.require_pinned_images import split_image

# The last path segment of the repository: postgres, bitnami/postgresql, mysql/mysql-server,
# valkey/valkey, mongodb/mongodb-community-server, redis/redis-stack-server, ...
_SINGLE_INSTANCE_STORE = re.compile(
    r"(?:postgres|postgresql|postgis|mysql|mysql-server|mariadb|percona-server|mongo|mongodb"
    r"|mongodb-community-server|redis|redis-stack-server|valkey|keydb)"
)


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
        return (
            isinstance(image, str)
            and _SINGLE_INSTANCE_STORE.fullmatch(split_image(image)[0].rpartition("/")[2]) is not None
        )
    return False
