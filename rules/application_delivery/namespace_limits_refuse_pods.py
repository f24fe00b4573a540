"""Pods fit the LimitRanges and ResourceQuotas of their namespace.

Fires on a container whose resources a LimitRange of its namespace (in the set)
refuses: a request or limit above the range's `max` for a container, or below its
`min` (`cpu: 50`, fifty cores, where the range allows 250m). And on a container that
leaves out a request or limit a ResourceQuota of its namespace counts (`requests.cpu`,
`limits.memory`, ...), when no LimitRange there gives it a default.

Why it matters:
    Both are checked when each pod is created, not when the workload is applied: the
    Deployment or the CronJob is accepted, and every pod it makes is refused
    (`maximum cpu usage per Container is 250m, but limit is 50`; `failed quota:
    miners-quota: must specify limits.cpu,requests.cpu`). Nothing runs, and the
    reason is only in the ReplicaSet's or the Job's events.

How to fix:
    Size the container within the range, and give it every request and limit the
    quota counts (or give the namespace a LimitRange with defaults):

        resources:
          requests: {cpu: 50m, memory: 64Mi}
          limits: {cpu: 250m, memory: 128Mi}

Notes:
    The values compared are those the API server sees: a request left out is the
    limit written (Kubernetes' defaulting), then the LimitRange's `defaultRequest`;
    a limit left out is the range's `default` (which defaults to its `max`). Only the
    values a container writes are checked against `min` and `max` (a default that
    breaks its own range is the range's mistake), and only a range's `Container`
    entries. A quota requires a value only for CPU and memory (`cpu`, `memory`,
    `requests.*`, `limits.*`), as the API server's quota admission does, and a
    quota with `scopes` or a `scopeSelector` (which counts only some pods) is not
    judged. The
    namespace's LimitRanges are those of the set: a quota in the set is the
    namespace's own configuration, written with its ranges. Custom resources' pods
    are not judged (an operator may set their resources); a pod with pod-level
    `resources` is not either. Values not known yet (preview) fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.quantity import parse_quantity
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import is_unknown

#: The quota entries whose resources every pod must state (quota admission's
#: validation set): a bare `cpu` or `memory` is a request.
_QUOTA_REQUIRES = {
    "cpu": ("requests", "cpu"),
    "requests.cpu": ("requests", "cpu"),
    "limits.cpu": ("limits", "cpu"),
    "memory": ("requests", "memory"),
    "requests.memory": ("requests", "memory"),
    "limits.memory": ("limits", "memory"),
}


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    ranges: dict[Any, list[Resource]] = {}
    for limit_range in stack.of_kind("LimitRange"):
        ranges.setdefault(stack.namespace_of(limit_range), []).append(limit_range)
    quotas: dict[Any, list[Resource]] = {}
    for quota in stack.of_kind("ResourceQuota"):
        quotas.setdefault(stack.namespace_of(quota), []).append(quota)
    if not ranges and not quotas:
        return
    if any(is_unknown(namespace) for namespace in (*ranges, *quotas)):
        return  # a range or quota whose namespace is not known yet (preview) may be any
    for workload in stack.of_kind(*POD_KINDS):
        if workload.is_custom_resource:
            continue
        namespace = stack.namespace_of(workload)
        here = [*ranges.get(namespace, ()), *quotas.get(namespace, ())]
        if is_unknown(namespace) or not here:
            continue
        pod = workload.pod_spec
        if pod is None or "resources" in pod.spec:
            continue  # not known yet, or pod-level resources (their own admission rules)
        entries = _container_entries(ranges.get(namespace, []))
        if entries is None:
            continue  # a range not known yet
        for container in workload.containers(ephemeral=False):
            yield from _judge(workload, container, entries, quotas.get(namespace, []))


def _container_entries(ranges: list[Resource]) -> list[tuple[Resource, Mapping[str, Any]]] | None:
    """The `Container` entries of the ranges, each with its range; None when one is
    not known yet."""
    found = []
    for limit_range in ranges:
        limits = limit_range.get("spec", "limits")
        if is_unknown(limits):
            return None
        for entry in limits if isinstance(limits, list) else []:
            if is_unknown(entry) or (isinstance(entry, Mapping) and is_unknown(entry.get("type"))):
                return None
            keys = ("max", "min", "default", "defaultRequest")
            bounds = [entry.get(key) for key in keys] if isinstance(entry, Mapping) else []
            if any(is_unknown(b) or (isinstance(b, Mapping) and any(map(is_unknown, b.values()))) for b in bounds):
                return None  # a bound or default not known yet
            if isinstance(entry, Mapping) and entry.get("type") == "Container":
                found.append((limit_range, entry))
    return found


def _judge(
    workload: Resource,
    container: Any,
    entries: list[tuple[Resource, Mapping[str, Any]]],
    quotas: list[Resource],
) -> Iterator[StackViolation]:
    resources = container.get("resources")
    if is_unknown(resources) or (resources is not None and not isinstance(resources, Mapping)):
        return
    written = {section: (resources or {}).get(section) for section in ("requests", "limits")}
    if any(is_unknown(value) or (value is not None and not isinstance(value, Mapping)) for value in written.values()):
        return
    requests: Mapping[str, Any] = written["requests"] or {}
    limits: Mapping[str, Any] = written["limits"] or {}
    if any(is_unknown(value) for value in (*requests.values(), *limits.values())):
        return
    path = (*container.path, "resources")
    # A request left out is the limit written (the API server's defaulting).
    stated = {"requests": {**limits, **requests}, "limits": dict(limits)}
    for limit_range, entry in entries:
        for message in _out_of_range(limit_range, entry, stated):
            yield StackViolation(workload, path, f"{container.label}: {message}")
    for quota in quotas:
        message = _quota_unmet(quota, stated, entries)
        if message is not None:
            # One quota, one cause: every pod of the set it refuses is one finding
            # (corpus33's Ditto: a quota file beside six services without CPU limits).
            named = f"{quota.namespace}/{quota.name}" if isinstance(quota.namespace, str) else str(quota.name)
            cause = f"ResourceQuota {named} refuses the pods of every workload that leaves them out"
            yield StackViolation(workload, path, f"{container.label}: {message}", cause=cause)


def _out_of_range(
    limit_range: Resource, entry: Mapping[str, Any], stated: Mapping[str, Mapping[str, Any]]
) -> Iterator[str]:
    for bound, beyond in (("max", "above"), ("min", "below")):
        allowed = entry.get(bound)
        if not isinstance(allowed, Mapping):
            continue
        for resource, enforced in allowed.items():
            edge = parse_quantity(enforced)
            if edge is None:
                continue
            for section in ("limits", "requests"):
                written = stated[section].get(resource)
                value = parse_quantity(written)
                if value is None or not _outside(value, edge, bound):
                    continue
                yield (
                    f"{section}.{resource} {written} is {beyond} the {bound} of {enforced} that LimitRange "
                    f"{limit_range.name} sets per container: the API server refuses every pod of it "
                    f"({'maximum' if bound == 'max' else 'minimum'} {resource} usage per Container is {enforced})"
                )
                break  # one finding per resource and bound (a limit above max, its request too)


def _outside(value: Decimal, edge: Decimal, bound: str) -> bool:
    return value > edge if bound == "max" else value < edge


def _quota_unmet(
    quota: Resource, stated: Mapping[str, Mapping[str, Any]], entries: list[tuple[Resource, Mapping[str, Any]]]
) -> str | None:
    hard = quota.get("spec", "hard")
    if not isinstance(hard, Mapping) or quota.get("spec", "scopes") or quota.get("spec", "scopeSelector"):
        return None  # (a scoped quota counts only some pods: which, the rule does not judge)
    missing = []
    for key, (section, resource) in _QUOTA_REQUIRES.items():  # (in this order, not the map's)
        if key not in hard:
            continue
        if resource in stated[section] or resource in _defaults(entries, section):
            continue
        if f"{section}.{resource}" not in missing:
            missing.append(f"{section}.{resource}")
    if not missing:
        return None
    return (
        f"sets no {', '.join(missing)}, which ResourceQuota {quota.name} counts, and no LimitRange of its "
        f"namespace gives a default: the API server refuses every pod of it (failed quota: must specify "
        f"{','.join(missing)})"
    )


def _defaults(entries: list[tuple[Resource, Mapping[str, Any]]], section: str) -> set[Any]:
    """The resources the ranges give a container that leaves them out: a limit from
    `default` (or `max`), a request from `defaultRequest` (or `default`, `max`, `min`)."""
    keys = ("default", "max") if section == "limits" else ("defaultRequest", "default", "max", "min")
    found: set[Any] = set()
    for _, entry in entries:
        for key in keys:
            given = entry.get(key)
            if isinstance(given, Mapping):
                found.update(given)
    return found


RULE = Rule(
    name="namespace-limits-refuse-pods",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds={"LimitRange", "ResourceQuota", *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
    profiles=("correctness",),
)
