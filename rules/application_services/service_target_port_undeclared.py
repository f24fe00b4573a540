"""A Service's `targetPort` is declared by the containers it selects.

For each Service port whose `targetPort` is a name (not a number), every workload the
Service selects (pod template labels, same namespace, objects linted together or the
stack) must declare a container port of that name (`containers[].ports[].name`).
For numeric target ports, a selector that matches several workloads must not match
one that declares container ports, none of them the target, while another workload
it matches declares the target: that selector also catches another program's pods
(a database's Service whose `app: nextcloud` matches the Redis and the web pods too).
One finding per Service, on its selector, naming each stray workload.

Why it matters:
    Kubernetes resolves a named target port per pod; pods that do not declare the
    name get no endpoint for it, silently. A renamed container port (`http` to
    `web`) then takes a service down without any error at apply time. A numeric
    target port is sent to every selected pod: a selector that also matches another
    program's pods sends part of the requests (a database connection, a cache call)
    to pods that refuse them.

How to fix:
    Name the container port as the Service refers to it, or use the number:

        containers:
          - name: web
            ports:
              - name: http          # matches targetPort: http
                containerPort: 8080

    For a selector that matches another program, give each workload a label of its
    own and select it (`app: nextcloud, component: db`).

Notes:
    Services that select nothing are left to service-selects-no-pods. Pods that run
    once and exit (a Job's, a CronJob's, a bare Pod that does not restart, such as a
    Helm `test` hook sharing the app's labels) are not judged: they are not the
    Service's backends, and no endpoint for them is what is wanted. A workload that
    declares no container port (a worker) is not judged for a numeric port: it may
    listen on one it does not declare; nor is a Service defined again in another
    file of the set, one of alternative deployments whose workloads it may match
    (docs/sets.md rule 4). A target
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
    return _declared(workload, "name")


def declared_port_numbers(workload: Resource) -> set[Any] | None:
    """Numbers of the container ports of a workload's regular containers; None if any
    port list or number is unknown."""
    return _declared(workload, "containerPort")


def _declared(workload: Resource, field: str) -> set[Any] | None:
    pod = workload.pod_spec
    if pod is None:
        return None  # the pod spec is not known yet (or malformed)
    containers = pod.get("containers")
    if containers is UNKNOWN or any(entry is UNKNOWN for entry in as_list(containers)):
        return None
    found: set[Any] = set()
    for container in workload.containers(init=False, ephemeral=False):
        ports = container.get("ports")
        if ports is UNKNOWN:
            return None
        for port in as_list(ports):
            value = port.get(field) if isinstance(port, Mapping) else None
            if port is UNKNOWN or value is UNKNOWN or isinstance(value, (Mapping, list)):
                return None  # not known yet, or a template's blank (`name: {name}`)
            found.add(value)
    return found


def _numeric_targets(service: Resource) -> list[int] | None:
    """The numeric target ports of the Service (`targetPort`, or `port` when it is
    left out); None when one is not known yet."""
    targets = []
    for port in as_list(service.get("spec", "ports")):
        if port is UNKNOWN:
            return None
        if not isinstance(port, Mapping):
            continue
        target = port.get("targetPort", port.get("port"))
        if target is UNKNOWN:
            return None
        if isinstance(target, int) and not isinstance(target, bool):
            targets.append(target)
    return targets


def _strays(backends: list[Resource], targets: list[int]) -> list[tuple[Resource, int, Resource]]:
    """(workload, port, a workload that declares it) for each selected workload that
    declares container ports, none of them a numeric target port that another
    selected workload declares: a selector that also matches another program's pods
    (a database's Service matching the cache beside it)."""
    declared = {id(workload): declared_port_numbers(workload) for workload in backends}
    found = []
    for workload in backends:
        numbers = declared[id(workload)]
        if not numbers:
            continue  # no port declared (a worker), or not known yet: cannot tell
        for target in targets:
            if target in numbers:
                continue
            owner = next((other for other in backends if target in (declared[id(other)] or ())), None)
            if owner is not None:
                found.append((workload, target, owner))
                break
    return found


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
        targets = _numeric_targets(service)
        if not named and not targets:
            continue
        namespace = stack.namespace_of(service)
        selection = stack.select_map(namespace, selector, *POD_KINDS, near=service)
        if selection.undecided:
            continue
        backends = [workload for workload in selection.matched if runs_to_completion(workload) is False]
        # A Service defined again in another file is one of alternative deployments
        # (docs/sets.md rule 4): the other variant's workloads may be what it matches.
        strays = _strays(backends, targets) if targets and len(backends) > 1 and not stack.has_copies(service) else []
        if strays:
            listed = "; ".join(
                f"{workload.display_name} declares no port {port} ({owner.display_name} does)"
                for workload, port, owner in strays
            )
            # A kustomization's commonLabels that overwrite every selector with one value
            # make each Service match every program: one line, one cause (corpus41's
            # goms). Objects no kustomization built have nothing overwritten.
            written = service.overwritten_labels.get(("spec", "selector"))
            yield StackViolation(
                service,
                ("spec", "selector"),
                f"the selector also matches the pods of another program: {listed}; "
                "requests reach pods that do not serve them",
                cause=f"the kustomization's commonLabels write {written} into every selector" if written else None,
            )
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
    profiles=("correctness",),
)
