#!/usr/bin/env python3
"""Regenerate rules/application_delivery/kubernetes_fields.json from the Kubernetes Python client.

The official Kubernetes Python client (`kubernetes` on PyPI, kubernetes-client/python)
is generated from the OpenAPI definitions of one Kubernetes release: client 37.x from
Kubernetes 1.37's. Each of its model classes (`V1Deployment`, `V1Container`, ...)
holds `openapi_types` (python name -> type: `'V1Probe'`, `'List[V1Container]'`,
`'Dict[str, str]'`, `'object'`) and `attribute_map` (python name -> JSON name); each
API method names the REST path it calls and the model it returns. This script reads
both and keeps what `unknown-fields` needs to tell a field a type does not have:

- `kinds`: for each apiVersion, each kind the API serves there (a resource the
  client can create or read, not a subresource) and the model of its objects;
- `types`: for each model reached from those (the objects' `status` is not walked),
  its JSON field names, each with the model to walk its value as: `"T"` (an object of
  model T), `"[]T"` (a list of them), `"{}T"` (a map from strings to them), or `""`
  (nothing to walk: a string, number, map of strings, `object`, IntOrString, Quantity);
- `required`: for each of those models that has any, the JSON names of the fields its
  OpenAPI definition requires (the client's pydantic models mark them required):
  `SecretKeySelector`'s `key`, `ContainerPort`'s `containerPort`. Fields the API server
  fills in before it validates are not required there (`RoleRef`'s `apiGroup`).

The client is not a dependency of the project: install it in a throwaway virtualenv
and run this script with that interpreter (it imports nothing of the project):

    python3 -m venv /tmp/k8svenv && /tmp/k8svenv/bin/pip install kubernetes==37.0.2
    /tmp/k8svenv/bin/python scripts/kubernetes_fields.py

The client is Apache-2.0 licensed; the output records the package, its version, the
Kubernetes release it was generated from and the license. Re-run it with the client of
a newer release when the pack targets a newer Kubernetes, and compare the rule's
`KINDS` with the kinds it prints (they are listed there so that start-up never reads
this file).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import inspect
import json
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "rules" / "application_delivery" / "kubernetes_fields.json"
PACKAGE = "kubernetes"

# A resource's own path, not a subresource's (`/pods/{name}/eviction`) nor a list of
# every namespace's: `/api/v1/namespaces/{namespace}/pods`, `/apis/apps/v1/deployments/{name}`.
_RESOURCE_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/{}]+)/(?P<version>[^/{}]+))"
    r"/(?:namespaces/\{namespace\}/)?(?P<plural>[a-z0-9]+)(?:/\{name\})?$"
)
_SERIALIZE_CALL = re.compile(r"self\.(_\w+_serialize)\(")
_PATH_ARGUMENT = re.compile(r"resource_path='([^']+)'")
_RESPONSE_200 = re.compile(r"""'200':\s*"(\w+)\"""")
# The version prefix of a model's name, with the group some carry to tell models of the
# same name apart (`CoreV1Event`, `EventsV1Event`, `V1beta1ResourceClaim`).
_PREFIX = re.compile(r"^(?:[A-Z][a-z]+)*V[0-9]+(?:(?:alpha|beta)[0-9]+)?(?=[A-Z])")
_LIST = re.compile(r"^List\[(\w+)\]$")
_MAP = re.compile(r"^Dict\[str, (\w+)\]$")
_OPENAPI_RELEASE = re.compile(r"The version of the OpenAPI document: (\S+)")


def kind_of(model: str) -> str:
    """`V1Deployment` -> `Deployment`, `CoreV1Event` -> `Event`."""
    match = _PREFIX.match(model)
    if match is None:
        raise ValueError(f"model name without a version prefix: {model}")
    return model[match.end() :]


def models(client: Any) -> dict[str, Any]:
    """Every model class of the client, by name."""
    module = importlib.import_module(f"{client.__name__}.models")
    found = {}
    for name in dir(module):
        cls = getattr(module, name)
        if inspect.isclass(cls) and isinstance(getattr(cls, "openapi_types", None), dict):
            found[name] = cls
    return found


