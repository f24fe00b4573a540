"""What the two probe rules share: which objects run long-lived pods, and which
containers in them must declare a probe."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from policypack.images import ARCH_SUFFIX, repository_name
from policypack.model import Container, Resource
from policypack.patterns import lazy_compile
from policypack.rule import StackViolation, Violation
from policypack.stack import Stack
from policypack.values import as_list, is_unknown

#: Controllers whose pods are meant to run until replaced. Jobs and CronJobs run to
#: completion, so probes mean little there and are never asked for.
LONG_RUNNING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"})
TARGET_KINDS = LONG_RUNNING_KINDS | {"Pod"}

INCLUDE_BARE_PODS = {
    "type": "boolean",
    "default": False,
    "description": (
        "Also judge bare Pods that restart forever (`restartPolicy: Always` or unset). "
        "Off by default: bare Pods are mostly one-off or debug pods."
    ),
}
CONTAINERS_WITH_PORTS_ONLY = {
    "type": "boolean",
    "default": True,
    "description": (
        "Only judge containers that declare `ports`. On by default: a container that declares none (a "
        "config reloader beside the server, a node agent, a queue consumer) is not what a Service sends "
        "traffic to. Turn it off to ask every long-running container for a probe."
    ),
}


# A command that only waits: `sleep infinity` (or a number of seconds, or a
# `while true; do sleep N; done` loop), `tail -f /dev/null`, maybe behind `sh -c` or
# `exec`. Such a container holds a volume, a namespace or a privilege for others (a
# fsfreeze or debug sidecar): nothing in it serves, and nothing in it can hang.
_SLEEP = r"sleep\s+(?:infinity|inf|[0-9]+[smhd]?)"
_WAIT = rf"(?:exec\s+)?(?:{_SLEEP}|tail\s+-f\s+/dev/null|while\s+(?:true|:);?\s*do\s+{_SLEEP};?\s*done)"
_IDLE_COMMAND = lazy_compile(rf"(?:(?:/usr)?(?:/bin/)?(?:sh|bash|ash|dash)\s+-c\s+)?[\"']?\s*{_WAIT}\s*;?\s*[\"']?")


def is_idle(container: Container) -> bool | None:
    """Whether the container only waits (see _IDLE_COMMAND), as its spec says; None
    when its command or arguments are not known yet (preview). The image is not
    read: a `pause` image is rare in a workload, and images are often computed in a
    preview, where reading them would leave every such container unjudged."""
    words = container.command_line()
    if words is None:
        return None
    if not all(isinstance(word, str) for word in words):
        return False  # malformed: judged as usual
    return bool(words) and _IDLE_COMMAND.fullmatch(" ".join(words).strip()) is not None


def runs_until_replaced(obj: Resource, options: Mapping[str, Any]) -> bool:
    """Whether the object's pods are long-running (and judged under these options)."""
    if obj.kind in LONG_RUNNING_KINDS:
        return True
    if obj.kind != "Pod" or options["includeBarePods"] is not True:
        return False
    # A Job's pods must have restartPolicy Never or OnFailure (the API server
    # enforces it), so this also leaves out every pod a Job or CronJob created.
    return obj.get("spec", "restartPolicy") in (None, "Always")


# Port names that say the port serves metrics to a scraper, not traffic: a scraper
# reads a pod whether or not it is ready, so readiness gates nothing there. (A port
# named healthz is not among them: reviewers of three corpora held that a CSI node
# plugin serving only healthz and metrics still wants a readiness probe, so that a
# DaemonSet's rolling update waits for the driver.)
# The word may follow the program's own (`cfg-rel-metrics`, Managed Prometheus' config
# reloader; `http-metrics`; a Redis exporter's `redis-exporter`: corpus31) and come
# before a protocol or `port` (`metrics-tls`, OpenIM's `tran-prome-port`), or say so
# (`scrape`: corpus38's ARM exporter).
_DIAGNOSTIC_PORT = lazy_compile(
    r"(?:[a-z0-9]+-)*(?:metrics|monitoring|prometheus|prome|prom|telemetry|exporter|scrape)(?:-(?:port|tls|https?|grpc))?"
)
# Flags that bind a program's metrics or health server (`--metrics-bind-address=:8080`,
# `--health-probe-bind-address=:8081`, `--healthz-port=10256`, the CSI sidecars'
# `--http-endpoint=$(POD_IP):8091`), and the port number at the end of their value.
_DIAGNOSTIC_FLAG = lazy_compile(r"--?(?:[a-z0-9-]*(?:metrics|health)[a-z0-9-]*|http-endpoint)")
_PORT_AT_END = lazy_compile(r"(?:^|:)([0-9]{1,5})$")


