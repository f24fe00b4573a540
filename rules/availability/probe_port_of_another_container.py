"""A container's probes check its own port, not one another container of the pod declares.

Fires on a liveness, readiness or startup probe (`httpGet`, `tcpSocket` or `grpc`)
whose port is a number the container does not declare and another container of the
same pod does (moov-io's ledger pod in corpus18: the PostgreSQL sidecar's probes
checked port 7000, the ledger's).

Why it matters:
    Containers of a pod share one network namespace, so only one of them can listen
    on a port, and the probe reaches whichever does. A probe aimed at a neighbour's
    port judges the neighbour: the container is restarted when the neighbour fails
    (liveness), taken out of its Services with it (readiness), or let start before
    it is ready itself. Its own failures go unseen.

How to fix:
    Point the probe at the container's own port, by name where it declares one:

        readinessProbe:
          tcpSocket:
            port: postgres     # containerPort 5432, name: postgres

Notes:
    Named ports are resolved within the container, so only numbers are judged. A
    probe that names a `host` (another address) is not judged. Values unknown during
    a preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HANDLERS = ("httpGet", "tcpSocket", "grpc")


def _declared(container: Container) -> set[int] | None:
    """The container's declared port numbers; None when not known yet."""
    ports = container.get("ports")
    if ports is UNKNOWN:
        return None
    found = set()
    for port in as_list(ports):
        number = port.get("containerPort") if isinstance(port, Mapping) else port
        if number is UNKNOWN:
            return None
        if isinstance(number, int) and not isinstance(number, bool):
            found.add(number)
    return found


def _number(value: Any) -> int | None:
    """A probe's port as a number (an int, or a string of digits); None for a name."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.pod_spec is None:
        return
    containers = [c for c in obj.containers(ephemeral=False)]
    declared = {id(c): _declared(c) for c in containers}
    if any(ports is None for ports in declared.values()):
        return  # a container's ports are not known yet
    for container in containers:
        own = declared[id(container)] or set()
        for probe in PROBES:
            for handler in HANDLERS:
                port = container.get(probe, handler, "port")
                number = _number(port)
                if number is None or number in own:
                    continue
                if handler == "httpGet" and container.get(probe, handler, "host") is not None:
                    continue  # another address: not this pod's port
                owner = next((c for c in containers if c is not container and number in declared[id(c)]), None)
                if owner is None:
                    continue
                yield Violation(
                    container.path + (probe, handler, "port"),
                    f"{container.label}: {probe} checks port {number}, which {owner.label} declares: it judges "
                    f"{owner.label}, not this container; point it at this container's own port",
                )


RULE = Rule(
    name="probe-port-of-another-container",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds=POD_KINDS,
    check=check,
    tags=("probes",),
    # A container's probes aimed at a neighbour's port are one mistake: one finding.
    one_per_object=True,
    profiles=("correctness",),
)