def resources(client: Any, known: dict[str, Any]) -> dict[str, dict[str, str]]:
    """apiVersion -> kind -> model, from the API classes' create and read methods."""
    package = importlib.import_module(f"{client.__name__}.api")
    out: dict[str, dict[str, str]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name, method in inspect.getmembers(cls, inspect.isfunction):
                if not name.startswith(("create_", "read_")) or name.endswith("_with_http_info"):
                    continue
                source = inspect.getsource(method)
                serialize, response = _SERIALIZE_CALL.search(source), _RESPONSE_200.search(source)
                if serialize is None or response is None or response[1] not in known:
                    continue
                path = _PATH_ARGUMENT.search(inspect.getsource(getattr(cls, serialize[1])))
                match = _RESOURCE_PATH.match(path[1]) if path else None
                if match is None:
                    continue  # a subresource (eviction, token, scale, status, binding of a pod)
                api_version = match["core"] or f"{match['group']}/{match['version']}"
                model = response[1]
                kind = kind_of(model)
                previous = out.setdefault(api_version, {}).setdefault(kind, model)
                if previous != model:
                    raise ValueError(f"{api_version} {kind}: models {previous} and {model}")
    return out


def field_type(declared: str, known: dict[str, Any]) -> str:
    """What the data says of a field's value: "T", "[]T", "{}T" for models, else ""."""
    if declared in known:
        return declared
    for pattern, mark in ((_LIST, "[]"), (_MAP, "{}")):
        match = pattern.match(declared)
        if match and match[1] in known:
            return mark + match[1]
    return ""


def reachable(roots: set[str], known: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every model reached from the roots, with its fields; a root's `status` is not walked."""
    types: dict[str, dict[str, str]] = {}
    pending = sorted(roots)
    while pending:
        name = pending.pop()
        if name in types:
            continue
        cls = known[name]
        fields: dict[str, str] = {}
        for attribute, declared in cls.openapi_types.items():
            json_name = cls.attribute_map[attribute]
            walked = field_type(declared, known)
            if json_name == "status" and name in roots:
                walked = ""  # what the API server reports, not what a manifest declares
            fields[json_name] = walked
            if walked:
                pending.append(walked.lstrip("[]{}"))
        types[name] = dict(sorted(fields.items()))
    return dict(sorted(types.items()))


def required(types: dict[str, dict[str, str]], known: dict[str, Any]) -> dict[str, list[str]]:
    """The JSON names of each model's required fields (pydantic's `model_fields`)."""
    out: dict[str, list[str]] = {}
    for name in types:
        cls = known[name]
        fields = getattr(cls, "model_fields", {})
        names = sorted(cls.attribute_map[attribute] for attribute, info in fields.items() if info.is_required())
        if names:
            out[name] = names
    return out


def openapi_release(client: Any, known: dict[str, Any]) -> str:
    """The OpenAPI document the client was generated from (`release-1.37`)."""
    module = sys.modules[known["V1ObjectMeta"].__module__]
    match = _OPENAPI_RELEASE.search(module.__doc__ or "") or _OPENAPI_RELEASE.search(inspect.getsource(module))
    return match[1] if match else "unknown"


def convert() -> dict[str, Any]:
    client = importlib.import_module(f"{PACKAGE}.client")
    known = models(client)
    kinds = resources(client, known)
    roots = {model for by_kind in kinds.values() for model in by_kind.values()}
    release = openapi_release(client, known)
    types = reachable(roots, known)
    return {
        "source": {
            "package": f"{PACKAGE} (PyPI)",
            "repository": "https://github.com/kubernetes-client/python",
            "version": importlib.metadata.version(PACKAGE),
            "openapi": release,
            "kubernetes": release.removeprefix("release-"),
            "license": "Apache-2.0",
            "generator": "scripts/kubernetes_fields.py",
        },
        "kinds": {version: dict(sorted(by_kind.items())) for version, by_kind in sorted(kinds.items())},
        "types": types,
        "required": required(types, known),
    }


def render(data: dict[str, Any]) -> str:
    """Compact: one line per apiVersion and per type."""
    lines = ["{", f' "source": {json.dumps(data["source"], sort_keys=True)},', ' "kinds": {']
    lines.extend(
        f"  {json.dumps(version)}: {json.dumps(by_kind, sort_keys=True)}," for version, by_kind in data["kinds"].items()
    )
    lines[-1] = lines[-1].rstrip(",")
    lines.extend([" },", ' "types": {'])
    types = data["types"]
    lines.extend(f"  {json.dumps(name)}: {json.dumps(fields, sort_keys=True)}," for name, fields in types.items())
    lines[-1] = lines[-1].rstrip(",")
    lines.extend([" },", ' "required": {'])
    lines.extend(f"  {json.dumps(name)}: {json.dumps(names)}," for name, names in data["required"].items())
    lines[-1] = lines[-1].rstrip(",")
    lines.extend([" }", "}"])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    try:
        out = convert()
    except ImportError:
        print(f"the {PACKAGE} client is not installed here: see this script's docstring", file=sys.stderr)
        return 2
    text = render(out)
    assert json.loads(text) == out
    args.output.write_text(text, encoding="utf-8")
    kinds = sorted({kind for by_kind in out["kinds"].values() for kind in by_kind})
    print(
        f"wrote {sum(map(len, out['kinds'].values()))} kinds of {len(out['kinds'])} apiVersions, "
        f"{len(out['types'])} types ({len(text.encode())} bytes) to {args.output}",
        file=sys.stderr,
    )
    print("kinds: " + " ".join(kinds), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
