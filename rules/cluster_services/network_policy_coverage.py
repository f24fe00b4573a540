"""Every workload's pods are selected by a NetworkPolicy.

For each workload (any pod-bearing kind) that serves something the set shows (a
container declares a port, or a Service may select its pods), the rule looks for a
NetworkPolicy in the same namespace, among the objects linted together (or the
stack), whose `podSelector` selects the workload's pod template labels (`{}` selects
every pod of the namespace).

Why it matters:
    Pods that no NetworkPolicy selects accept traffic from every pod in the cluster
    and may call anything: one compromised workload can reach your databases,
    metadata endpoints and control-plane add-ons. Policies are also how you prove
    segmentation to an auditor.

How to fix:
    Add a NetworkPolicy for the namespace: a default deny, then what each workload
    needs:

        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}
          policyTypes: [Ingress]
          ingress:
            - from: [{podSelector: {matchLabels: {app: gateway}}}]

Notes:
    A namespace that holds no NetworkPolicy at all gets one finding, on its first
    uncovered workload (by kind and name), with the others folded under it: they are
    uncovered for one reason, and one change (a default deny, then what each workload
    needs) covers them. Where the
    namespace has policies, each workload they leave out is reported on its own.

    The policies only take effect with a CNI that enforces them (Calico, Cilium,
    Dataplane V2, ...). Offline, lint the workloads with their policies; policies
    applied by another repository show up here: suppress with a reason or exempt
    the namespace in the config. Unknown labels or selectors fire nothing. A
    CNI's own policy in the set (Calico's and Antrea's in the namespace, or a
    cluster-wide one: `CiliumClusterwideNetworkPolicy`, `AdminNetworkPolicy`, ...)
    may select the pods by its own rules, so the workloads it may cover are not
    judged. A `CiliumNetworkPolicy` covers the pods its `endpointSelector` selects
    (keys written with Cilium's `k8s:` or `any:` source too); one that selects by
    labels Cilium adds itself (`reserved:...`, `io.cilium...`) may cover any pod of
    its namespace.

    Workloads that declare no port (or only ports for probes and metrics: named
    `healthz`, `metrics`, ..., named by the pod's `prometheus.io/port` annotation, asked
    a health endpoint on by the container's own probes (`httpGet: {path: /healthz, port:
    3002}`: corpus22's bot workers), or scraped by name by a Prometheus Operator
    `PodMonitor` of the set that selects the pods) and that no Service selects but one
    whose every port is named for metrics or probes (a scraper's, as dcgm-exporter's) or
    as a placeholder (`dummy`, `csi-s3-dummy`: a CSI controller's governing Service;
    kompose's `headless` for a compose service without ports) (a controller that only
    calls the API server, a CSI driver reached through a Unix socket, a hook Job that
    runs a script) are not judged by default: there is no traffic to them to segment,
    and the one policy they could use, a namespace-wide default deny for egress, is
    `network-policy-default-deny`'s advice. Set `workloadsThatServeOnly` to false to ask
    every workload for a policy.

    Pods with `hostNetwork: true` are not judged: they use the node's network
    namespace, and NetworkPolicy does not apply to them (the API documents it as
    undefined, and the common CNIs leave such pods alone), so no policy could cover
    them. Limit what they can reach with the node's firewall instead. A
    `hostNetwork` value not known yet during preview fires nothing either.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack, label_selector_matches
from policypack.values import UNKNOWN, as_list

from .._serving import serves, unplaced_objects

SERVE_ONLY = {
    "type": "boolean",
    "default": True,
    "description": (
        "Only judge workloads that declare a container port (other than one named for probes or metrics) "
        "or that a Service in the set may select. "
        "Turn it off to ask every workload, port-less controllers and jobs included, for a policy."
    ),
}


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    serve_only = options["workloadsThatServeOnly"] is True
    # Objects whose namespace is not known yet (only during a preview), found once.
    unplaced = unplaced_objects(stack)
    cni_covered = _cni_policy_namespaces(stack)
    cilium = list(stack.of_kind("CiliumNetworkPolicy"))
    found: dict[Any, list[Resource]] = {}  # namespace -> its uncovered workloads, in order
    for workload in stack.of_kind(*POD_KINDS):
        pod = workload.pod_spec
        host_network = pod.get("hostNetwork") if pod is not None else _raw_pod_spec(workload)
        if host_network is True or host_network is UNKNOWN:
            continue  # NetworkPolicy does not apply to pods on the node's network
        if serve_only and serves(stack, workload, workload, unplaced, traffic_only=True) is not True:
            continue  # nothing to segment that the set shows (or not known yet)
        namespace = stack.namespace_of(workload)
        if cni_covered and (cni_covered is ALL or namespace is UNKNOWN or {UNKNOWN, namespace} & cni_covered):
            continue  # a CNI's own policy (Calico, Antrea, or cluster-wide) may select its pods
        if _cilium_may_select(stack, cilium, workload, namespace):
            continue  # a CiliumNetworkPolicy of its namespace selects its pods (or may)
        if stack.covered(workload, "NetworkPolicy", "spec", "podSelector") is False:
            found.setdefault(namespace, []).append(workload)
    for namespace, workloads in found.items():
        beside = any(stack.namespace_of(policy) == namespace for policy in cilium)
        kinds = "NetworkPolicy or CiliumNetworkPolicy" if beside else "NetworkPolicy"
        cause = None
        if len(workloads) > 1 and not beside and not stack.in_namespace(namespace, "NetworkPolicy"):
            # Uncovered for one reason, settled by one change: one finding (engine.stack_findings).
            cause = f"namespace {namespace} has no NetworkPolicy at all: one default deny covers them"
        for workload in workloads:
            where = f"namespace {namespace} (it names none)" if stack.floating(workload) else f"namespace {namespace}"
            yield StackViolation(
                workload,
                ("metadata", "name"),
                f"no {kinds} in {where} selects the pods of {workload.display_name}",
                cause=cause,
            )


#: Policies of a CNI's own API, scoped to a namespace: Cilium's, and Calico's and
#: Antrea's, whose kind is `NetworkPolicy` in their own API group.
NAMESPACED_CNI_POLICIES = ("CiliumNetworkPolicy", "NetworkPolicy")
#: Policies over the whole cluster: Cilium's, Calico's, Antrea's and the
#: AdminNetworkPolicy API's.
CLUSTER_CNI_POLICIES = (
    "CiliumClusterwideNetworkPolicy",
    "GlobalNetworkPolicy",
    "ClusterNetworkPolicy",
    "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy",
)


_CNI_GROUP = lazy_compile(r"^(?:projectcalico\.org|crd\.projectcalico\.org|crd\.antrea\.io)/")


#: Every namespace: a cluster-wide CNI policy is in the set.
ALL = frozenset({"*"})


def _cni_policy_namespaces(stack: Stack) -> frozenset[Any]:
    """The namespaces where a policy of a CNI's own API in the set may select pods
    (UNKNOWN among them when a policy's namespace is not known yet), or ALL for a
    cluster-wide one (corpus24's makerspace wiki, covered by a CiliumNetworkPolicy
    with `endpointSelector: {}`). Their selectors are not Kubernetes'
    (`endpointSelector`, Calico's selector expressions), so workloads there are not
    judged."""
    found = set()
    for policy in stack.of_kind(*NAMESPACED_CNI_POLICIES, *CLUSTER_CNI_POLICIES):
        if policy.kind == "NetworkPolicy" and not _CNI_GROUP.search(policy.api_version or ""):
            continue  # Kubernetes' own: judged by its podSelector
        if policy.kind in CLUSTER_CNI_POLICIES:
            return ALL
        if policy.kind == "CiliumNetworkPolicy":
            continue  # its endpointSelector is read (_cilium_may_select)
        found.add(stack.namespace_of(policy))
    return frozenset(found)


#: Cilium's label sources a key may be written with: `k8s:app` is the pod label `app`.
_CILIUM_SOURCES = ("k8s:", "any:")


def _cilium_may_select(stack: Stack, policies: list[Resource], workload: Resource, namespace: Any) -> bool:
    """Whether a CiliumNetworkPolicy of the workload's namespace selects (or may
    select) its pods: its `endpointSelector`, or one of its `specs`', read as a
    LabelSelector over the pod's labels. A policy whose namespace is not known yet,
    or whose selector names labels Cilium adds itself (`reserved:`, `io.cilium.*`,
    the namespace's `io.kubernetes.pod.namespace`), may select them. (corpus29's
    dashboard was left unjudged beside a policy that selects only its database.)"""
    labels = stack.pod_labels(workload)
    for policy in policies:
        there = stack.namespace_of(policy)
        if there is UNKNOWN or namespace is UNKNOWN:
            return True
        if there != namespace:
            continue
        if any(_selects(selector, labels) is not False for selector in _endpoint_selectors(policy)):
            return True
    return False


def _endpoint_selectors(policy: Resource) -> Iterator[Any]:
    """The endpoint selectors of a CiliumNetworkPolicy (`spec` and each of `specs`);
    UNKNOWN for one not known yet. A rule of nodes (`nodeSelector`: a host policy)
    selects no pod."""
    rules = [policy.get("spec"), *as_list(policy.get("specs"))]
    for rule in rules:
        if rule is None:
            continue
        if rule is UNKNOWN or not isinstance(rule, Mapping):
            yield UNKNOWN
            continue
        if "endpointSelector" in rule:
            yield rule.get("endpointSelector")
        elif "nodeSelector" not in rule:
            yield UNKNOWN  # neither: a malformed rule, which Cilium refuses; cannot tell


def _selects(selector: Any, labels: Any) -> bool | None:
    """A Cilium endpoint selector against a pod's labels, its keys' `k8s:`/`any:`
    source taken off; None for a selector on labels Cilium adds itself."""
    if selector is UNKNOWN or not isinstance(selector, Mapping):
        return None if selector is UNKNOWN else False
    match_labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    if isinstance(match_labels, Mapping):
        keys = list(match_labels)
        plain = {}
        for key in keys:
            name = _plain_key(key)
            if name is None:
                return None
            plain[name] = match_labels[key]
        match_labels = plain
    if isinstance(expressions, list):
        renamed = []
        for expression in expressions:
            key = expression.get("key") if isinstance(expression, Mapping) else UNKNOWN
            name = _plain_key(key) if isinstance(key, str) else None
            if name is None:
                return None
            renamed.append({**expression, "key": name})
        expressions = renamed
    return label_selector_matches({"matchLabels": match_labels, "matchExpressions": expressions}, labels)


def _plain_key(key: Any) -> str | None:
    """A selector key as the pod label it names, or None for one Cilium adds itself."""
    if not isinstance(key, str):
        return None
    for source in _CILIUM_SOURCES:
        if key.startswith(source):
            key = key[len(source) :]
            break
    if ":" in key or key.startswith(("io.cilium", "io.kubernetes.pod.")):
        return None
    return key


def _raw_pod_spec(workload: Resource) -> Any:
    """The pod spec's raw value where `pod_spec` has none (UNKNOWN during preview)."""
    path = workload.pod_path or workload.builtin_pod_path
    return workload.get(*path) if path is not None else None


RULE = Rule(
    name="network-policy-coverage",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="cluster-services",
    kinds={"NetworkPolicy", "Service", "PodMonitor", "CiliumNetworkPolicy", *CLUSTER_CNI_POLICIES, *POD_KINDS},
    check=check,
    stack=True,
    options={**NAMESPACE_OPTION, "workloadsThatServeOnly": SERVE_ONLY},
    tags=("cross-object", "cis-5.3.2", "nsa-hardening"),
)
