"""Every Ingress backend names a Service in the set, and a port that Service exposes.

Checks `spec.defaultBackend.service.name` and each `spec.rules[].http.paths[].backend
.service.name` (and the `serviceName` of the removed v1beta1 API) against the Services
linted together (or in the stack), in the Ingress's namespace. Resource backends are
not judged. When the Service is found, the backend's port (`service.port.number`
or `service.port.name`, the removed API's `servicePort`) must be one of the
Service's `ports` (its `port`, or its `name`), not a container's `targetPort`.

Why it matters:
    An Ingress whose backend Service does not exist returns 503 for that path, and
    most controllers log it quietly. It usually means a Service was renamed or
    moved to another namespace and the Ingress was not.

How to fix:
    Point the backend at the Service's exact name, in the Ingress's namespace
    (an Ingress cannot reach a Service in another namespace):

        backend:
          service:
            name: web
            port: {name: http}

Notes:
    One finding per missing Service (or missing port of a Service) of an Ingress, at
    the first path that names it, counting the others: several hosts or paths naming
    one missing Service are one root cause (corpus31).
    A missing Service is reported only when the set shows the application behind it:
    a workload or a Service of that name (the Service renamed, or in another
    namespace), or another backend of the same Ingress that the set resolves. An
    Ingress none of whose backends the set holds, for applications the set does not
    hold either, may front Services another repository or pipeline deploys (an
    infrastructure repository's Ingress, corpus19): that is unknown, and fires
    nothing. A namespace holding a custom resource whose operator may create the Service
    (a Prometheus, an Elasticsearch cluster, a Knative Service) leaves the verdict
    open and fires nothing. Offline, lint the Ingress with its Services; a Service managed elsewhere shows up
    here: suppress with a reason. Unknown names during preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN, Path, as_list, is_unknown


def backends(ingress: Resource) -> Iterator[tuple[Path, Any]]:
    """(path of the service name, name) for every Service backend of an Ingress."""
    for base in (("spec", "defaultBackend"), ("spec", "backend")):
        yield from _service_name(ingress, base)
    for r, rule in enumerate(as_list(ingress.get("spec", "rules"))):
        if not isinstance(rule, Mapping):
            continue
        for p, _ in enumerate(as_list(ingress.get("spec", "rules", r, "http", "paths"))):
            yield from _service_name(ingress, ("spec", "rules", r, "http", "paths", p, "backend"))


def _service_name(ingress: Resource, base: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(ingress.get(*base, "service", "name"), str):
        yield base + ("service", "name"), ingress.get(*base, "service", "name")
    elif isinstance(ingress.get(*base, "serviceName"), str):
        yield base + ("serviceName",), ingress.get(*base, "serviceName")


def _backend_port(ingress: Resource, name_path: Path) -> tuple[Path, Any] | None:
    """(path, port) the backend names beside the Service (`service.port.number` or
    `.name`; the removed API's `servicePort`), a port number as an int; None when
    it names none."""
    if name_path[-1] == "serviceName":
        path = (*name_path[:-1], "servicePort")
        port = ingress.get(*path)
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        return (path, port) if port is not None else None
    base = (*name_path[:-1], "port")
    for key in ("number", "name"):
        port = ingress.get(*base, key)
        if port is not None:
            return base + (key,), port
    return None


def _missing_port(service: Resource, port: Any) -> str | None:
    """The Service's ports, listed for the message, when none is `port`; None when one
    is, or when a port is not known yet (preview) or malformed."""
    if service.get("spec", "type") in ("ExternalName", UNKNOWN):
        return None  # the controller proxies to the external name on the backend's own port
    ports = service.get("spec", "ports")
    if is_unknown(ports) or is_unknown(port) or isinstance(port, bool) or not isinstance(port, (int, str)):
        return None
    listed = []
    for entry in as_list(ports):
        if not isinstance(entry, Mapping):
            return None
        number, name = entry.get("port"), entry.get("name")
        if is_unknown(number) or is_unknown(name):
            return None
        if port in (number, name):
            return None
        listed.append(f"{number} ({name})" if isinstance(name, str) and name else str(number))
    return ", ".join(listed) or "none"


def _app_in_set(stack: Stack, ingress: Resource, namespace: str, name: str, app_names: set[Any]) -> bool:
    """Whether the set shows the application behind a missing backend, so that its
    Service belongs here: a workload or a Service of that name (in any namespace), or
    another backend of this Ingress that the set resolves. Otherwise the Ingress may
    route to Services another repository or pipeline deploys (corpus19: an
    infrastructure repository whose Ingress fronts apps deployed from their own)."""
    if name in app_names:  # (the names of the set's Services and workloads, read once)
        return True
    return any(
        other != name and isinstance(stack.find("Service", other, namespace, near=ingress), Resource)
        for _, other in backends(ingress)
    )


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    app_names = {other.name for other in stack.of_kind("Service", *POD_KINDS) if isinstance(other.name, str)}
    for ingress in stack.of_kind("Ingress"):
        namespace = stack.namespace_of(ingress)
        if not isinstance(namespace, str):
            continue
        # One root cause, one finding: a missing Service (or port) that several paths or
        # hosts of the Ingress name is reported at the first, counting the others
        # (corpus31's jellyfin Ingress, one Service for two hosts).
        found: dict[tuple[Any, ...], list[Any]] = {}  # what is missing -> [path, its words, paths naming it]
        for path, name in backends(ingress):
            service = stack.find("Service", name, namespace, near=ingress)
            if service is None:
                if _app_in_set(stack, ingress, namespace, name, app_names):
                    said = f'backend Service "{name}" is not in namespace {namespace}'
                    found.setdefault((name,), [path, said, 0])[2] += 1
                continue
            if isinstance(service, Resource) and service.is_custom_resource:
                # A Knative Service (`serving.knative.dev`): Knative creates the core
                # Service of that name, whose ports the set does not show (corpus47).
                continue
            named = _backend_port(ingress, path) if isinstance(service, Resource) else None
            exposed = _missing_port(service, named[1]) if named is not None else None
            if named is not None and exposed is not None:
                said = f'backend Service "{name}" has no port {named[1]} (its ports: {exposed})'
                found.setdefault((name, named[1]), [named[0], said, 0])[2] += 1
        for (_, *port), (where, said, count) in found.items():
            if port:
                paths = "this path" if count == 1 else f"the {count} paths that name it"
                yield StackViolation(ingress, where, f"{said}: every request to {paths} fails")
            else:
                yield StackViolation(ingress, where, said + (f" ({count} of its paths name it)" if count > 1 else ""))


RULE = Rule(
    name="ingress-backend-missing",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-services",
    kinds={"Ingress", "Service", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
    profiles=("correctness",),
)
