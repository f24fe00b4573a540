"""Programs whose configuration file, not their image, makes them single instances.

Some programs keep their state in the pod only when their configuration file says
so, and the file is in a ConfigMap or Secret the pod mounts:

- Dex with its storage in memory or SQLite (`storage: {type: memory}`): the
  authorisation codes and sessions one replica issues are unknown to the other,
  so a second replica breaks logins (corpus29's lab Dex, labelled false). Dex on
  Kubernetes, etcd, PostgreSQL or MySQL storage replicates by adding pods.
- Loki run as one binary (no `-target`, or `-target=all`) with its ring in memory
  (`kvstore: {store: inmemory}`, or the image's own configuration, which keeps it
  so): a second replica is a second Loki with its own ring and chunks, and the
  Service splits pushes and queries between them. Memberlist, Consul or etcd make a
  ring the replicas share.

Whether such a workload is one is read from the set: when the file is in an object
the set does not hold, or not known yet, it is not known (None).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import repository_name
from policypack.model import Resource
from policypack.stack import Stack
from policypack.values import UNKNOWN, as_list, is_unknown

from ._stores import main_container

_DEX = "dex"
_DEX_POD_STORAGE = frozenset({"memory", "sqlite3"})
_LOKI = "loki"
_LOKI_TARGET_FLAGS = ("-target=", "--target=")
_LOKI_IMAGE_CONFIG = "/etc/loki/local-config.yaml"  # grafana/loki's own: ring in memory


def configured_single_instance(stack: Stack, view: Resource) -> bool | None:
    """Whether the pod's main container runs a program that its configuration file
    keeps to one instance (see the module's docstring); None when not known. Every
    file the container mounts from the set is read: the verdict is the one they all
    give, and not known when they disagree or one is not known yet (the program
    loads one of them, which the rule need not tell apart)."""
    container = main_container(view)
    if container is None or container is UNKNOWN:
        return None if container is UNKNOWN else False
    image = container.get("image")
    repository = repository_name(image) if isinstance(image, str) else ""
    if repository == _DEX:
        decide = _dex_keeps_state_in_pod
    elif repository == _LOKI:
        target = _loki_target(container)
        if target is not True:
            return target  # a microservice of a distributed Loki (False), or not known yet
        decide = _loki_ring_in_memory
    else:
        return False
    verdicts: set[bool] = set()
    undecided = False
    files = 0
    for text in _mounted_files(stack, view, container):
        files += 1
        if text is UNKNOWN:
            undecided = True
            continue
        verdict = decide(_parse(text))
        if verdict is not None:
            verdicts.add(verdict)
    if undecided or len(verdicts) > 1:
        return None
    if verdicts:
        return verdicts.pop()
    # Loki that mounts no configuration runs on its image's: its ring in memory.
    return repository == _LOKI and files == 0 and _loki_default_config(container)


def _loki_target(container: Any) -> bool | None:
    """Whether Loki runs as one binary (every component: no target, or `all`)."""
    words = container.command_line()
    if words is None:
        return None
    for index, word in enumerate(words):
        if not isinstance(word, str):
            continue
        if word.startswith(_LOKI_TARGET_FLAGS):
            return word.split("=", 1)[1].strip() == "all"
        if word in ("-target", "--target"):  # the value as the next word
            value = words[index + 1] if index + 1 < len(words) else None
            return isinstance(value, str) and value.strip() == "all"
    return True


def _loki_default_config(container: Any) -> bool:
    """Whether Loki runs on the configuration its image ships (no `-config.file`, or
    the image's own `/etc/loki/local-config.yaml`): its ring in memory."""
    words = [word for word in container.command_line() or () if isinstance(word, str)]
    for index, word in enumerate(words):
        if word.startswith(("-config.file=", "--config.file=")):
            return word.split("=", 1)[1].strip() == _LOKI_IMAGE_CONFIG
        if word in ("-config.file", "--config.file"):
            return index + 1 < len(words) and words[index + 1].strip() == _LOKI_IMAGE_CONFIG
    return True


def _dex_keeps_state_in_pod(config: Any) -> bool | None:
    storage = config.get("storage") if isinstance(config, Mapping) else None
    kind = storage.get("type") if isinstance(storage, Mapping) else None
    if not isinstance(kind, str):
        return None  # not Dex's configuration file
    return kind.strip().lower() in _DEX_POD_STORAGE


def _loki_ring_in_memory(config: Any) -> bool | None:
    if not isinstance(config, Mapping) or not any(key in config for key in ("server", "ingester", "common")):
        return None  # not Loki's configuration file
    stores = {store.strip().lower() for store in _kvstores(config)}
    return bool(stores) and stores <= {"inmemory"}


def _kvstores(node: Any) -> Iterator[str]:
    """The `store` of every `kvstore` block of a Loki configuration. Each mapping and
    list is visited once: YAML aliases may share (or nest) a node many times."""
    seen: set[int] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if not isinstance(current, (Mapping, list)) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, list):
            pending.extend(current)
            continue
        for key, value in current.items():
            if key == "kvstore" and isinstance(value, Mapping) and isinstance(value.get("store"), str):
                yield value["store"]
            else:
                pending.append(value)


def _parse(text: str) -> Any:
    import yaml  # only for these programs' configuration files

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _mounted_files(stack: Stack, view: Resource, container: Any) -> Iterator[Any]:
    """The text of every file the container mounts from a ConfigMap or Secret of the
    set; UNKNOWN for each such object that the set does not hold or that is not known
    yet."""
    mounts = container.get("volumeMounts")
    volumes = view.pod_spec.get("volumes") if view.pod_spec is not None else None
    if is_unknown(mounts) or is_unknown(volumes):
        yield UNKNOWN
        return
    mounted = {m.get("name") for m in as_list(mounts) if isinstance(m, Mapping) and isinstance(m.get("name"), str)}
    if any(is_unknown(m) or (isinstance(m, Mapping) and is_unknown(m.get("name"))) for m in as_list(mounts)):
        yield UNKNOWN
    namespace = stack.namespace_of(view)
    for volume in as_list(volumes):
        if is_unknown(volume) or not isinstance(volume, Mapping):
            if is_unknown(volume):
                yield UNKNOWN
            continue
        name = volume.get("name")
        if not is_unknown(name) and (not isinstance(name, str) or name not in mounted):
            continue  # (a volume whose name is not known yet may be the one mounted)
        for kind, name in _sources(volume):
            found = stack.find(kind, name, namespace, near=view)
            if not isinstance(found, Resource):
                yield UNKNOWN
                continue
            yield from _texts(found)


def _sources(volume: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(kind, name) of each ConfigMap or Secret the volume projects (a name UNKNOWN
    when not known yet)."""
    config_map, secret, projected = volume.get("configMap"), volume.get("secret"), volume.get("projected")
    if config_map is not None:
        yield "ConfigMap", config_map.get("name") if isinstance(config_map, Mapping) else UNKNOWN
    if secret is not None:
        yield "Secret", secret.get("secretName") if isinstance(secret, Mapping) else UNKNOWN
    if projected is not None:
        sources = projected.get("sources") if isinstance(projected, Mapping) else UNKNOWN
        if is_unknown(sources):
            yield "ConfigMap", UNKNOWN
        for source in as_list(sources):
            if not isinstance(source, Mapping):
                yield "ConfigMap", UNKNOWN
                continue
            for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                ref = source.get(field)
                if ref is not None:
                    yield kind, ref.get("name") if isinstance(ref, Mapping) else UNKNOWN


def _texts(source: Resource) -> Iterator[Any]:
    """The files of a ConfigMap or Secret: `data` (a Secret's decoded from base64) and
    `stringData`; UNKNOWN for a value not known yet."""
    for field in ("data", "stringData"):
        data = source.get(field)
        if is_unknown(data):
            yield UNKNOWN
            continue
        if not isinstance(data, Mapping):
            continue
        for value in data.values():
            if is_unknown(value):
                yield UNKNOWN
            elif isinstance(value, str):
                yield _decoded(value) if source.kind == "Secret" and field == "data" else value


def _decoded(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""
