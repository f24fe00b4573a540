"""Services are not exposed through node ports.

Fires on a Service of `type: NodePort`, unless the set shows that something in front
of it needs the node port: an Ingress whose controller sends traffic to the nodes,
or the Service is the ingress layer's own entry point. LoadBalancer Services, which
also allocate node ports unless `allocateLoadBalancerNodePorts: false`, are judged
by `no-public-load-balancer` instead.

Why it matters:
    A NodePort opens the same port on every node of the cluster, on every node
    address, beside the ingress layer and its TLS, authentication and rate limits.
    Whoever can reach any node (and node addresses are often reachable from the
    whole VPC, sometimes from the internet) reaches the Service. It also ties
    clients to node addresses that change with every upgrade.

How to fix:
    Use `type: ClusterIP` behind an Ingress or Gateway, or an internal
    LoadBalancer when traffic comes from outside the cluster:

        spec:
          type: ClusterIP

Notes:
    Not judged, because the node port is how the traffic arrives by design:
    - a backend of an Ingress of the set whose controller routes to node ports: GKE's
      (`gce`, `gce-internal`; without a `cloud.google.com/neg` annotation that asks for
      container-native load balancing) and the AWS Load Balancer Controller's (`alb`)
      in `instance` mode, its default;
    - a backend of an Ingress that names no class, when the set holds no default
      IngressClass: GKE's controller takes those, so which controller serves it is
      not known;
    - a Service in a namespace where the set configures GKE's Ingress (a
      ManagedCertificate, BackendConfig or FrontendConfig) without holding the
      Ingress: it may be that Ingress's backend;
    - the Service of an ingress controller or gateway (its pods run ingress-nginx,
      Traefik, Kong, HAProxy, Contour's Envoy, an Istio gateway, ...): on bare metal,
      the node port is the ingress layer's own entry point;
    - a Service whose own annotations configure it as a backend of GKE's Ingress
      (`cloud.google.com/backend-config`, its `beta.` form, or `app-protocols`) and
      ask for no NEG: that Ingress, in the set or not, reaches it through node ports;
    - a Service whose ports all carry what no Ingress or HTTP gateway carries to
      clients outside the cluster: UDP (a game server, a VPN endpoint, DNS), SSH
      (a Git forge's clone port), MQTT (devices reaching their broker), Minecraft.
      A port counts by its protocol, its name or `appProtocol` (`ssh`, `git-ssh`,
      `mqtt`, `mqtts`, `minecraft`, ...) or its well-known number (22, 1883,
      8883, 25565), unless its name or `appProtocol` says HTTP, HTTPS, gRPC or
      WebSocket. A TCP port on the number of one of the Service's UDP ports carries
      that protocol over TCP (DNS's 53), whatever its name says. One HTTP port beside
      them could go behind the ingress layer, so it is judged.

    Advisory: other platforms (bare-metal clusters, other raw TCP services) rely
    on NodePorts by design. Suppress the rule on
    those Services with the reason. During a Pulumi preview, an Ingress whose class or
    backends are not known yet leaves its Services unjudged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import split_image
from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import Stack, map_selector_matches
from policypack.values import Path, as_list, is_unknown

from .ingress_backend_missing import backends

CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
GCE_CLASSES = frozenset({"gce", "gce-internal", "gce-multi-cluster"})
GCE_CONTROLLERS = frozenset({"k8s.io/ingress-gce", "networking.gke.io/ingress-gce"})
ALB_CONTROLLER = "ingress.k8s.aws/alb"
ALB_TARGET_TYPE = "alb.ingress.kubernetes.io/target-type"
NEG_ANNOTATION = "cloud.google.com/neg"

# Images of ingress controllers and gateways (the end of the repository path):
# a NodePort Service in front of them is the ingress layer's entry point.
_GATEWAY_IMAGE = lazy_compile(
    r"(?:.*/)?(?:ingress-nginx/controller|nginx-ingress-controller|nginx-ingress|kubernetes-ingress-controller"
    r"|kubernetes-ingress|kong|kong-gateway|traefik|haproxy-ingress|contour|envoy|envoy-distroless|proxyv2"
    r"|emissary|ambassador|skipper|apisix|gloo-ee|gateway-proxy)"
)
# Flags only an ingress controller takes.
_GATEWAY_FLAG = lazy_compile(
    r"--(?:ingress-class|ingress\.class|controller-class|watch-ingress-without-class|providers\.kubernetes"
    r"(?:ingress|crd|gateway))\b"
)

# In the namespaces an Ingress may route through node ports to a backend not known
# yet: every namespace, when the Ingress's own is not known yet.
ANY_NAMESPACE = object()


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    reached, open_namespaces = _reached_by_node_port(stack)
    gke_namespaces = _gke_ingress_namespaces(stack)
    for service in stack.of_kind("Service"):
        if service.get("spec", "type") != "NodePort" or id(service) in reached:
            continue
        namespace = stack.namespace_of(service)
        if ANY_NAMESPACE in open_namespaces or namespace in open_namespaces or is_unknown(namespace):
            continue  # an Ingress there may name it, through a backend not known yet
        if _fronts_ingress_layer(stack, service) or _no_ingress_protocol(service):
            continue
        if namespace in gke_namespaces or ANY_NAMESPACE in gke_namespaces:
            continue  # a GKE Ingress the set does not hold may route to it through node ports
        if _gke_backend(service):
            continue  # it names its GKE Ingress backend's configuration: that Ingress needs the node port
        yield StackViolation(
            service,
            ("spec", "type"),
            "Service of type NodePort opens its port on every node's address, reachable by anything that can "
            "reach a node",
        )


def _reached_by_node_port(stack: Stack) -> tuple[set[int], set[Any]]:
    """The Services (by id) that back an Ingress whose controller may send traffic to
    node ports, and the namespaces where such an Ingress has a backend not known yet
    (`ANY_NAMESPACE` when its own namespace is not known yet)."""
    # The set's IngressClasses by name (None: one whose name is not known yet).
    classes = {c.name if isinstance(c.name, str) else None: c for c in stack.of_kind("IngressClass")}
    defaults = [c for c in stack.of_kind("IngressClass") if c.annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"]
    if any(_default_not_known(c) for c in stack.of_kind("IngressClass")):
        defaults = []  # which class is the default is not known yet: classless Ingresses stay open
    reached: set[int] = set()
    open_namespaces: set[Any] = set()
    for ingress in stack.of_kind("Ingress"):
        controller = _controller(ingress, classes, defaults)
        if controller is False:
            continue  # a controller that proxies to the pods
        namespace = stack.namespace_of(ingress)
        if not isinstance(namespace, str):
            open_namespaces.add(ANY_NAMESPACE)
            continue
        if _backends_not_known(ingress):
            open_namespaces.add(namespace)
        for _, name in backends(ingress):
            service = stack.find("Service", name, namespace, near=ingress)
            if is_unknown(service):
                open_namespaces.add(namespace)  # which Service it names is not known yet
            elif isinstance(service, Resource) and (controller is None or _instance_targets(ingress, service)):
                reached.add(id(service))
    return reached, open_namespaces


def _default_not_known(ingress_class: Resource) -> bool:
    return (
        is_unknown(ingress_class.name)
        or is_unknown(ingress_class.get("metadata", "annotations"))
        or is_unknown(ingress_class.annotations.get(DEFAULT_CLASS_ANNOTATION))
    )


# Custom resources that configure GKE's Ingress (its load balancer's certificates,
# backends and frontends): where they are, a GCE Ingress routes through node ports.
_GKE_INGRESS_KINDS = {
    ("networking.gke.io", "ManagedCertificate"),
    ("networking.gke.io", "FrontendConfig"),
    ("cloud.google.com", "BackendConfig"),
}


def _gke_ingress_namespaces(stack: Stack) -> set[Any]:
    """The namespaces of the set's GKE Ingress resources (ANY_NAMESPACE for one whose
    namespace is not known yet)."""
    found: set[Any] = set()
    for resource in stack.resources:
        group = (resource.api_version or "").partition("/")[0]
        if (group, resource.kind) in _GKE_INGRESS_KINDS:
            namespace = stack.namespace_of(resource)
            found.add(namespace if isinstance(namespace, str) else ANY_NAMESPACE)
    return found


def _backends_not_known(ingress: Resource) -> bool:
    """Whether the Service name of a backend is not known yet (a preview's unknowns)."""
    rules = ingress.get("spec", "rules")
    if is_unknown(rules):
        return True
    bases: list[Path] = [("spec", "defaultBackend"), ("spec", "backend")]
    for r, _ in enumerate(as_list(rules)):
        paths = ingress.get("spec", "rules", r, "http", "paths")
        if is_unknown(paths):
            return True
        bases.extend(("spec", "rules", r, "http", "paths", p, "backend") for p, _ in enumerate(as_list(paths)))
    return any(
        is_unknown(ingress.get(*base, "service", "name")) or is_unknown(ingress.get(*base, "serviceName"))
        for base in bases
    )


def _controller(ingress: Resource, classes: Mapping[str, Resource], defaults: list[Resource]) -> bool | None:
    """Whether the Ingress's controller routes to node ports: True for GKE's and the
    AWS Load Balancer Controller's (the latter then decides per Service by target
    type), False for another, None when not known (no class and no default
    IngressClass in the set, or a class not known yet)."""
    if is_unknown(ingress.get("metadata", "annotations")):
        return None
    annotation = ingress.annotations.get(CLASS_ANNOTATION)
    name = annotation if annotation is not None else ingress.get("spec", "ingressClassName")
    if is_unknown(name):
        return None
    if name is None:
        if len(defaults) != 1:
            return None  # GKE's controller serves Ingresses that name no class
        controller = defaults[0].get("spec", "controller")
    elif not isinstance(name, str):
        return False
    elif name in GCE_CLASSES or name == "alb":
        return True
    else:
        found = classes.get(name)
        if found is None and None in classes:
            return None  # an IngressClass whose name is not known yet may be this one
        controller = found.get("spec", "controller") if found is not None else None
    if is_unknown(controller):
        return None
    return controller in GCE_CONTROLLERS or controller == ALB_CONTROLLER


def _instance_targets(ingress: Resource, service: Resource) -> bool:
    """Whether the node-port controller reaches this Service through node ports: GKE's
    unless the Service asks for container-native load balancing (a NEG), the AWS Load
    Balancer Controller unless the target type (the Service's annotation, else the
    Ingress's) is `ip`."""
    neg = service.annotations.get(NEG_ANNOTATION)
    if isinstance(neg, str) and re.search(r'"ingress"\s*:\s*true', neg):
        return False
    target = service.annotations.get(ALB_TARGET_TYPE)
    if target is None:
        target = ingress.annotations.get(ALB_TARGET_TYPE)
    return not (isinstance(target, str) and target.strip().lower() == "ip")


#: Service annotations that configure it as a backend of GKE's Ingress (a BackendConfig
#: for its ports, or the app protocols the load balancer speaks to them).
_GKE_BACKEND_ANNOTATIONS = (
    "cloud.google.com/backend-config",
    "beta.cloud.google.com/backend-config",
    "cloud.google.com/app-protocols",
    "service.alpha.kubernetes.io/app-protocols",
)


def _gke_backend(service: Resource) -> bool:
    """Whether the Service's own annotations make it a backend of GKE's Ingress, which
    reaches it through node ports unless it asks for a NEG (corpus27's akvo-lumen:
    `beta.cloud.google.com/backend-config` on its blue/green Services, whose Ingress
    the set does not hold). Not known yet counts as so."""
    annotations = service.get("metadata", "annotations")
    if is_unknown(annotations):
        return True
    if not isinstance(annotations, Mapping) or not any(key in annotations for key in _GKE_BACKEND_ANNOTATIONS):
        return False
    neg = annotations.get(NEG_ANNOTATION)
    return is_unknown(neg) or not (isinstance(neg, str) and re.search(r'"ingress"\s*:\s*true', neg))


# Client protocols over TCP that no Ingress or HTTP gateway carries, by port name or
# appProtocol (`tcp-` and `git-` prefixes as Istio and Git forges write them) and by
# well-known number: SSH, MQTT and MQTT over TLS, Minecraft.
_RAW_TCP_NAME = lazy_compile(r"(?:tcp-|git-)?(?:ssh|sftp|mqtts?|minecraft)")
_RAW_TCP_PORTS = frozenset({22, 1883, 8883, 25565})
# A port that says it carries what an ingress layer or gateway does: HTTP, HTTPS, HTTP/2,
# gRPC, WebSocket (as a name, an `appProtocol` or Istio's `http-` prefix).
_WEB_NAME = lazy_compile(r"(?:kubernetes\.io/)?(?:https?|http2|h2c?|grpc(?:-web)?|wss?|web)(?:-[a-z0-9-]+)?")


def _no_ingress_protocol(service: Resource) -> bool:
    """Whether every port of the Service carries what no Ingress or HTTP gateway
    carries (or may: not known yet): UDP (a game server, a VPN endpoint, DNS:
    corpus24's and corpus25's WireGuard and Factorio servers), SSH (corpus27's
    Forgejo clone port), MQTT (corpus25's brokers), Minecraft (corpus22). The node
    port is how clients outside the cluster reach it by design."""
    ports = service.get("spec", "ports")
    if is_unknown(ports):
        return True
    entries = as_list(ports)
    if not entries:
        return False
    # A TCP port on the number of one of its UDP ports carries that protocol over TCP
    # (DNS on 53/udp and 53/tcp), whatever its name: corpus39's home DNS server, whose
    # two ports a template named `http` and `http2`. (None: an entry not known yet may
    # be the UDP side of any of them, so none is judged as web traffic.)
    udp: set[int] | None = set()
    for e in entries:
        if is_unknown(e) or (isinstance(e, Mapping) and (is_unknown(e.get("protocol")) or is_unknown(e.get("port")))):
            udp = None
            break
        if isinstance(e, Mapping) and e.get("protocol") == "UDP" and _is_port(e.get("port")):
            udp.add(e["port"])
    return all(_no_ingress_port(entry, udp) for entry in entries)


def _is_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _no_ingress_port(entry: Any, udp: set[int] | None) -> bool:
    if is_unknown(entry) or not isinstance(entry, Mapping):
        return is_unknown(entry)
    protocol = entry.get("protocol")
    if is_unknown(protocol) or protocol == "UDP":
        return True  # it is (or may be) UDP
    port = entry.get("port")
    if _is_port(port) and port not in (80, 443) and (udp is None or port in udp):
        return True  # the TCP side of a UDP protocol (not HTTP/3's 443/udp beside HTTPS)
    if is_unknown(port) and (udp is None or udp):
        return True  # not known yet: it may be the TCP side of one of them
    said = [entry.get(key) for key in ("name", "appProtocol")]
    if any(isinstance(value, str) and _WEB_NAME.fullmatch(value.lower()) for value in said):
        return False  # it says it carries HTTP (or gRPC, WebSocket): an ingress layer can, whatever its number
    for value in said:
        if is_unknown(value) or (isinstance(value, str) and _RAW_TCP_NAME.fullmatch(value.lower())):
            return True
    return is_unknown(port) or (_is_port(port) and port in _RAW_TCP_PORTS)


def _fronts_ingress_layer(stack: Stack, service: Resource) -> bool:
    """Whether the Service may select the pods of an ingress controller or gateway of
    the set (or its selector is not known yet)."""
    selector = service.get("spec", "selector")
    if is_unknown(selector):
        return True  # it may select one
    if not isinstance(selector, Mapping) or not selector:
        return False
    # Any workload of its namespace its selector may match (copies, objects that name
    # no namespace, labels not known yet): only a gateway among them leaves it unjudged.
    candidates = [w for w in stack.of_kind(*POD_KINDS) if _may_share(stack, service, w)]
    return any(
        _is_gateway(workload)
        for workload in candidates
        if map_selector_matches(selector, stack.pod_labels(workload)) is not False
    )


def _may_share(stack: Stack, service: Resource, workload: Resource) -> bool:
    """Whether the workload is (or may be, once deployed) in the Service's namespace:
    the same one, one not known yet, or either names none (docs/sets.md)."""
    here, there = stack.namespace_of(service), stack.namespace_of(workload)
    if not isinstance(here, str) or not isinstance(there, str):
        return True
    return here == there or stack.floating(service) or stack.floating(workload)


def _is_gateway(workload: Resource) -> bool:
    """Whether the workload runs an ingress controller or gateway: its main (first)
    container's image is one, or a container takes a flag only they take (or may:
    its containers are not known yet). An Envoy or Istio proxy beside the main
    container is a sidecar, not the pod's program."""
    path = workload.pod_path or workload.builtin_pod_path
    containers = workload.get(*path, "containers") if path is not None else None
    if is_unknown(containers) or any(is_unknown(entry) for entry in as_list(containers)):
        return True
    for position, container in enumerate(workload.containers(init=False, ephemeral=False)):
        image = container.get("image")
        command, args = container.get("command"), container.get("args")
        if is_unknown(image) or is_unknown(command) or is_unknown(args):
            return True
        main = position == 0
        if main and isinstance(image, str) and _GATEWAY_IMAGE.fullmatch(split_image(image)[0].lower()):
            return True
        words = [*as_list(command), *as_list(args)]
        if any(is_unknown(word) or (isinstance(word, str) and _GATEWAY_FLAG.match(word)) for word in words):
            return True
    return False


RULE = Rule(
    name="no-node-port-services",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-services",
    kinds={"Service", "Ingress", "IngressClass", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options={},
    tags=("network-exposure",),
)
