"""A probe that names its port names one its container declares.

Fires on a liveness, readiness or startup probe (`httpGet` or `tcpSocket`) whose
`port` is a name (`port: http`) that no entry of the same container's `ports` carries
(tinode's chat StatefulSet in corpus36: both probes name `http`, and the container
declares `ws`, `grpc` and `cluster`).

Why it matters:
    The kubelet resolves a named port among the probed container's own `ports`, and
    nowhere else: not the pod's other containers, not the Service. A name it cannot
    find makes every probe fail (`couldn't find port: http`). The API server accepts
    the object, so the mistake shows only on the nodes: a liveness probe restarts the
    container again and again, a readiness probe keeps the pod out of its Services for
    good, and a startup probe never lets the container start.

How to fix:
    Name the port on the container, or probe the number:

        ports:
          - {name: http, containerPort: 6060}
        readinessProbe:
          httpGet: {path: /readyz, port: http}

Notes:
    A probe that names a `host` is still resolved in the container, and is judged.
    Probes of one container that name the same port are one finding (one fix).
    Numbers are `probe-port-of-another-container`'s to judge. Ports or names not known
    yet (preview) fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, is_unknown

PROBES = {
    "livenessProbe": "the container is restarted again and again",
    "readinessProbe": "the pod never becomes ready and gets no traffic",
    "startupProbe": "the container never starts",
}
HANDLERS = ("httpGet", "tcpSocket")


def _port_names(container: Container) -> set[str] | None:
    """The names the container gives its ports; None when not known yet."""
    ports = container.get("ports")
    if is_unknown(ports):
        return None
    names = set()
    for port in as_list(ports):
        if is_unknown(port):
            return None
        if not isinstance(port, Mapping):
            continue
        name = port.get("name")
        if is_unknown(name):
            return None
        if isinstance(name, str):
            names.add(name)
    return names


def _named(value: Any) -> str | None:
    """A probe's port when it is a name (not a number, nor digits in a string)."""
    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
        return value
    return None


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.pod_spec is None:
        return
    for container in obj.containers(ephemeral=False):
        # One finding per container and name: probes that share the name share the fix.
        probes_by_port: dict[str, list[tuple[str, str]]] = {}
        for probe in PROBES:
            for handler in HANDLERS:
                port = _named(container.get(probe, handler, "port"))
                if port is not None:
                    probes_by_port.setdefault(port, []).append((probe, handler))
        if not probes_by_port:
            continue
        names = _port_names(container)
        if names is None:
            continue  # the container's ports are not known yet
        for port, probes in probes_by_port.items():
            if port in names:
                continue
            declared = f"it declares {', '.join(sorted(names))}" if names else "it declares no named port"
            which = " and ".join(probe for probe, _ in probes)
            one = len(probes) == 1
            verb, fails = ("names", "the probe always fails") if one else ("name", "the probes always fail")
            outcomes = "; ".join(PROBES[probe] for probe, _ in probes)
            first, handler = probes[0]
            yield Violation(
                container.path + (first, handler, "port"),
                f'{container.label}: {which} {verb} port "{port}", which the container does not declare '
                f"({declared}): the kubelet cannot resolve it, so {fails} and {outcomes}",
            )


RULE = Rule(
    name="probe-port-name-undeclared",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="availability",
    kinds=POD_KINDS,
    check=check,
    tags=("probes",),
    profiles=("correctness",),
)
