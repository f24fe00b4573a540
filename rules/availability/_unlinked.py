"""Replicas of a key-value store that are separate servers, not one replicated store.

Three replicas of `redis-server --appendonly yes` behind one Service are three
Redis servers, each with its own data: nothing makes one a replica of another.
Asking them for a PodDisruptionBudget or for spreading across nodes treats them as
one service that must keep a quorum, which they are not (corpus30's admission app,
labelled debatable twice; `require-multiple-replicas` already knows a second pod of
such a template is a second database). The fix they need is replication, not a
budget.

A Redis or Valkey template counts as such only when everything that could link its
pods is absent: no init container (the usual way to write `replicaof` per pod), no
configuration file (a ConfigMap or Secret mounted, or a `.conf` argument), no
replication, cluster or Sentinel word in its arguments or in a variable's name or
value (Bitnami's `REDIS_REPLICATION_MODE`, `REDIS_ARGS: --replicaof ...`), no
variables from a ConfigMap or Secret, and no second container (a Sentinel beside it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policypack.images import repository_name
from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.values import as_list, is_unknown

_KEY_VALUE_STORES = frozenset({"redis", "valkey", "keydb", "redis-stack-server"})
# Arguments and variable names that link servers: replication, cluster mode, Sentinel,
# a configuration file.
_LINKS = lazy_compile(r"(?i)replica|slave|master|primary|cluster|sentinel|\.conf\b")


def unlinked_store_pods(view: Resource) -> bool | None:
    """Whether the pod template runs a Redis-family server that nothing links to its
    other replicas (see the module's docstring); None when not known yet."""
    pod = view.pod_spec
    if pod is None:
        return False
    containers, init = pod.get("containers"), pod.get("initContainers")
    volumes = pod.get("volumes")
    if any(is_unknown(value) for value in (containers, init, volumes)):
        return None
    listed = as_list(containers)
    if len(listed) != 1 or as_list(init):
        return False  # a second container (a Sentinel, an exporter) or an init container: judged as usual
    main = listed[0]
    if is_unknown(main):
        return None
    if not isinstance(main, Mapping):
        return False
    image = main.get("image")
    if is_unknown(image):
        return None
    if not isinstance(image, str) or repository_name(image) not in _KEY_VALUE_STORES:
        return False
    fields = [main.get(key) for key in ("command", "args", "env", "envFrom")]
    if any(is_unknown(value) for value in fields):
        return None
    command, args, env, env_from = fields
    if as_list(env_from):
        return False  # variables from a ConfigMap or Secret may set up replication: judged as usual
    words: list[Any] = [*as_list(command), *as_list(args)]
    variables = [
        part
        for entry in as_list(env)
        for part in ((entry.get("name"), entry.get("value")) if isinstance(entry, Mapping) else (entry,))
    ]
    for value in (*words, *variables):
        if is_unknown(value):
            return None
        if isinstance(value, str) and _LINKS.search(value):
            return False
    for volume in as_list(volumes):
        if is_unknown(volume):
            return None
        if isinstance(volume, Mapping) and any(key in volume for key in ("configMap", "secret", "projected")):
            return False  # a configuration file may link them
    return True
