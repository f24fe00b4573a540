"""A Service's named `targetPort` is declared by the containers it selects.

For each Service port whose `targetPort` is a name (not a number), every workload the
Service selects (pod template labels, same namespace, objects linted together or the
stack) must declare a container port of that name (`containers[].ports[].name`).

Why it matters:
    Kubernetes resolves a named target port per pod; pods that do not declare the
    name get no endpoint for it, silently. A renamed container port (`http` to
    `web`) then takes a service down without any error at apply time.

How to fix:
    Name the container port as the Service refers to it, or use the number:

        containers:
          - name: web
            ports:
              - name: http          # matches targetPort: http
                containerPort: 8080

Notes:
    Services that select nothing are left to service-selects-no-pods. Pods that run
    once and exit (a Job's, a CronJob's, a bare Pod that does not restart, such as a
    Helm `test` hook sharing the app's labels) are not judged: they are not the
    Service's backends, and no endpoint for them is what is wanted. A target
    port that is an unrendered template variable (`${PORT:-9002}`, `{{ .port }}`)
    is not a port name and is not judged; nor are workloads defined more than once
    in the set, unless one copy is in the Service's own file (docs/sets.md). Unknown
    labels, names or ports during preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN, as_list, is_template_text


def declared_port_names(workload: Resource) -> set[Any] | None:
    """Names of the container ports of a workload's regular containers; None if any
    port list or name is unknown."""
    pod = workload.pod_spec
    if pod is None:
        return None  # the pod spec is not known yet (or malformed)
    containers = pod.get("containers")
    if containers is UNKNOWN or any(entry is UNKNOWN for entry in as_list(containers)):
        return None
    names: set[Any] = set()
    for container in workload.containers(init=False, ephemeral=False):
        ports = container.get("ports")
        if ports is UNKNOWN:
            return None
        for port in as_list(ports):
            name = port.get("name") if isinstance(port, Mapping) else None
            if port is UNKNOWN or name is UNKNOWN:
                return None
            names.add(name)
    return names


def runs_to_completion(workload: Resource) -> bool | None:
    """Whether the workload's pods run once and exit: a Job's or CronJob's, or a bare
    Pod's that does not restart (`Never`, `OnFailure`: a Helm test hook). None when
    its restart policy is not known yet."""
    if workload.kind in ("Job", "CronJob"):
        return True
    if workload.kind != "Pod":
        return False
    policy = workload.get("spec", "restartPolicy")
    if policy is UNKNOWN:
        return None
    return policy in ("Never", "OnFailure")


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for service in stack.of_kind("Service"):
        selector = service.get("spec", "selector")
        if not isinstance(selector, Mapping) or not selector:
            continue
        named = [
            (index, port.get("targetPort"))
            for index, port in enumerate(as_list(service.get("spec", "ports")))
            if isinstance(port, Mapping)
            and isinstance(port.get("targetPort"), str)
            and not is_template_text(port.get("targetPort"))
        ]
        if not named:
            continue
        namespace = stack.namespace_of(service)
        selection = stack.select_map(namespace, selector, *POD_KINDS, near=service)
        if selection.undecided:
            continue
        for index, target in named:
            lacking = []
            for workload in selection.matched:
                if runs_to_completion(workload) is not False:
                    continue  # a one-shot pod that shares the labels (a Helm test hook): no backend
                names = declared_port_names(workload)
                if names is not None and target not in names:
                    lacking.append(workload.display_name)
            if lacking:
                yield StackViolation(
                    service,
                    ("spec", "ports", index, "targetPort"),
                    f'targetPort "{target}" is not a container port name in {", ".join(dict.fromkeys(lacking))}',
                )


RULE = Rule(
    name="service-target-port-undeclared",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-services",
    kinds={"Service", *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
)
