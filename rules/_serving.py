"""Whether a workload serves anything the set shows: shared by the rules whose advice
is about traffic (require-multiple-replicas, network-policy-coverage)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policypack.model import Resource
from policypack.stack import Stack, map_selector_matches
from policypack.values import UNKNOWN, as_list

# Ports named for the kubelet's probes or a scraper: they carry no one's traffic.
_SELF_PORT = re.compile(
    r"(?:https?-)?(?:metrics|monitoring|prometheus|prom|telemetry|healthz?|health-?check|liveness(?:-probe)?|probes?)"
)


def _traffic_port(port: Any) -> bool:
    """Whether a declared port may carry traffic: every port but one named for probes
    or metrics (an unnamed port may carry anything)."""
    name = port.get("name") if isinstance(port, Mapping) else None
    return not (isinstance(name, str) and _SELF_PORT.fullmatch(name))


def serves(
    stack: Stack, obj: Resource, view: Resource, unplaced: list[Resource], traffic_only: bool = False
) -> bool | None:
    """Whether the workload serves something the set shows: a container declares a
    port, or a Service may select its pods (an unknown selector counts as may). None
    when the pod template is not known yet. With `traffic_only`, ports named for
    probes or metrics (`healthz`, `metrics`, ...) do not count."""
    path = view.pod_path or view.builtin_pod_path
    if path is not None and (view.get(*path) is UNKNOWN or stack.pod_labels(view) is UNKNOWN):
        return None
    for container in view.containers(init=False, ephemeral=False):
        ports = container.get("ports")
        if ports is UNKNOWN or any(port is UNKNOWN for port in as_list(ports)):
            return None if traffic_only else True  # may be a probe's port, or may serve
        if not traffic_only and as_list(ports):
            return True
        if traffic_only:
            names = [port.get("name") for port in as_list(ports) if isinstance(port, Mapping)]
            if any(name is UNKNOWN for name in names):
                return None
            if any(_traffic_port(port) for port in as_list(ports)):
                return True
    labels = stack.pod_labels(view)
    if not isinstance(labels, Mapping):
        return True
    namespace = stack.namespace_of(obj)
    if not isinstance(namespace, str):
        return None
    verdict: bool | None = False
    for service in services_that_may_be_in(stack, namespace, unplaced):
        match = selects(service, labels)
        if match is True and stack.namespace_of(service) == namespace:
            return True
        if match is not False:
            verdict = None  # a selector, a label or the Service's namespace not known yet
    if verdict is False and any(selects(s, labels) is not False for s in stack.elsewhere(namespace, ("Service",), obj)):
        verdict = None  # a Service may land beside it (docs/sets.md, rule 5)
    return verdict


def services_that_may_be_in(stack: Stack, namespace: str, unplaced: list[Resource]) -> list[Resource]:
    """The Services in `namespace`, and those whose namespace is not known yet."""
    return stack.in_namespace(namespace, "Service") + [r for r in unplaced if r.kind == "Service"]


def selects(service: Resource, labels: Mapping[str, Any]) -> bool | None:
    selector = service.get("spec", "selector")
    if selector is UNKNOWN:
        return None
    if not isinstance(selector, Mapping) or not selector:
        return False
    return map_selector_matches(selector, labels)
