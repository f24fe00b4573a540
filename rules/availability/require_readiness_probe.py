"""Long-running containers declare a readiness probe.

Checks every regular container of a Deployment, StatefulSet, DaemonSet, ReplicaSet
or ReplicationController (and, with `includeBarePods`, of a bare Pod that restarts
forever) for `readinessProbe`. Init containers, ephemeral (debug) containers, Jobs,
CronJobs and Pods that run to completion are never judged: a readiness probe means
nothing for them.

Why it matters:
    Without a readiness probe a pod counts as ready the moment its process starts.
    Services send it traffic before it can answer, and a rolling update removes old
    pods as soon as the new ones have started, so a release that cannot serve still
    replaces every healthy pod. A readiness probe holds traffic and the rollout back
    until the container can actually serve.

How to fix:
    Give each container a cheap check of its own ability to serve:

        readinessProbe:
          httpGet: {path: /ready, port: 8080}
          periodSeconds: 5
          failureThreshold: 3

Notes:
    The probe is one of two rules (with `require-liveness-probe`) rather than one
    rule with options, because their risks differ: a missing readiness probe drops
    requests on every rollout, while a liveness probe is a choice some teams make
    against on purpose. Each can be disabled or suppressed on its own.
    Only containers that declare `ports` are judged by default
    (`containersWithPortsOnly`): a readiness probe is about traffic, and a
    container without ports (a config reloader beside the server, a node agent, a
    queue consumer) is not what a Service sends it to. A container that declares no
    port but is the only container of a pod that a Service of the set selects is
    judged: it is what the Service sends traffic to, on a port it does not declare
    (corpus31's token server). In a pod of several port-less containers, which one
    the Service reaches is not shown, and none is judged; declare the port (a
    Service's named `targetPort` needs it anyway), or turn the option off to ask
    every long-running container for a probe. When whether a Service selects the
    pod is not known yet (preview), the port-less container is not judged.
    With the same option, a container whose every declared port is for a scraper or
    a prober is not judged either: named for a scraper (`metrics`, `http-metrics`,
    `monitoring`, `prometheus`, an exporter's `redis-exporter`), bound by the container's own metrics or health
    flag (`--metrics-bind-address=:8080`, `--health-port=9808`, the CSI sidecars'
    `--http-endpoint=:8091`), named by the pod's `prometheus.io/port` annotation, or
    left unnamed by a container that runs a Prometheus exporter (named `*-metrics`
    or `*-exporter`, or whose command starts one `*_exporter` or `*-exporter`
    program and nothing else: corpus30's `prometheus_exporter` beside a queue
    worker).
    A scraper and the kubelet read a pod whether or not it is ready, so readiness
    gates nothing there (a garbage collector or controller that only
    exports metrics, a JMX exporter beside a broker, a CSI sidecar whose one port is
    its `--http-endpoint`). A port named `healthz` is judged: a CSI node plugin that
    serves only its health endpoint still wants readiness, so that its DaemonSet's
    rolling update waits for the driver (reviewers of three corpora). Another
    unnamed port may serve anything, and is judged.
    Nor is a container whose every declared port is UDP (a game server, a WireGuard
    endpoint): no httpGet, tcpSocket or grpc probe reaches it (corpus25, 32).
    Native sidecars (init containers with `restartPolicy: Always`) are not judged.
    A container whose command only waits (`sleep infinity`, `tail -f /dev/null`, a
    `while true; do sleep 3600; done` loop) is not judged: it serves nothing and has
    nothing that can hang (a fsfreeze or debug sidecar).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Container, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import as_list

from .._serving import serves, unplaced_objects
from ._probes import CONTAINERS_WITH_PORTS_ONLY, INCLUDE_BARE_PODS, stack_missing_probes


def _why(container: Container) -> str:
    # With a startupProbe the container is unready until it passes (corpus26's
    # RabbitMQ): what is missing is readiness after that.
    if container.get("startupProbe") is not None:
        return (
            "once its startupProbe passes it counts as ready whatever its state: Services that select it "
            "send it traffic while it cannot serve, and rollouts move on"
        )
    return "it counts as ready as soon as it starts: Services that select it send it traffic, and rollouts move on"


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    unplaced = unplaced_objects(stack)

    def portless_judged(obj: Resource, container: Container) -> bool:
        # The pod's only container, which a Service selects: the Service's traffic is its.
        pod = obj.pod_spec
        if pod is None or len(as_list(pod.get("containers"))) != 1:
            return False
        return serves(stack, obj, obj, unplaced, traffic_only=True, services_only=True) is True

    yield from stack_missing_probes(stack, options, "readinessProbe", _why, portless_judged, serving_ports_only=True)


RULE = Rule(
    name="require-readiness-probe",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="availability",
    kinds={"Service", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options={
        **NAMESPACE_OPTION,
        "includeBarePods": INCLUDE_BARE_PODS,
        "containersWithPortsOnly": CONTAINERS_WITH_PORTS_ONLY,
    },
    tags=("probes",),
)
