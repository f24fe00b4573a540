"""Ingresses and OpenShift Routes serve their hosts over TLS.

Fires on an Ingress (`networking.k8s.io/v1`, and the older `v1beta1` and
`extensions/v1beta1`) that has no `spec.tls` entry at all, and on each rule whose
`host` no `spec.tls` entry covers. A TLS host covers a rule's host when the two are
equal (ignoring case) or the TLS host is a wildcard (`*.example.com`) matching
exactly one more label. A `spec.tls` entry that lists no hosts covers every host
(the controller's default certificate), and a rule without a host is covered by any
TLS entry. Also fires on an OpenShift Route (`route.openshift.io`) without `spec.tls`,
or whose TLS lets plain HTTP through (`insecureEdgeTerminationPolicy: Allow`):
corpus28's MLflow and MinIO console Routes with `tls: null`.

Why it matters:
    Without TLS, requests and responses, cookies and bearer tokens included, cross
    the network in plain text and can be read or altered by anyone on the path. A
    TLS section that forgets one of the rules' hosts leaves that host on plain HTTP
    (or on the controller's default certificate, which browsers reject), and is easy
    to miss in review.

How to fix:
    List every host under a TLS entry with its certificate Secret (cert-manager can
    issue it from an annotation):

        spec:
          tls:
            - hosts: [shop.example.com, api.example.com]
              secretName: shop-tls
          rules:
            - host: shop.example.com
            - host: api.example.com

    An OpenShift Route terminates TLS at the router (its default certificate, or one
    given in `tls`) and redirects plain HTTP:

        spec:
          tls:
            termination: edge
            insecureEdgeTerminationPolicy: Redirect

Notes:
    A cloud load balancer can terminate TLS with a certificate it manages, named by
    an annotation instead of `spec.tls`: GKE (`networking.gke.io/managed-certificates`,
    `ingress.gcp.kubernetes.io/pre-shared-cert`), AWS Load Balancer Controller
    (`alb.ingress.kubernetes.io/certificate-arn`) and Application Gateway
    (`appgw.ingress.kubernetes.io/appgw-ssl-certificate`). Such an Ingress is not
    plain HTTP when it also redirects or refuses HTTP (`kubernetes.io/ingress.allow-http:
    "false"`, a GKE FrontendConfig named by `networking.gke.io/v1beta1.FrontendConfig`,
    `alb.ingress.kubernetes.io/ssl-redirect`, `appgw.ingress.kubernetes.io/ssl-redirect:
    "true"`, or an AWS load balancer whose `listen-ports` name no HTTP port: without
    them the controller listens on HTTPS 443 alone once a certificate is given,
    corpus34); without one it is reported for still answering plain HTTP. TLS
    Traefik serves an Ingress over TLS without `spec.tls` when its router says so:
    `traefik.ingress.kubernetes.io/router.tls: "true"`, a
    `router.tls.certresolver`, or `router.entrypoints` naming only TLS entrypoints
    (`websecure`, the name Traefik's documentation and Helm chart give the TLS
    one); such a router does not answer plain HTTP. Nor does Traefik 1.x's, on an
    Ingress of class `traefik` (`kubernetes.io/ingress.class`) that sets
    `ingress.kubernetes.io/ssl-redirect: "true"`: it redirects HTTP to its TLS
    entrypoint, whose certificate is in Traefik's configuration (moov-io's payment
    services in corpus18). The same annotation on another controller's Ingress
    (ingress-nginx redirects only hosts that have TLS) changes nothing. Nor does a
    Traefik router answer plain HTTP with more than a redirect when a middleware it
    runs (`traefik.ingress.kubernetes.io/router.middlewares`) redirects to HTTPS: a
    Traefik `Middleware` of the set with `redirectScheme.scheme: https`, or one the
    set does not hold whose name says `redirect` (corpus46's `http-to-https-redirect`
    beside the HTTPS twin of the Ingress). An Ingress whose hosts have no paths and
    no default backend, with external-dns annotations, routes nothing: it publishes
    a name (corpus46's Argo Workflows, served by a Traefik IngressRoute). TLS
    terminated elsewhere in front of the controller is mostly invisible in the
    Ingress: suppress the rule on such an Ingress with the reason. One sign of it is
    read: ingress-nginx's `nginx.ingress.kubernetes.io/force-ssl-redirect: "true"`,
    which redirects plain HTTP even for hosts without a certificate of the
    controller's, the setting its documentation gives for TLS offloaded to a load
    balancer in front (corpus33's fintech admin front end). During a Pulumi preview an unknown `tls` section or
    host is given the benefit of the doubt.
    Zalando's kube-ingress-aws-controller takes its certificate from
    `zalando.org/aws-load-balancer-ssl-cert` or, without it, finds one in ACM or IAM
    by the Ingress's host names (its HTTP redirect is a flag of the controller or of
    skipper behind it): an Ingress with the annotation, or any Ingress it serves when
    the set runs the controller (all, or those of its `--ingress-class-filter`), is
    not reported (corpus27: kops' add-on and its demo Ingresses); during a preview, a
    workload whose images are not known yet may be that controller when its name says
    so. And the Tailscale operator
    (`ingressClassName: tailscale`) serves only HTTPS with a ts.net certificate it
    issues: neither is reported (corpus17: kube-ops-view, a Flux home lab).
    A host written as a variable (kustomize's `$(DOMAIN)`, `${HOST}`) is filled in at
    build or deploy time, and is not judged (corpus34).
    Offline, an Ingress whose `spec.tls` or annotations a kustomize patch of the run
    writes (rage's production overlay adds the TLS section by a JSON patch) is judged
    as deployed, which the file does not show: not judged.
    A host only a private network resolves is not judged: a name under a
    private-use or local domain (`.local`, `.lan`, `.home.arpa`, `.internal`,
    `.localhost`, `.test`, `.cluster.local`, ...) or a public one that resolves every
    name to the loopback address (`*.localdev.me`, `*.lvh.me`: a developer's own
    machine, corpus38), a private IP address, or a
    wildcard-DNS name that spells one (`plex.192.168.3.27.nip.io`, sslip.io), or a
    name whose last label cannot be a top-level domain because it holds a digit
    (`cici.x81`, a home lab's own suffix: corpus29; IDN labels `xn--...` excepted).
    No public certificate authority certifies such names, and their traffic stays on
    the network that resolves them (corpus16's home labs); an Ingress whose hosts are
    all such names is not judged at all.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import repository_name
from policypack.model import POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, StackViolation, Violation
from policypack.stack import Stack
from policypack.values import UNKNOWN, as_list, is_template_text, is_unknown

#: Domains for private or local use: reserved for it (RFC 6761, 6762, 8375, ICANN's
#: `.internal`) or used so by convention on home and office networks.
PRIVATE_DOMAINS = (
    "local",
    "localhost",
    "localdomain",
    "lan",
    "home",
    "home.arpa",
    "internal",
    "intranet",
    "corp",
    "private",
    "test",
    "invalid",
    "cluster.local",
    # public wildcard-DNS names that resolve every name under them to 127.0.0.1: a
    # developer's own machine (corpus38's EASi local stack, `*.localdev.me`)
    "localdev.me",
    "lvh.me",
    "localtest.me",
    "vcap.me",
    "lacolhost.com",
)
_IP_ADDRESS = lazy_compile(r"[0-9.]+")
#: Wildcard DNS services whose names spell the address they resolve to.
_SPELLED_ADDRESS = lazy_compile(
    r"(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})\.(?:nip\.io|sslip\.io|xip\.io)$"
)


#: A last label no top-level domain can be: one with a digit (every TLD is letters,
#: or an internationalised `xn--` label), in a name of at least two labels.
_NOT_A_TLD = lazy_compile(r".+\.(?!xn--)[a-z0-9-]*[0-9][a-z0-9-]*")


def private_host(host: str) -> bool:
    """Whether only a private network resolves `host`: a private-use domain, a
    private IP address, a nip.io/sslip.io name spelling one, or a name under a
    suffix that cannot be a public top-level domain."""
    name = host.lower().rstrip(".")
    if any(name == domain or name.endswith("." + domain) for domain in PRIVATE_DOMAINS):
        return True
    if _NOT_A_TLD.fullmatch(name) and not _IP_ADDRESS.fullmatch(name):
        return True
    spelled = _SPELLED_ADDRESS.search(name)
    address = ".".join(spelled.groups()) if spelled else name
    try:
        return ipaddress.ip_address(address).is_private
    except ValueError:
        return False


def covers(tls_host: str, host: str) -> bool:
    tls_host, host = tls_host.lower(), host.lower()
    if tls_host == host:
        return True
    if tls_host.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == tls_host[2:]
    return False


#: Annotations that give an Ingress a certificate its cloud load balancer manages.
MANAGED_CERTIFICATES: tuple[str, ...] = (
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "alb.ingress.kubernetes.io/certificate-arn",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
    # Zalando's kube-ingress-aws-controller: an ACM certificate on its ALB, whose
    # HTTP redirect is the controller's flag (--redirect-http-to-https), unseen here.
    "zalando.org/aws-load-balancer-ssl-cert",
)
#: Ingress classes whose controller serves only HTTPS, with certificates it issues:
#: the Tailscale operator (a ts.net certificate on the tailnet).
HTTPS_ONLY_CLASSES = frozenset({"tailscale"})


def _redirects_http(annotations: Mapping[str, Any]) -> bool | None:
    """Whether the load balancer redirects or refuses plain HTTP (None: cannot tell)."""
    values = [annotations.get(key) for key in _REDIRECTS]
    if any(value is UNKNOWN for value in values):
        return None
    allow_http = annotations.get("kubernetes.io/ingress.allow-http")
    if isinstance(allow_http, str) and allow_http.strip().lower() == "false":
        return True
    if isinstance(annotations.get("networking.gke.io/v1beta1.FrontendConfig"), str):
        return None  # its redirectToHttps is in the FrontendConfig, not visible here
    if isinstance(annotations.get("zalando.org/aws-load-balancer-ssl-cert"), str):
        return None  # the controller's own flag redirects, not visible here
    if isinstance(annotations.get("alb.ingress.kubernetes.io/ssl-redirect"), str):
        return True
    if isinstance(annotations.get("alb.ingress.kubernetes.io/certificate-arn"), str):
        return _alb_https_only(annotations.get("alb.ingress.kubernetes.io/listen-ports"))
    redirect = annotations.get("appgw.ingress.kubernetes.io/ssl-redirect")
    return isinstance(redirect, str) and redirect.strip().lower() == "true"


def _alb_https_only(listen_ports: Any) -> bool | None:
    """Whether an AWS load balancer with a certificate listens on HTTPS alone: with no
    `listen-ports`, the controller's default is `[{"HTTPS": 443}]` once a certificate
    is given (corpus34's course catalogue); otherwise no listed port is HTTP."""
    if listen_ports is None:
        return True
    if not isinstance(listen_ports, str):
        return None
    try:
        ports = json.loads(listen_ports)
    except ValueError:
        return None
    if not isinstance(ports, list) or not all(isinstance(port, Mapping) for port in ports):
        return None
    return not any(str(key).upper() == "HTTP" for port in ports for key in port)


_REDIRECTS = (
    "kubernetes.io/ingress.allow-http",
    "alb.ingress.kubernetes.io/listen-ports",
    "networking.gke.io/v1beta1.FrontendConfig",
    "alb.ingress.kubernetes.io/ssl-redirect",
    "appgw.ingress.kubernetes.io/ssl-redirect",
)


#: Traefik's router annotations: TLS on the router, or only TLS entrypoints.
TRAEFIK_TLS = "traefik.ingress.kubernetes.io/router.tls"
TRAEFIK_RESOLVER = "traefik.ingress.kubernetes.io/router.tls.certresolver"
TRAEFIK_ENTRYPOINTS = "traefik.ingress.kubernetes.io/router.entrypoints"
#: Entrypoint names Traefik's documentation and Helm chart give to TLS entrypoints.
TLS_ENTRYPOINTS = frozenset({"websecure", "https"})
#: ingress-nginx's redirect to HTTPS for hosts without a certificate of its own: its
#: documented use is TLS terminated by a load balancer in front of the controller
#: (corpus33's fintech admin front end).
NGINX_FORCE_SSL_REDIRECT = "nginx.ingress.kubernetes.io/force-ssl-redirect"

#: Traefik 1.x's own redirect (`ingress.kubernetes.io/ssl-redirect: "true"` on an
#: Ingress of class `traefik`): the frontend answers HTTP with a redirect to its TLS
#: entrypoint, whose certificate (default or ACME) is in Traefik's own configuration.
TRAEFIK_V1_REDIRECT = "ingress.kubernetes.io/ssl-redirect"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def _traefik_serves_tls(annotations: Mapping[str, Any]) -> bool | None:
    """Whether Traefik serves the Ingress's routers over TLS only: `router.tls:
    "true"`, a certificate resolver, or entrypoints that are all TLS ones by
    convention (`websecure`). None when one of those is not known yet."""
    keys = (TRAEFIK_TLS, TRAEFIK_RESOLVER, TRAEFIK_ENTRYPOINTS, TRAEFIK_V1_REDIRECT, INGRESS_CLASS_ANNOTATION)
    values = [annotations.get(key) for key in keys]
    if any(value is UNKNOWN for value in values):
        return None
    tls, resolver, entrypoints, redirect, ingress_class = values
    if isinstance(tls, str) and tls.strip().lower() == "true":
        return True
    if (
        isinstance(redirect, str)
        and redirect.strip().lower() == "true"
        and isinstance(ingress_class, str)
        and ingress_class.strip().lower() == "traefik"
    ):
        return True  # Traefik 1.x redirects to its TLS entrypoint
    if isinstance(resolver, str) and resolver.strip():
        return True
    if isinstance(entrypoints, str):
        names = [name.strip().lower() for name in entrypoints.split(",") if name.strip()]
        return bool(names) and all(name in TLS_ENTRYPOINTS for name in names)
    return False


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    discovery = _certificate_discovery(stack)
    for ingress in stack.of_kind("Ingress"):
        if ingress.is_custom_resource:
            continue
        found = list(judge(ingress, options))
        if found and discovery is not None and _discovers_for(ingress, discovery):
            continue  # the AWS load balancer serves its hosts with certificates found by name
        if found and _traefik_middleware_redirects(stack, ingress):
            continue  # its Traefik router only redirects plain HTTP to HTTPS
        for violation in found:
            yield StackViolation(ingress, violation.path, violation.message)
    for route in stack.of_kind("Route"):
        for violation in judge_route(route):
            yield StackViolation(route, violation.path, violation.message)


ROUTER_MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"
_EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/"


def _traefik_middleware_redirects(stack: Stack, ingress: Resource) -> bool:
    """Whether a Traefik Middleware the Ingress's router runs redirects to HTTPS: one
    of the set (`<namespace>-<name>@kubernetescrd`) with `redirectScheme.scheme:
    https`, or one the set does not hold whose name says it redirects (corpus46's
    `default-http-to-https-redirect@kubernetescrd`, an Ingress on the `web`
    entrypoint beside its HTTPS twin): then plain HTTP only meets a redirect. A value
    not known yet may be one."""
    value = ingress.annotations.get(ROUTER_MIDDLEWARES)
    if is_unknown(value):
        return True
    if not isinstance(value, str):
        return False
    middlewares: dict[str, Resource] = {}
    for middleware in stack.of_kind("Middleware"):
        if not (isinstance(middleware.api_version, str) and middleware.api_version.startswith("traefik.")):
            continue
        namespace, name = stack.namespace_of(middleware), middleware.name
        if is_unknown(namespace) or is_unknown(name):
            return True  # its name is not known yet (preview): it may be the redirect
        middlewares[f"{namespace}-{name}"] = middleware
    for reference in value.split(","):
        name = reference.strip().split("@", 1)[0]
        middleware = middlewares.get(name)
        if middleware is None:
            if "redirect" in name.lower():
                return True  # defined elsewhere (another folder, the cluster's Traefik): its name says it
            continue
        scheme = middleware.get("spec", "redirectScheme", "scheme")
        if is_unknown(scheme) or (isinstance(scheme, str) and scheme.lower() == "https"):
            return True
    return False


def judge_route(route: Resource) -> Iterator[Violation]:
    """An OpenShift Route's verdict: no TLS, or TLS that lets plain HTTP through. A
    host only a private network resolves is not judged (as an Ingress's)."""
    api_version = route.api_version
    if not (isinstance(api_version, str) and (api_version.startswith("route.openshift.io/") or api_version == "v1")):
        return  # (`v1` Route: OpenShift 3's templates)
    if route.patched("spec", "tls"):
        return  # an overlay's patch writes its TLS
    host, tls = route.get("spec", "host"), route.get("spec", "tls")
    if is_unknown(host) or is_unknown(tls):
        return
    if isinstance(host, str) and host.strip() and private_host(host.strip()):
        return
    if tls is None:
        yield Violation(("spec", "tls"), "Route has no tls: its host is served over plain HTTP")
        return
    policy = tls.get("insecureEdgeTerminationPolicy") if isinstance(tls, Mapping) else None
    if isinstance(policy, str) and policy.strip().lower() == "allow":
        yield Violation(
            ("spec", "tls", "insecureEdgeTerminationPolicy"),
            "Route's TLS lets plain HTTP through (insecureEdgeTerminationPolicy: Allow): redirect it instead",
        )


#: Zalando's kube-ingress-aws-controller, which finds an ACM or IAM certificate for
#: each Ingress host by name and terminates TLS at the AWS load balancer it creates.
_DISCOVERING_CONTROLLER = "kube-ingress-aws-controller"
_CLASS_FILTER = "--ingress-class-filter"


def _certificate_discovery(stack: Stack) -> set[str] | None:
    """The Ingress classes the set's kube-ingress-aws-controller serves (an empty set:
    every Ingress, its default, or a controller whose flags are not known yet), or
    None when the set runs no such controller. During a preview, a workload whose
    containers or images are not known yet may be that controller when its name, or
    a container's, says so (`kube-ingress-aws-controller`): an image the program
    builds for its own app does not silence the rule."""
    classes: set[str] | None = None
    for workload in stack.of_kind(*POD_KINDS):
        pod = workload.pod_spec
        listed = pod.get("containers") if pod is not None else None
        if (
            is_unknown(listed)
            or (pod is None and workload.builtin_pod_path is not None)
            or any(is_unknown(entry) for entry in as_list(listed))
        ):
            if _named_as_controller(workload.name):
                return set()
            continue
        for container in workload.containers(init=False, ephemeral=False):
            image = container.get("image")
            if is_unknown(image):
                if _named_as_controller(workload.name) or _named_as_controller(container.get("name")):
                    return set()
                continue
            if not (isinstance(image, str) and repository_name(image) == _DISCOVERING_CONTROLLER):
                continue
            classes = set() if classes is None else classes
            command, args = container.get("command"), container.get("args")
            if is_unknown(command) or is_unknown(args):
                return set()
            words = [w for w in (*as_list(command), *as_list(args)) if isinstance(w, str)]
            if len(words) != len([*as_list(command), *as_list(args)]):
                return set()  # a word not known yet may be the filter
            filtered = False
            for index, word in enumerate(words):
                flag, equals, value = word.partition("=")
                if flag.lstrip("-") != _CLASS_FILTER.lstrip("-"):
                    continue
                value = value if equals else (words[index + 1] if index + 1 < len(words) else "")
                found = {name.strip() for name in value.split(",") if name.strip()}
                if not found:
                    return set()
                classes |= found
                filtered = True
            if not filtered:
                return set()  # no filter: it serves every Ingress
    return classes


def _named_as_controller(name: Any) -> bool:
    """Whether a workload's or container's name (or its being unknown) says it may be
    kube-ingress-aws-controller."""
    return is_unknown(name) or (isinstance(name, str) and "ingress" in name and "aws" in name)


def _discovers_for(ingress: Resource, classes: set[str]) -> bool:
    """Whether the controller serves this Ingress: every Ingress without a class
    filter, else those of its classes (a class not known yet counts as one)."""
    if not classes:
        return True
    name = ingress.annotations.get("kubernetes.io/ingress.class")
    if name is None:
        name = ingress.get("spec", "ingressClassName")
    return is_unknown(name) or (isinstance(name, str) and name in classes)


def judge(ingress: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    """The Ingress's verdict on its own, before the set is read."""
    if ingress.get("metadata", "annotations") is UNKNOWN:
        return  # a managed certificate may be named there
    if ingress.patched("spec", "tls") or ingress.patched("metadata", "annotations"):
        return  # an overlay's patch writes its TLS (or the annotations that give it one)
    annotations = ingress.annotations
    if any(annotations.get(key) is UNKNOWN for key in MANAGED_CERTIFICATES):
        return
    if _traefik_serves_tls(annotations) is not False:
        return  # Traefik terminates TLS for these routers (or may: not known yet)
    ingress_class = ingress.get("spec", "ingressClassName")
    if ingress_class is UNKNOWN or (isinstance(ingress_class, str) and ingress_class in HTTPS_ONLY_CLASSES):
        return  # the Tailscale operator serves HTTPS only (or the class is not known yet)
    managed = [key for key in MANAGED_CERTIFICATES if annotations.get(key) not in (None, "")]
    if managed:
        if _redirects_http(annotations) is False:
            yield Violation(
                ("metadata", "annotations", managed[0]),
                f"Ingress serves HTTPS with a cloud-managed certificate ({managed[0]}) but still answers "
                "plain HTTP: redirect or refuse HTTP",
            )
        return
    force = annotations.get(NGINX_FORCE_SSL_REDIRECT)
    if force is UNKNOWN or (isinstance(force, str) and force.strip().lower() == "true"):
        return  # ingress-nginx behind a load balancer that terminates TLS (or not known yet)
    tls = ingress.get("spec", "tls")
    if tls is UNKNOWN:
        return
    entries = as_list(tls)
    rules = ingress.get("spec", "rules")
    if rules is UNKNOWN:
        return  # its hosts may all be LAN names
    if (
        any(isinstance(key, str) and key.startswith(_EXTERNAL_DNS) for key in annotations)
        and ingress.get("spec", "defaultBackend") is None
        and all(isinstance(rule, Mapping) and rule.get("http") is None for rule in as_list(rules))
    ):
        # Hosts with no paths and no default backend, for external-dns to publish: the
        # Ingress routes nothing (corpus46's Argo Workflows, served by a Traefik
        # IngressRoute on its TLS entrypoint).
        return
    hosts = [rule.get("host") if isinstance(rule, Mapping) else rule for rule in as_list(rules)]
    known = [host for host in hosts if not is_unknown(host)]
    if hosts and all(isinstance(host, str) and host and private_host(host) for host in known):
        return  # a home lab's LAN names (or not known yet): no public CA certifies them
    if not entries:
        allow_http = annotations.get("kubernetes.io/ingress.allow-http")
        if isinstance(allow_http, str) and allow_http.strip().lower() == "false":
            # GKE's load balancer without HTTP and without a certificate: it serves nothing
            # (corpus45's notebortt, whose message said "plain HTTP").
            yield Violation(
                ("spec", "tls"),
                "Ingress has no tls section nor a managed certificate, and turns plain HTTP off "
                '(kubernetes.io/ingress.allow-http: "false"): its hosts are served on no frontend at all',
            )
            return
        yield Violation(("spec", "tls"), "Ingress has no tls section: its hosts are served over plain HTTP")
        return
    tls_hosts: list[str] = []
    for entry in entries:
        hosts = entry.get("hosts") if isinstance(entry, Mapping) else UNKNOWN
        if hosts is UNKNOWN or (isinstance(entry, Mapping) and not as_list(hosts)):
            return  # an entry for every host (the default certificate), or one we cannot read yet
        for host in as_list(hosts):
            if host is UNKNOWN or is_template_text(host):
                return  # not known yet, or a variable kustomize or a deploy step fills in (`$(DOMAIN)`)
            if isinstance(host, str):
                tls_hosts.append(host)
    for rule in as_list(ingress.get("spec", "rules")):
        host = rule.get("host") if isinstance(rule, Mapping) else None
        if not isinstance(host, str) or not host or private_host(host) or is_template_text(host):
            continue  # unknown, a rule for every host (covered by the TLS entries above), a LAN name, a variable
        if not any(covers(tls_host, host) for tls_host in tls_hosts):
            # The TLS section is what must change, so the finding points there.
            yield Violation(
                ("spec", "tls"),
                f'Ingress rule for host "{host}" is not covered by any tls entry: it is served over plain HTTP',
            )


RULE = Rule(
    name="require-ingress-tls",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="application-services",
    kinds={"Ingress", "Route", "Middleware", *POD_KINDS},
    check=check,
    stack=True,
    options={},
    tags=("nsa-hardening", "network-exposure", "tls"),
)
