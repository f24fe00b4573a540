"""Whether a workload serves anything the set shows: shared by the rules whose advice
is about traffic (require-multiple-replicas, network-policy-coverage)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.stack import Stack, label_selector_matches, map_selector_matches
from policypack.values import UNKNOWN, as_list, get, holds_unknown

from .availability._probes import scrape_ports

# Ports named for the kubelet's probes or a scraper (after the program's own words and
# before a protocol or `port`, as _probes reads metrics ports: OpenIM's
# `tran-prome-port`, `cfg-rel-metrics`), or as a placeholder (the `dummy`
# port of a StatefulSet's governing Service, which CSI controllers declare only
# because `serviceName` needs a Service; kompose's `headless` port 55555 for a
# compose service without ports): they carry no one's traffic.
_SELF_PORT = lazy_compile(
    r"(?:[a-z0-9]+-)*(?:https?-)?(?:metrics|monitoring|prometheus|prome|prom|telemetry|healthz?|health-?check"
    r"|liveness(?:-probe)?|probes?)(?:-(?:port|tls|https?|grpc))?"
    r"|(?:[a-z0-9]+-)*dummy(?:-[a-z0-9]+)*|headless"
)


def _traffic_port(port: Any, scraped: frozenset[int] = frozenset(), monitored: frozenset[str] = frozenset()) -> bool:
    """Whether a declared port may carry traffic: every port but one named for probes
    or metrics, the one the pod's `prometheus.io/port` annotation names (`scraped`),
    or one a PodMonitor of the set scrapes by name (`monitored`); another unnamed
    port may carry anything."""
    name = port.get("name") if isinstance(port, Mapping) else None
    number = port.get("containerPort") if isinstance(port, Mapping) else None
    if isinstance(number, int) and number in scraped:
        return False
    if isinstance(name, str) and name in monitored:
        return False
    return not (isinstance(name, str) and _SELF_PORT.fullmatch(name))


# The path of a health endpoint that a probe asks for (`/healthz`, `/ready`, `/livez`,
# `/health/live`, `/ping`): a port the container declares only for it carries no one's
# traffic but the kubelet's (corpus22's Discord bot workers, `BOT_HEALTH_PORT`).
_HEALTH_PATH = lazy_compile(r"/(?:healthz?|readyz?|livez?|liveness|readiness|alive|ping|status)(?:/[\w.-]*)?/?", re.I)
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def health_ports(container: Any) -> tuple[frozenset[int], frozenset[str]] | None:
    """The ports (numbers, names) the container's probes ask a health endpoint on;
    None when a probe is not known yet."""
    numbers: set[int] = set()
    names: set[str] = set()
    for probe in _PROBES:
        get_action = container.get(probe, "httpGet")
        if get_action is UNKNOWN or container.get(probe) is UNKNOWN:
            return None
        if not isinstance(get_action, Mapping):
            continue
        path, port = get_action.get("path"), get_action.get("port")
        if path is UNKNOWN or port is UNKNOWN:
            return None
        if not (isinstance(path, str) and _HEALTH_PATH.fullmatch(path.split("?")[0])):
            continue
        if isinstance(port, int) and not isinstance(port, bool):
            numbers.add(port)
        elif isinstance(port, str):
            names.add(port)
    return frozenset(numbers), frozenset(names)


def monitored_ports(stack: Stack, obj: Resource, labels: Any) -> frozenset[str] | None:
    """The port names that the set's PodMonitors (Prometheus Operator) scrape on the
    workload's pods: a monitor in the pods' namespace (or whose `namespaceSelector`
    names it, or `any`) whose selector matches their labels. None when a monitor's
    selector, namespaces or ports are not known yet."""
    namespace = stack.namespace_of(obj)
    found: set[str] = set()
    for monitor in stack.of_kind("PodMonitor"):
        spec = monitor.get("spec")
        if spec is UNKNOWN:
            return None
        where = get(spec, "namespaceSelector")
        if where is UNKNOWN:
            return None
        names, every = get(where, "matchNames"), get(where, "any")
        if names is UNKNOWN or every is UNKNOWN or any(name is UNKNOWN for name in as_list(names)):
            return None
        if every is True:
            pass
        elif isinstance(names, list) and names:
            if namespace not in names:
                continue
        elif stack.namespace_of(monitor) is UNKNOWN:
            return None  # it may be in the pods' namespace
        elif stack.namespace_of(monitor) != namespace:
            continue
        match = label_selector_matches(get(spec, "selector"), labels, empty_matches_all=True)
        if match is None:
            return None
        if not match:
            continue
        endpoints = get(spec, "podMetricsEndpoints")
        if endpoints is UNKNOWN:
            return None
        for endpoint in as_list(endpoints):
            port = get(endpoint, "port") if isinstance(endpoint, Mapping) else endpoint
            if port is UNKNOWN:
                return None
            if isinstance(port, str) and isinstance(endpoint, Mapping):
                found.add(port)
    return frozenset(found)


def _scrape_only(service: Resource, monitored: frozenset = frozenset()) -> bool | None:
    """Whether every port of the Service is named for metrics or probes (by its name
    or a named targetPort), or targets a port a PodMonitor scrapes (`monitored`: its
    names and numbers): a scraper's Service, not traffic (dcgm-exporter's). None when
    its ports are not known yet."""
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
        target = port.get("targetPort", port.get("port"))
        if isinstance(target, (int, str)) and target in monitored:
            continue
        if any(name is UNKNOWN for name in names):
            undecided = True
            continue
        return False
    return None if undecided else True


def serves(
    stack: Stack,
    obj: Resource,
    view: Resource,
    unplaced: list[Resource],
    traffic_only: bool = False,
    services_only: bool = False,
) -> bool | None:
    """Whether the workload serves something the set shows: a container declares a
    port, or a Service may select its pods (an unknown selector counts as may). None
    when the pod template is not known yet. With `traffic_only`, ports named for
    probes or metrics (`healthz`, `metrics`, ...) or named by the pod's
    `prometheus.io/port` annotation do not count, nor do Services whose every port is
    named so, nor a port the container's probes ask a health endpoint on
    (`httpGet: {path: /healthz, port: 3002}`). With `services_only`, only a Service
    counts: a declared port no Service targets is reached by no one's traffic that a
    rollout could interrupt (corpus26's Celery worker with a leftover port 8000)."""
    path = view.pod_path or view.builtin_pod_path
    if path is not None and (view.get(*path) is UNKNOWN or stack.pod_labels(view) is UNKNOWN):
        return None
    scraped = scrape_ports(view) if traffic_only else frozenset()
    if scraped is None:
        return None  # the annotation naming the scraper's port is not known yet
    monitored = monitored_ports(stack, obj, stack.pod_labels(view)) if traffic_only else frozenset()
    if monitored is None:
        return None  # a PodMonitor that may scrape its ports is not known yet
    containers = view.get(*path, "containers") if path is not None else None
    if monitored and (containers is UNKNOWN or any(entry is UNKNOWN for entry in as_list(containers))):
        return None  # which ports the monitor scrapes is not known yet
    for container in () if services_only else view.containers(init=False, ephemeral=False):
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
            health = health_ports(container)
            if health is None:
                return None  # a probe that may name a health port is not known yet
            if (scraped or health[0]) and any(number is UNKNOWN for number in numbers):
                return None  # may be the port the annotation or a probe names
            own = (scraped | health[0], monitored | health[1])
            if any(_traffic_port(port, *own) for port in as_list(ports)):
                return True
    labels = stack.pod_labels(view)
    namespace = stack.namespace_of(obj)
    if not isinstance(labels, Mapping):
        # Pods whose labels the set does not show (a custom resource's: its controller
        # adds some) may be selected by any Service of their namespace; with none there
        # (nor one that may land there), nothing reaches them (corpus43's Volcano Job
        # running `sleep 10m`).
        if not view.pod_spec_paths:
            # Its pods are not written here (a Rollout's workloadRef), or not known yet.
            return None if holds_unknown(view.get("spec")) else True
        if not isinstance(namespace, str) or stack.in_namespace(namespace, "Service"):
            return True
        if services_that_may_be_in(stack, namespace, unplaced) or any(
            True for _ in stack.elsewhere(namespace, ("Service",), obj)
        ):
            return None  # a Service whose namespace is not known yet may be there
        return False
    if not isinstance(namespace, str):
        return None
    verdict: bool | None = False
    # The ports a PodMonitor scrapes, by name and by number, for the Services that target them.
    numbers = [
        port.get("containerPort")
        for container in (view.containers(init=False, ephemeral=False) if monitored else ())
        for port in as_list(container.get("ports"))
        if isinstance(port, Mapping) and isinstance(port.get("name"), str) and port.get("name") in monitored
    ]
    if any(number is UNKNOWN for number in numbers):
        return None  # the number a Service may target is not known yet
    scraped_ports = frozenset(monitored) | frozenset(numbers)
    for service in services_that_may_be_in(stack, namespace, unplaced):
        scrape = _scrape_only(service, scraped_ports) if traffic_only else False
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


def unplaced_objects(stack: Stack) -> list[Resource]:
    """The Services and pod-bearing objects whose namespace is not known yet (preview):
    any of them may be in the namespace a rule asks about."""
    return [r for r in stack.of_kind("Service", *POD_KINDS) if stack.namespace_of(r) is UNKNOWN]


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
