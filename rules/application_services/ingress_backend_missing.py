"""Every Ingress backend names a Service in the set.

Checks `spec.defaultBackend.service.name` and each `spec.rules[].http.paths[].backend
.service.name` (and the `serviceName` of the removed v1beta1 API) against the Services
linted together (or in the stack), in the Ingress's namespace. Resource backends are
not judged.

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
    A namespace holding a custom resource whose operator may create the Service
    (a Prometheus, an Elasticsearch cluster, a Knative Service) leaves the verdict
    open and fires nothing. Offline, lint the Ingress with its Services; a Service managed elsewhere shows up
    here: suppress with a reason. Unknown names during preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import Path, as_list


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


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for ingress in stack.of_kind("Ingress"):
        namespace = stack.namespace_of(ingress)
        if not isinstance(namespace, str):
            continue
        for path, name in backends(ingress):
            if stack.find("Service", name, namespace, near=ingress) is None:
                yield StackViolation(ingress, path, f'backend Service "{name}" is not in namespace {namespace}')


RULE = Rule(
    name="ingress-backend-missing",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-services",
    kinds={"Ingress", "Service", CUSTOM_RESOURCES},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
)
