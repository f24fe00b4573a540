"""Long-running containers declare a liveness probe.

Checks every regular container of a Deployment, StatefulSet, DaemonSet, ReplicaSet
or ReplicationController (and, with `includeBarePods`, of a bare Pod that restarts
forever) for `livenessProbe`. Init containers, ephemeral (debug) containers, Jobs,
CronJobs and Pods that run to completion are never judged. A `startupProbe` alone
does not count: it only runs until the container first succeeds.

Why it matters:
    A process that deadlocks or wedges without exiting keeps its pod Running and,
    without a readiness probe failing, keeps receiving traffic. Only a liveness
    probe lets the kubelet notice and restart it.

How to fix:
    Probe something that fails only when a restart would help, with a generous
    threshold, and add a `startupProbe` for slow starters:

        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 10
          failureThreshold: 6

Notes:
    Advisory by default: a liveness probe that checks dependencies (a database)
    restarts every replica at once when that dependency fails, and some teams
    deliberately run without one. This is a separate rule from
    `require-readiness-probe` so that choice is one line of configuration
    (`"require-liveness-probe": "disabled"`) rather than a suppression per object.
    A container that declares no port is judged when it serves all the same: a
    Service of the set selects its pod (jitsi's nginx and prosody, a token server a
    Service targets on a port it does not declare), a flag binds a health or metrics
    server (`--health-probe-bind-address=:8081`, `--health-check-addr=:3901`, a CSI
    sidecar's `--http-endpoint=:8080`), it runs a Celery worker (`celery inspect ping`
    is its probe), or it is a CSI sidecar that can answer a probe (below). Other
    port-less containers (a Kafka consumer, a chat bot, a controller that shows no
    health endpoint) have nothing a probe could ask until the program exposes
    something: reviewers of corpora 29 to 32 held those findings debatable, and those
    on the first kinds true. When whether a Service selects the pod is not known yet
    (preview), it is not judged. Set `containersWithPortsOnly` to false to ask every
    long-running container.
    The Kubernetes CSI `livenessprobe` sidecar is not judged in a pod where another
    container declares a liveness probe: it is the endpoint that probe reads (it
    checks the CSI driver over its socket), so the pod's liveness is already
    declared; no CSI driver probes the sidecar itself. Found by its image
    (`.../livenessprobe:TAG`, or a vendor's build such as Alibaba's
    `.../csi-livenessprobe:TAG`, from any registry); an image not known yet (preview)
    in a pod whose other container declares a liveness probe is not judged.
    The Kubernetes CSI sidecars serve no health endpoint of their own but one: the
    controller sidecars (`csi-attacher`, `csi-provisioner`, `csi-resizer`,
    `csi-snapshotter`, the health monitor) answer `/healthz/leader-election` on their
    `--http-endpoint` when they elect a leader, and `csi-node-driver-registrar` has a
    probe mode from v2.3.0 (`--mode=kubelet-registration-probe`). A controller sidecar
    started without leader election, or a registrar older than v2.3 (or the retired
    `driver-registrar` and `csi-cluster-driver-registrar`), has nothing a probe could
    ask, and is not judged; the driver's own liveness is the pod's (reviewers of six
    corpora held such findings debatable, and those on sidecars that elect a leader,
    or on a v2.5 registrar, true).
    A container whose command only waits (`sleep infinity`, `tail -f /dev/null`, a
    `while true; do sleep 3600; done` loop) is not judged: it serves nothing and has
    nothing that can hang (a fsfreeze or debug sidecar).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import repository_name, split_image
from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Container, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import as_list, is_unknown

from .._serving import serves, unplaced_objects
from ._probes import CONTAINERS_WITH_PORTS_ONLY, INCLUDE_BARE_PODS, flag_ports, stack_missing_probes
from ._singletons import container_elects_leader

# The Kubernetes CSI controller sidecars: a health endpoint only with leader election.
CSI_CONTROLLER_SIDECARS = frozenset(
    {
        "csi-attacher",
        "csi-provisioner",
        "csi-resizer",
        "csi-snapshotter",
        "csi-external-health-monitor-controller",
        "csi-external-health-monitor-agent",
    }
)
# The registrars, and the first version with a probe mode (kubelet-registration-probe).
CSI_REGISTRARS = frozenset({"csi-node-driver-registrar", "driver-registrar", "csi-cluster-driver-registrar"})
REGISTRAR_PROBE_SINCE = (2, 3)
VERSION = lazy_compile(r"^v?(\d+)\.(\d+)")

LIVENESS_PORTS_ONLY = {
    **CONTAINERS_WITH_PORTS_ONLY,
    "default": True,
    "description": (
        "Only judge containers that declare `ports`, or that serve without declaring one: a Service of the "
        "set selects the pod, a flag binds a health or metrics server (`--health-probe-bind-address=:8081`), "
        "a Celery worker, a CSI sidecar that can answer a probe. On by default: a queue consumer or a bot "
        "that serves nothing has nothing a probe could ask until the program exposes it. Turn it off to "
        "ask every long-running container."
    ),
}


def is_csi_liveness_sidecar(obj: Resource, container: Container) -> bool:
    """The CSI `livenessprobe` sidecar in a pod whose other container declares a
    liveness probe: that probe reads this sidecar's endpoint. Not known yet (preview:
    the image, or another container) counts as so: unknown fires nothing."""
    image = container.get("image")
    if not is_unknown(image) and not (isinstance(image, str) and repository_name(image).endswith("livenessprobe")):
        return False
    pod = obj.pod_spec
    others = [
        entry
        for index, entry in enumerate(as_list(pod.get("containers") if pod is not None else None))
        if pod is not None and pod.path + ("containers", index) != container.path
    ]
    return any(
        is_unknown(entry) or (isinstance(entry, Mapping) and entry.get("livenessProbe") is not None) for entry in others
    )


def is_csi_sidecar_without_health(container: Container) -> bool:
    """A Kubernetes CSI sidecar that serves nothing a liveness probe could ask: a
    controller sidecar without leader election, a registrar older than its probe mode."""
    image = container.get("image")
    if is_unknown(image):
        return True  # not known yet (preview): it may be such a sidecar
    if not isinstance(image, str):
        return False
    name = repository_name(image)
    if name in CSI_CONTROLLER_SIDECARS:
        return container_elects_leader(container) is not True
    if name in CSI_REGISTRARS:
        version = VERSION.match(split_image(image)[1] or "")
        return version is not None and (int(version[1]), int(version[2])) < REGISTRAR_PROBE_SINCE
    return False


def _is_liveness_sidecar(entry: Any) -> bool:
    image = entry.get("image") if isinstance(entry, Mapping) else None
    return isinstance(image, str) and repository_name(image).endswith("livenessprobe")


def serves_health_without_port(obj: Resource, container: Container) -> bool:
    """A container that declares no port but serves a health endpoint all the same: a
    flag binds a health or metrics server, it is a CSI sidecar that can answer a probe,
    or the pod holds the CSI `livenessprobe` sidecar (which serves the driver's health
    on port 9808 by default). An image not known yet (preview) shows nothing: unknown
    fires nothing."""
    if flag_ports(container):
        return True
    image = container.get("image")
    if not isinstance(image, str):
        return False
    name = repository_name(image)
    if name in CSI_CONTROLLER_SIDECARS:
        return container_elects_leader(container) is True
    if name in CSI_REGISTRARS:
        return not is_csi_sidecar_without_health(container)
    if _runs_celery_worker(container):
        return True
    pod = obj.pod_spec
    return pod is not None and any(_is_liveness_sidecar(entry) for entry in as_list(pod.get("containers")))


def _runs_celery_worker(container: Container) -> bool:
    """A Celery worker (`celery -A app worker`, or a `run_celery.sh` script): hung
    workers are a known failure, and `celery inspect ping` is the probe."""
    words = container.command_line() or []
    # (split: a shell's script is one word, `celery -A config beat ...`: corpus42's flare)
    names = [part.rsplit("/", 1)[-1].lower() for word in words if isinstance(word, str) for part in word.split()]
    return any("celery" in name for name in names) and not any(name in ("beat", "flower") for name in names)


def exempt(obj: Resource, container: Container) -> bool:
    return is_csi_liveness_sidecar(obj, container) or is_csi_sidecar_without_health(container)


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    unplaced = unplaced_objects(stack)
    served: dict[int, bool] = {}  # by object: whether a Service selects its pods

    def portless_judged(obj: Resource, container: Container) -> bool:
        if serves_health_without_port(obj, container):
            return True
        if id(obj) not in served:
            served[id(obj)] = serves(stack, obj, obj, unplaced, services_only=True) is True
        return served[id(obj)]

    yield from stack_missing_probes(
        stack,
        options,
        "livenessProbe",
        "a hung process is never restarted while the pod stays Running",
        portless_judged,
        exempt=exempt,
    )


RULE = Rule(
    name="require-liveness-probe",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"Service", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options={
        **NAMESPACE_OPTION,
        "includeBarePods": INCLUDE_BARE_PODS,
        "containersWithPortsOnly": LIVENESS_PORTS_ONLY,
    },
    tags=("probes",),
)
