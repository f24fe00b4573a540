"""Containers do not bind ports on the node (PSS Baseline).

Fires on every `ports[].hostPort` other than 0 in any container, init container or
ephemeral container, as the `hostPorts` check of Kubernetes' Pod Security Admission
does at every version. Kubernetes' known-ports list does not exist in the standard:
every host port is forbidden.

Why it matters:
    A host port opens the port on the node's own addresses, outside Services and
    NetworkPolicies; it also pins the pod to nodes where the port is free, and lets
    a workload squat on a port another component of the node expects.

How to fix:
    Remove `hostPort` and reach the container through a Service (NodePort or
    LoadBalancer when it must be reachable from outside):

        ports:
          - containerPort: 8080

Notes:
    On a pod with `hostNetwork: true` every container port is a host port (the API
    server fills `hostPort` in from `containerPort`), so removing `hostPort` changes
    nothing: the cause is the host network, which `pss-host-namespaces` reports,
    and this rule's findings on such a pod fold into that one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list

from . import _pss


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for container in _pss.containers(obj):
        # One finding per container, on its first host port, naming them all (as Pod
        # Security admission words it): 80 and 443 are one decision.
        found = []
        for index, port in enumerate(as_list(container.get("ports"))):
            host_port = port.get("hostPort") if isinstance(port, Mapping) else None
            if isinstance(host_port, int) and not isinstance(host_port, bool) and host_port != 0:
                found.append((index, host_port))
        if found:
            numbers = ", ".join(str(number) for _, number in found)
            yield Violation(
                container.path + ("ports", found[0][0], "hostPort"),
                f"{container.label} must not use hostPort{'s' if len(found) > 1 else ''} {numbers}",
            )


RULE = Rule(
    name="pss-host-ports",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    folds_into={"pss-host-namespaces": "host-network"},
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    tags=("pss-baseline:hostPorts",),
    profiles=("pss-baseline", "pss-restricted"),
)
