"""Whether a workload serves anything the set shows: shared by the rules whose advice
is about traffic (require-multiple-replicas, network-policy-coverage)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policypack.model import Resource
from policypack.stack import Stack, map_selector_matches
from policypack.values import UNKNOWN, as_list


def serves(stack: Stack, obj: Resource, view: Resource, unplaced: list[Resource]) -> bool | None:
    """Whether the workload serves something the set shows: a container declares a
    port, or a Service may select its pods (an unknown selector counts as may). None
    when the pod template is not known yet."""
    path = view.pod_path or view.builtin_pod_path
    if path is not None and (view.get(*path) is UNKNOWN or stack.pod_labels(view) is UNKNOWN):
        return None
    for container in view.containers(init=False, ephemeral=False):
        if container.get("ports") is UNKNOWN or as_list(container.get("ports")):
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