def scrape_ports(obj: Resource) -> frozenset[int] | None:
    """The port numbers the pod's `prometheus.io/port` annotation names (on the pod
    template, or a Pod's own): the port a scraper reads. None when not known yet."""
    path = obj.pod_metadata_path
    value = obj.get(*path, "annotations", "prometheus.io/port") if path is not None else None
    if is_unknown(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return frozenset({value})
    if isinstance(value, str) and value.strip().isdigit():
        return frozenset({int(value.strip())})
    return frozenset()


def flag_ports(container: Container) -> frozenset[int]:
    """The port numbers the container's own flags give its metrics or health server."""
    words = [w for w in (*as_list(container.get("command")), *as_list(container.get("args"))) if isinstance(w, str)]
    found = set()
    for index, word in enumerate(words):
        flag, equals, value = word.partition("=")
        if not _DIAGNOSTIC_FLAG.fullmatch(flag):
            continue
        if not equals:
            value = words[index + 1] if index + 1 < len(words) else ""
        match = _PORT_AT_END.search(value.strip())
        if match:
            found.add(int(match.group(1)))
    return frozenset(found)


# A container that runs a Prometheus exporter beside the program, told by its name
# (`domain-events-consumer-metrics`, `redis-exporter`) or by the one program its command
# starts (`bundle exec prometheus_exporter`, `/bin/node_exporter`): the ports it leaves
# unnamed are a scraper's (corpus30's Ministry of Justice queue worker). A named port
# is read by its name; a command line that starts more than one program (`&`, `;`) is
# not an exporter's. An exporter's own image (`prom/node-exporter`,
# `prom/blackbox-exporter`, `oliver006/redis_exporter`) run with no other program
# makes every port the exporter's, named or not: corpus42's node-exporter and
# blackbox-exporter name theirs `http`, which only a scraper reads.
_EXPORTER_NAME = lazy_compile(r"(?:[a-z0-9]+-)*(?:metrics|exporter)")
_EXPORTER_PROGRAM = lazy_compile(r"[A-Za-z0-9.]+[-_]exporter")
_SHELL = frozenset({"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/env"})
_LAUNCHERS = frozenset({"exec", "bundle", "tini", "dumb-init", "--", "-c"})


def exporter_ports(container: Container) -> frozenset[int] | None:
    """The unnamed port numbers of a container that runs a Prometheus exporter (by
    its name or its command); empty otherwise; None when not known yet."""
    name, words = container.get("name"), container.command_line()
    if is_unknown(name) or words is None:
        return None
    image = container.get("image")
    if is_unknown(image):
        return None
    exporter_image = isinstance(image, str) and _EXPORTER_PROGRAM.fullmatch(ARCH_SUFFIX.sub("", repository_name(image)))
    if exporter_image and (container.get("command") is None or _runs_an_exporter(words)):
        return frozenset(  # the exporter's image, run as it is: every port is the exporter's
            port.get("containerPort")
            for port in as_list(container.get("ports"))
            if isinstance(port, Mapping) and isinstance(port.get("containerPort"), int)
        )
    named = isinstance(name, str) and _EXPORTER_NAME.fullmatch(name) is not None
    if not named and not _runs_an_exporter(words):
        return frozenset()
    return frozenset(
        port.get("containerPort")
        for port in as_list(container.get("ports"))
        if isinstance(port, Mapping) and port.get("name") is None and isinstance(port.get("containerPort"), int)
    )


def _runs_an_exporter(words: list[Any]) -> bool:
    """Whether the command line starts one program, a `*_exporter` or `*-exporter`."""
    line = " ".join(word for word in words if isinstance(word, str))
    if any(mark in line for mark in ("&", ";", "|", "\n")):
        return False  # a script that starts more than one program
    for word in line.split():
        if word in _SHELL or word in _LAUNCHERS:
            continue
        return _EXPORTER_PROGRAM.fullmatch(word.rsplit("/", 1)[-1]) is not None
    return False


def udp_only(ports: Any) -> bool | None:
    """Whether every declared port is UDP (a game server, a WireGuard endpoint): no
    httpGet, tcpSocket or grpc probe reaches it, so readiness could only run a
    command, and reviewers held those findings debatable (corpus25's and corpus32's
    Valheim, corpus32's WireGuard). None when a port's protocol is not known yet."""
    listed = as_list(ports)
    if not listed:
        return False
    undecided = False
    for port in listed:
        protocol = port.get("protocol") if isinstance(port, Mapping) else None
        if is_unknown(port) or is_unknown(protocol):
            undecided = True
        elif protocol != "UDP":
            return False
    return None if undecided else True


def diagnostics_only(
    ports: Any, scraped: frozenset[int] | None = frozenset(), flagged: frozenset[int] = frozenset()
) -> bool | None:
    """Whether every declared port is for a scraper or a prober: named for a scraper
    (`metrics`, `http-metrics`, ...), bound by the container's own metrics or health
    flag (`flagged`), or the one the pod's `prometheus.io/port` annotation names
    (`scraped`; None when the annotation is not known yet). Another unnamed port may
    serve anything. None when a port, its name or the annotation is not known yet
    and the others are diagnostic ports."""
    undecided = False
    listed = as_list(ports)
    for port in listed:
        name = port.get("name") if isinstance(port, Mapping) else port
        number = port.get("containerPort") if isinstance(port, Mapping) else None
        if isinstance(number, int) and number in flagged:
            continue
        if is_unknown(number) and flagged:
            undecided = True  # it may be the port the flag binds
            continue
        if is_unknown(name):
            undecided = True
        elif isinstance(name, str) and _DIAGNOSTIC_PORT.fullmatch(name):
            continue
        elif name is not None:
            return False  # named for something else: it serves
        elif is_unknown(number) or scraped is None:
            undecided = True  # unnamed: the annotation may name it
        elif not (isinstance(number, int) and number in scraped):
            return False
    if not listed:
        return False
    return None if undecided else True


def missing_probes(
    obj: Resource,
    options: Mapping[str, Any],
    probe: str,
    why: str | Callable[[Container], str],
    ports_only: bool = False,
    serving_ports_only: bool = False,
    exempt: Callable[[Resource, Container], bool] | None = None,
    portless_judged: Callable[[Resource, Container], bool] | None = None,
) -> Iterator[Violation]:
    """A finding for each regular container (not init, not ephemeral) without `probe`.
    A probe whose value is unknown during preview counts as declared; a container that
    only waits (`is_idle`) has nothing to probe, nor has one the rule `exempt`s. With
    `ports_only`, a container that declares no port is judged only when
    `portless_judged` says it serves a health endpoint all the same."""
    if not runs_until_replaced(obj, options):
        return
    container: Container
    for container in obj.containers(init=False, ephemeral=False):
        if ports_only:
            ports = container.get("ports")
            if is_unknown(ports):
                continue
            if not as_list(ports) and (portless_judged is None or not portless_judged(obj, container)):
                continue
            if serving_ports_only and udp_only(ports) is not False:
                continue  # no kubelet probe but a command reaches a UDP server (or not known yet)
            if serving_ports_only:
                exporter = exporter_ports(container)
                if exporter is None:
                    continue  # it may run an exporter: not known yet
                if diagnostics_only(ports, scrape_ports(obj), flag_ports(container) | exporter) is not False:
                    continue  # a scraper's or a prober's port: nothing a readiness probe would gate
                if _ports_of_a_probed_sibling(obj, container, probe):
                    continue
        if container.get(probe) is None and is_idle(container) is False:
            if exempt is not None and exempt(obj, container):
                continue
            said = why(container) if callable(why) else why
            yield Violation(container.path + (probe,), f"{container.label} has no {probe}: {said}")


def _ports_of_a_probed_sibling(obj: Resource, container: Container, probe: str) -> bool:
    """Whether every port the container declares is declared by another container of
    the pod that has the probe: containers of one pod share its network, so only one
    of them can listen on the port, and the one probed is its server (corpus39's
    MariaDB pod, whose backup script's container copies mysqld's `containerPort: 3306`).
    The pod's readiness is already gated on that port."""

    def numbers(ports: Any) -> set[int] | None:
        """The port numbers declared; None when one is not known yet (preview). A
        malformed entry leaves the set empty: the ports are judged as written."""
        found = set()
        for port in as_list(ports):
            number = port.get("containerPort") if isinstance(port, Mapping) else port
            if is_unknown(number):
                return None
            if not isinstance(number, int) or isinstance(number, bool):
                return set()
            found.add(number)
        return found

    own = numbers(container.get("ports"))
    if own is None:
        return True  # not known yet: it may be a copy of a probed sibling's
    if not own:
        return False
    pod = obj.pod_spec
    listed = pod.get("containers") if pod is not None else None
    if is_unknown(listed) or any(is_unknown(entry) for entry in as_list(listed)):
        return True  # a container not known yet may be the probed server of these ports
    probed: set[int] = set()
    for other in obj.containers(init=False, ephemeral=False):
        if other.path == container.path:
            continue
        ports = other.get("ports")
        if is_unknown(other.get(probe)) or is_unknown(ports):
            return True  # it may be
        if other.get(probe) is not None:
            theirs = numbers(ports)
            if theirs is None:
                return True  # a port not known yet may be one of these
            probed |= theirs
    return own <= probed


def stack_missing_probes(
    stack: Stack,
    options: Mapping[str, Any],
    probe: str,
    why: str | Callable[[Container], str],
    portless_judged: Callable[[Resource, Container], bool],
    serving_ports_only: bool = False,
    exempt: Callable[[Resource, Container], bool] | None = None,
) -> Iterator[StackViolation]:
    """`missing_probes` over every built-in long-running pod of the set: the probe rules
    read the set to know whether a Service selects a port-less container's pod."""
    ports_only = options["containersWithPortsOnly"] is True
    for obj in stack.resources:
        if obj.kind not in TARGET_KINDS or obj.is_custom_resource:
            continue
        for found in missing_probes(
            obj,
            options,
            probe,
            why,
            ports_only=ports_only,
            serving_ports_only=serving_ports_only and ports_only,
            exempt=exempt,
            portless_judged=portless_judged,
        ):
            yield StackViolation(obj, found.path, found.message)
