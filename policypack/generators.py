"""The ConfigMaps and Secrets a kustomization generates, judged as `kustomize build` writes them.

A kustomization's `secretGenerator` and `configMapGenerator` make objects no manifest
spells out: Rocket.Chat's production overlay (corpus21) generates its MongoDB Secret
from `literals: [password=SuperStrongPass!]`, a credential committed in the repository
that linting the manifests alone never sees; and a pod that mounts a generated
ConfigMap refers to an object that exists once built.

`generated` yields, for each generator entry of a kustomization document, a `Document`
holding the object kustomize makes (without its name's hash suffix, which kustomize
also writes into the references): `literals` (`key=value`), `envs` files (`KEY=VALUE`
lines) and `files` (`path` or `key=path`) read beside the kustomization. Its fields are
placed on the generator's lines: a key on its literal or file entry, the rest on the
entry. When a file cannot be read, the object's data is UNKNOWN (it exists; what it
holds is not known). Entries with `behavior: merge` or `replace` change an object
another kustomization generates, and are left to that one.

Offline only: Pulumi's kustomize resources hand the pack the generated objects.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.loader import Document
from policypack.values import UNKNOWN, as_list

_GENERATORS = (("configMapGenerator", "ConfigMap", "data"), ("secretGenerator", "Secret", "data"))


def generated(document: Document) -> Iterator[Document]:
    """The objects the kustomization `document` generates (see the module docstring)."""
    data = document.data
    if not isinstance(data, Mapping):
        return
    namespace = data.get("namespace")
    for field, kind, values_field in _GENERATORS:
        entries = data.get(field)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) or not entry["name"]:
                continue
            if entry.get("behavior") in ("merge", "replace"):
                continue
            yield _object(document, (field, index), kind, values_field, entry, namespace)


def _object(
    document: Document, at: tuple[str, int], kind: str, values_field: str, entry: Mapping[str, Any], namespace: Any
) -> Document:
    directory = os.path.dirname(os.path.abspath(document.file))
    values: dict[str, Any] = {}
    places: dict[str, Any] = {}
    known = True
    for index, literal in enumerate(as_list(entry.get("literals"))):
        if isinstance(literal, str) and "=" in literal and literal.split("=", 1)[0].strip():
            key, value = literal.split("=", 1)
            values[key.strip()] = _unquoted(value)
            places[key.strip()] = (*document.locate((*at, "literals", index)), None)
    for list_name in ("envs", "env"):  # `env` is the older, single-file form
        for index, path in enumerate(as_list(entry.get(list_name)) if list_name == "envs" else [entry.get("env")]):
            if not isinstance(path, str):
                continue
            where = (*at, list_name, index) if list_name == "envs" else (*at, list_name)
            text = _read(_inside(directory, path))
            if text is None:
                known = False
                continue
            for key, value in _env_lines(text):
                values[key] = value
                places[key] = (*document.locate(where), None)
    for index, source in enumerate(as_list(entry.get("files"))):
        if not isinstance(source, str):
            continue
        key, _, path = source.partition("=") if "=" in source else (os.path.basename(source), "", source)
        text = _read(_inside(directory, path))
        if text is None:
            known = False
            continue
        values[key] = text
        places[key] = (*document.locate((*at, "files", index)), None)
    line, column = document.locate(at)
    metadata: dict[str, Any] = {"name": entry["name"]}
    own_namespace = entry.get("namespace", namespace)
    if isinstance(own_namespace, str) and own_namespace:
        metadata["namespace"] = own_namespace
    manifest: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": metadata}
    if kind == "Secret":
        manifest["type"] = entry.get("type", "Opaque")
    if kind == "Secret":  # kustomize writes a Secret's values base64-encoded in `data`
        values = {key: base64.b64encode(value.encode()).decode() for key, value in values.items()}
    manifest[values_field] = values if known else UNKNOWN
    tree = (
        line,
        column,
        {
            "metadata": (line, column, {"name": (*document.locate((*at, "name")), None)}),
            values_field: (line, column, places),
        },
    )
    return Document(document.file, document.index, manifest, None, None, tree=tree, last_line=document.end_line)


def _inside(directory: str, path: str) -> str | None:
    """The file's path when it is in or below `directory`, else None."""
    full = os.path.normpath(os.path.join(directory, path))
    return full if full == directory or full.startswith(directory + os.sep) else None


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _env_lines(text: str) -> Iterator[tuple[str, str]]:
    """The `KEY=VALUE` lines of an env file (comments and blank lines skipped)."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        yield key.strip(), _unquoted(value.strip())


def _read(path: str | None) -> str | None:
    """The file's text; None when it cannot be read, or lies outside the
    kustomization's directory, which kustomize refuses to load by default."""
    return None if path is None else _read_text(path)


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None
