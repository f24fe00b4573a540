"""Every container declares CPU and memory requests and limits.

Checks each container and init container of every pod-bearing object for
`resources.requests.cpu`, `resources.requests.memory`, `resources.limits.cpu` and
`resources.limits.memory`. A limit given without a request also counts as the request,
since Kubernetes copies it. A pod-level `spec.resources` (Kubernetes 1.32+) satisfies
the same requirement for all its containers. Ephemeral (debug) containers are not
checked: Kubernetes does not let them declare resources.

Why it matters:
    Requests are what the scheduler places pods by; without them nodes are
    overcommitted and pods are the first to be evicted under pressure (QoS class
    BestEffort). A container without a memory limit can exhaust its node and take
    its neighbours down; one without a CPU limit can starve them. Quotas in a
    namespace with a ResourceQuota also reject pods that omit them.

How to fix:
    Give every container, init containers included, its requests and limits:

        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}

    Teams that avoid CPU limits on purpose (to prevent throttling) can turn that
    requirement off with the `requireCpuLimit` option rather than suppress the rule.

Notes:
    A container that sets its CPU request, its memory request and its memory limit,
    and leaves out only the CPU limit, is not reported (`allowUncappedCpu`, on by
    default): that is the common practice of not capping CPU, whose cost is shared
    fairly by the requests, while a CFS quota throttles latency-sensitive programs
    even on idle nodes. Reviewers of three fresh corpora labelled every such finding
    debatable (the EBS and Azure Disk CSI drivers, itsm-ng). A container missing the
    CPU limit and anything else is reported with everything it misses.
    Offline, a container whose `resources` a kustomize patch of the run writes (a base
    the overlays size per environment) is judged as deployed, which the file does not
    show: not reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import get

from .._fixes import writable

# (option, section, resource)
REQUIREMENTS = (
    ("requireCpuRequest", "requests", "cpu"),
    ("requireMemoryRequest", "requests", "memory"),
    ("requireCpuLimit", "limits", "cpu"),
    ("requireMemoryLimit", "limits", "memory"),
)


def declares(resources: Any, section: str, name: str) -> bool:
    """Whether `resources` sets `section.name`. A limit given without a request is
    also the request (Kubernetes copies it). A value unknown during preview counts."""
    if get(resources, section, name) is not None:
        return True
    return section == "requests" and get(resources, "limits", name) is not None


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    wanted = [(section, name) for option, section, name in REQUIREMENTS if options[option]]
    # Pod-level resources cover every container for what they declare.
    pod_resources = pod.get("resources")
    wanted = [(section, name) for section, name in wanted if not declares(pod_resources, section, name)]
    if not wanted:
        return
    if obj.patched(*pod.path, "resources"):
        return  # an overlay's patch sets the pod's resources: as deployed, not as written
    for container in obj.containers(ephemeral=False):
        if obj.patched(*container.path, "resources"):
            continue  # an overlay's patch sizes it (offline: policypack/builds.py)
        resources = container.get("resources")
        missing = [(section, name) for section, name in wanted if not declares(resources, section, name)]
        if missing == [("limits", "cpu")] and options["allowUncappedCpu"] and _sized(resources, pod_resources):
            continue  # requests and a memory limit set, CPU left uncapped: a deliberate choice
        if not missing:
            continue
        first_section, first_name = missing[0]
        fields = [f"resources.{section}.{name}" for section, name in missing]
        listed = ", ".join(fields[:-1]) + (" and " if len(fields) > 1 else "") + fields[-1]
        yield Violation(
            container.path + ("resources", first_section, first_name),
            f"{container.label} sets no {listed}",
        )


def _sized(resources: Any, pod_resources: Any) -> bool:
    """Whether the container (or its pod) states a CPU request and both memory
    settings: what a team that leaves CPU uncapped on purpose writes."""
    return all(
        declares(resources, section, name) or declares(pod_resources, section, name)
        for section, name in (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))
    )


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """The team's values from the option `fixValues` (e.g. `{"requests": {"cpu":
    "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}`) written where a
    container lacks them; nothing with the option empty (the default). A limit is not
    added over a request already there (it could be below it, which Kubernetes refuses)."""
    values = options.get("fixValues") or {}
    if not values or not any(True for _ in check(obj, options)):
        return
    pod = obj.pod_spec
    wanted = [(section, name) for option, section, name in REQUIREMENTS if options[option]]
    wanted = [(s, n) for s, n in wanted if pod is not None and not declares(pod.get("resources"), s, n)]
    for container in obj.containers(ephemeral=False):
        resources = container.get("resources")
        for section, name in wanted:
            value = (values.get(section) or {}).get(name)
            path = container.path + ("resources", section, name)
            if value is None or declares(resources, section, name) or not writable(obj, path):
                continue
            if section == "limits" and get(resources, "requests", name) is not None:
                continue
            yield Change(path, value)


RULE = Rule(
    name="require-resource-limits",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={
        "requireCpuRequest": {"type": "boolean", "default": True, "description": "Require `resources.requests.cpu`."},
        "requireMemoryRequest": {
            "type": "boolean",
            "default": True,
            "description": "Require `resources.requests.memory`.",
        },
        "requireCpuLimit": {
            "type": "boolean",
            "default": True,
            "description": "Require `resources.limits.cpu` (turn off if you avoid CPU limits to prevent throttling).",
        },
        "requireMemoryLimit": {"type": "boolean", "default": True, "description": "Require `resources.limits.memory`."},
        "allowUncappedCpu": {
            "type": "boolean",
            "default": True,
            "description": (
                "Leave alone a container that sets its CPU request, memory request and memory limit and "
                "only leaves out the CPU limit (a deliberate choice against CPU throttling). Turn off to "
                "require the CPU limit there too."
            ),
        },
        "fixValues": {
            "type": "object",
            "default": {},
            "properties": {
                section: {
                    "type": "object",
                    "properties": {"cpu": {"type": ["string", "number"]}, "memory": {"type": "string"}},
                    "additionalProperties": False,
                }
                for section in ("requests", "limits")
            },
            "additionalProperties": False,
            "description": (
                "What the fix writes where a container lacks a request or limit, e.g. "
                '`{"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}`; '
                "empty: no fix (sizes are the team's choice)."
            ),
        },
    },
    tags=("resources",),
    fix=Fix(fix, Applicability.UNSAFE),
)
