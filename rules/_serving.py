"""Whether a workload serves anything the set shows: shared by the rules whose advice
is about traffic (require-multiple-replicas, network-policy-coverage)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policypack.model import Resource
from policypack.stack import Stack, map_selector_matches
from policypack.values import UNKNOWN, as_list

from .availability._probes import scrape_ports

# Ports named for the kubelet's probes or a scraper: they carry no one's traffic.
_SELF_PORT = re.compile(
    r"(?:https?-)?(?:metrics|monitoring|prometheus|prom|telemetry|healthz?|health-?check|liveness(?:-probe)?|probes?)"
)


def _traffic_port(port: Any, scraped: frozenset[int] = frozenset()) -> bool:
    """Whether a declared port may carry traffic: every port but one named for probes
    or metrics, or the one the pod's `prometheus.io/port` annotation names (`scraped`);
    another unnamed port may carry anything."""
    name = port.get("name") if isinstance(port, Mapping) else None
    number = port.get("containerPort") if isinstance(port, Mapping) else None
    if isinstance(number, int) and number in scraped:
        return False
    return not (isinstance(name, str) and _SELF_PORT.fullmatch(name))


def _scrape_only(service: Resource) -> bool | None:
    """Whether every port of the Service is named for metrics or probes (by its name
    or a named targetPort): a scraper's Service, not traffic (dcgm-exporter's). None
    when its ports are not known yet."""
    ports = service.get("spec", "ports")
    if ports is UNKNOWN:
        return None
    if not as_list(ports):
        return False
    undecided = False
    for port in as_list(ports):
        if port is UNKNOWN:
            undecided = True
            continue
        if not isinstance(port, Mapping):
            return False
        names = [port.get("name"), port.get("targetPort")]
        if any(isinstance(name, str) and _SELF_PORT.fullmatch(name) for name in names):
            continue
        if any(name is UNKNOWN for name in names):
            undecided = True
            continue
        return False
    return None if undecided else True


def serves(
    stack: Stack, obj: Resource, view: Resource, unplaced: list[Resource], traffic_only: bool = False
) -> bool | None:
    """Whether the workload serves something the set shows: a container declares a
    port, or a Service may select its pods (an unknown selector counts as may). None
    when the pod template is not known yet. With `traffic_only`, ports named for
    probes or metrics (`healthz`, `metrics`, ...) or named by the pod's
    `prometheus.io/port` annotation do not count, nor do Services whose every port is
    named so."""
    path = view.pod_path or view.builtin_pod_path
    if path is not None and (view.get(*path) is UNKNOWN or stack.pod_labels(view) is UNKNOWN):
        return None
    scraped = scrape_ports(view) if traffic_only else frozenset()
    if scraped is None:
        return None  # the annotation naming the scraper's port is not known yet
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
            numbers = [port.get("containerPort") for port in as_list(ports) if isinstance(port, Mapping)]
            if scraped and any(number is UNKNOWN for number in numbers):
                return None  # may be the port the annotation names
            if any(_traffic_port(port, scraped) for port in as_list(ports)):
                return True
    labels = stack.pod_labels(view)
    if not isinstance(labels, Mapping):
        return True
    namespace = stack.namespace_of(obj)
    if not isinstance(namespace, str):
        return None
    verdict: bool | None = False
    for service in services_that_may_be_in(stack, namespace, unplaced):
        scrape = _scrape_only(service) if traffic_only else False
        if scrape is True:
            continue  # a scraper reads the pods through it: no traffic
        if stack.nearer_copy(obj, service):
            continue  # the Service goes with another variant of this workload, in its own file
        match = selects(service, labels)
        if match is True and stack.namespace_of(service) == namespace and scrape is False:
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
