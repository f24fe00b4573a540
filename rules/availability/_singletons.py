"""Which workloads may be singletons by design: controllers that do not elect a leader.

A workload whose service account is bound to a Role or ClusterRole in the set talks
to the Kubernetes API, most likely a controller or an operator; so does one whose
service account or image is named as a controller or operator (`named_as_controller`,
which only the token rule uses), wherever its bindings are. Many of them must
not run twice: two copies would both act on every change. Those that can run
several copies elect a leader, and say so in their arguments or environment. What a
program does without such a flag is not in the manifest, so such a workload may be
a singleton, and rules about replicas and rollouts leave it alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policypack.images import ARCH_SUFFIX, repository_name
from policypack.model import Container, Resource
from policypack.patterns import lazy_compile
from policypack.stack import Stack
from policypack.values import UNKNOWN, as_list, is_unknown

from ..identity._rbac import Bindings, account_of

# Flags and variables with which controllers built on client-go, controller-runtime,
# kube-scheduler's options or ingress-nginx turn leader election on or tune it
# (`--leader-election-namespace`, `--leader-elect-lease-duration`, ...): a program
# that has such flags elects a leader, most of them by default.
LEADER_FLAG = lazy_compile(
    r"^--?(?P<flag>leader-elect(?:ion)?|enable-leader-election|election-id)(?P<more>(?:-[-\w]*)?)(?:=(?P<value>.*))?$"
)
SWITCHES = frozenset({"leader-elect", "leader-election", "enable-leader-election"})
LEADER_ENV = lazy_compile(r"LEADER_ELECT", re.IGNORECASE)
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


# A word of a name that says the program is a Kubernetes controller, which watches
# the API: `kwok-controller`, `ebs-csi-controller-sa`, `prometheus-operator`, or a
# volume provisioner, which watches claims to create their volumes
# (`nfs-client-provisioner`, `local-path-provisioner`).
CONTROLLER_WORDS = frozenset({"controller", "operator", "provisioner"})


def _words(name: str) -> set[str]:
    return set(re.split(r"[-_.]", name.lower()))


def named_as_controller(view: Resource, account: str) -> bool | None:
    """Whether the pod's service account, or a container's image repository, is named
    as a controller or operator; None when an image is not known yet (preview)."""
    if isinstance(account, str) and CONTROLLER_WORDS & _words(account):
        return True
    undecided = False
    for container in view.containers(ephemeral=False):
        image = container.get("image")
        if is_unknown(image):
            undecided = True
        elif isinstance(image, str):
            repository = repository_name(image)
            if CONTROLLER_WORDS & _words(repository) or ARCH_SUFFIX.sub("", repository) in KNOWN_API_CLIENTS:
                return True
    return None if undecided else False


# Programs whose work is reading or changing the Kubernetes API, by their image's
# repository (the cluster's add-ons and well-known tools): they cannot run without
# the pod's token, whatever their name says (corpus27's metrics-server).
KNOWN_API_CLIENTS = frozenset(
    {
        "metrics-server",
        "kube-state-metrics",
        "external-dns",
        "cluster-autoscaler",
        "coredns",
        "kube-dns",
        "k8s-dns-kube-dns",
        "heapster",
        "kubernetes-dashboard",
        "event-exporter",
        "kubernetes-event-exporter",
        "eventrouter",
        "kube-eventer",
        "kubewatch",
        "descheduler",
        "kured",
        "reloader",
        "prometheus-adapter",
        "k8s-prometheus-adapter",
        "kube-router",
        "kube-proxy",
        "node-problem-detector",
        "kube-janitor",
        "kube-downscaler",
        "kube-scheduler",
        "vpa-recommender",
        "vpa-updater",
        "keda",
        "keda-metrics-apiserver",
        # the auth proxy in front of exporters: it asks the API (TokenReview,
        # SubjectAccessReview) whether each scraper may read (corpus34's node-exporter)
        "kube-rbac-proxy",
    }
)


# What in a command line says the program calls the Kubernetes API: running kubectl
# (`kubectl get jobs`, `/hyperkube kubectl delete`), or an argument that names an
# object the way API clients take one: `<namespace>/<name>` with the namespace from
# the downward API (`-nginx-configmaps=$(POD_NAMESPACE)/nginx-config`), or
# `<kind>/<name>` of a workload (`--target=deployment/coredns`, the proportional
# autoscalers).
_KUBECTL = lazy_compile(r"(?:^|[\s/;&|(])kubectl(?:$|\s)")
# Images that are kubectl (bitnami/kubectl, lachlanevenson/k8s-kubectl, hyperkube): the
# image's entrypoint runs it, so `args: [proxy]` calls the API without naming it.
_KUBECTL_IMAGE = lazy_compile(r"(?:k8s-)?kubectl|hyperkube")
# The API server's in-cluster address (`--source=kubernetes:https://kubernetes.default`,
# kube-eventer's and heapster's source): the program is pointed at the API.
_API_SERVER = lazy_compile(r"(?:^|[/=:@\s])kubernetes\.default(?:\.svc(?:\.cluster\.local)?)?(?:$|[:/?\s])")
# A flag that tells the program to use the in-cluster API configuration (skipper's
# `-kubernetes-in-cluster`, `--in-cluster`, `--incluster=true`): it reads the API
# with the pod's token.
_IN_CLUSTER = lazy_compile(
    r"--?(?!(?:not|no|disable)-)(?:[a-z0-9]+-)*in-?cluster(?:-[a-z0-9]+)*(?:=(?:true|1|yes))?", re.IGNORECASE
)
_OBJECT_ARGUMENT = lazy_compile(
    r"--?[\w.-]+=(?:\$\([A-Z_]*NAMESPACE\)/[a-z0-9][a-z0-9.-]*"
    r"|(?:deployment|statefulset|daemonset|replicaset|replicationcontroller)s?/[a-z0-9][a-z0-9.-]*)",
    re.IGNORECASE,
)


# Resource types as kubectl takes them (plural, singular or short name): an
# environment value that lists several and nothing else tells the program which
# kinds of object to read (kube-backup's RESOURCETYPES="ingress deployment configmap svc").
_RESOURCE_TYPES = frozenset(
    [
        "pod",
        "pods",
        "po",
        "deployment",
        "deployments",
        "deploy",
        "service",
        "services",
        "svc",
        "configmap",
        "configmaps",
        "cm",
        "secret",
        "secrets",
        "ingress",
        "ingresses",
        "ing",
        "daemonset",
        "daemonsets",
        "ds",
        "statefulset",
        "statefulsets",
        "sts",
        "replicaset",
        "replicasets",
        "rs",
        "replicationcontroller",
        "replicationcontrollers",
        "rc",
        "job",
        "jobs",
        "cronjob",
        "cronjobs",
        "cj",
        "networkpolicy",
        "networkpolicies",
        "netpol",
        "storageclass",
        "storageclasses",
        "sc",
        "persistentvolume",
        "persistentvolumes",
        "pv",
        "persistentvolumeclaim",
        "persistentvolumeclaims",
        "pvc",
        "namespace",
        "namespaces",
        "ns",
        "serviceaccount",
        "serviceaccounts",
        "sa",
        "role",
        "roles",
        "rolebinding",
        "rolebindings",
        "clusterrole",
        "clusterroles",
        "clusterrolebinding",
        "clusterrolebindings",
        "horizontalpodautoscaler",
        "horizontalpodautoscalers",
        "hpa",
        "poddisruptionbudget",
        "poddisruptionbudgets",
        "pdb",
        "node",
        "nodes",
        "endpoints",
        "ep",
        "event",
        "events",
        "limitrange",
        "limitranges",
        "resourcequota",
        "resourcequotas",
        "customresourcedefinition",
        "customresourcedefinitions",
        "crd",
        "crds",
        "thirdpartyresource",
        "thirdpartyresources",
    ]
)


def _lists_resource_types(value: object) -> bool:
    words = value.replace(",", " ").lower().split() if isinstance(value, str) else []
    return len(words) >= 3 and all(word in _RESOURCE_TYPES for word in words)


def calls_the_api(view: Resource) -> bool | None:
    """Whether a container's command or arguments run kubectl, name a Kubernetes
    object as API clients take one (see _OBJECT_ARGUMENT) or the API server's
    in-cluster address (`https://kubernetes.default`), or turn the in-cluster API
    configuration on (`-kubernetes-in-cluster`), or an environment value names that
    address, lists resource types to read or sends the program's work to Kubernetes
    (`RUNNER_EXECUTOR: kubernetes`, `AIRFLOW__CORE__EXECUTOR: KubernetesExecutor`);
    None when a command, an argument or the
    environment is not known yet (preview)."""
    for container in view.containers(ephemeral=False):
        env = container.get("env")
        if is_unknown(env):
            return None
        for variable in as_list(env):
            if is_unknown(variable) or (isinstance(variable, Mapping) and is_unknown(variable.get("value"))):
                return None
            if isinstance(variable, Mapping) and _lists_resource_types(variable.get("value")):
                return True
            value = variable.get("value") if isinstance(variable, Mapping) else None
            if isinstance(value, str) and _API_SERVER.search(value):
                return True  # the API server's in-cluster address (thoth's KUBERNETES_API_URL: corpus27)
            if isinstance(variable, Mapping) and is_unknown(variable.get("name")):
                return None  # it may name where the program's work runs
            if isinstance(variable, Mapping) and _runs_work_on_kubernetes(variable.get("name"), variable.get("value")):
                return True
        image = container.get("image")
        if isinstance(image, str) and _KUBECTL_IMAGE.fullmatch(repository_name(image.strip())):
            return True  # kubectl's own image (`kubectl proxy` beside a controller: corpus26)
        command, args = container.get("command"), container.get("args")
        if is_unknown(command) or is_unknown(args):
            return None
        for word in [*as_list(command), *as_list(args)]:
            if is_unknown(word):
                return None
            if isinstance(word, str) and (
                _KUBECTL.search(word)
                or _OBJECT_ARGUMENT.fullmatch(word.strip())
                or _API_SERVER.search(word)
                or _IN_CLUSTER.fullmatch(word.strip())
            ):
                return True
    return False


# Settings that choose where a program runs its work (GitLab Runner's
# RUNNER_EXECUTOR, Airflow's AIRFLOW__CORE__EXECUTOR, a CI system's BACKEND): set to
# Kubernetes, the program starts pods through the API with its own token.
_WORK_PLACE_WORDS = frozenset({"EXECUTOR", "BACKEND", "PROVIDER", "ORCHESTRATOR", "PLATFORM", "RUNTIME", "DRIVER"})
_KUBERNETES_VALUE = lazy_compile(r"kubernetes\w*|k8s", re.IGNORECASE)


def _runs_work_on_kubernetes(name: Any, value: Any) -> bool:
    if not isinstance(name, str) or not isinstance(value, str):
        return False
    parts = re.split(r"[^A-Za-z0-9]+", name.upper())
    return bool(parts) and parts[-1] in _WORK_PLACE_WORDS and _KUBERNETES_VALUE.fullmatch(value.strip()) is not None


def may_be_singleton(stack: Stack, bound: Bindings, view: Resource) -> bool:
    """Whether the workload (or the view of its pod template) may be a singleton by
    design: an API client (or not known to be none) that shows no leader election."""
    return api_client(stack, bound, view) is not False and not elects_leader(view)


def api_client(stack: Stack, bound: Bindings, view: Resource) -> bool | None:
    """Whether the pods' service account is bound to a role in the set. (Not whether
    it is `named_as_controller`: ingress controllers and cloud controller managers,
    so named, run several replicas without a visible leader-election flag, and
    reviewers held a second replica true for them.)"""
    pod = view.pod_spec
    if pod is None:
        return False
    account = account_of(pod)
    if account is UNKNOWN:
        return None
    return bound.bind(account, stack.namespace_of(view), stack.floating(view))


def elects_leader(view: Resource) -> bool:
    """Whether a container's arguments or environment show leader election, and none
    turns it off (`--leader-elect=false`, `LEADER_ELECT=false`)."""
    shown = False
    for container in view.containers(init=False, ephemeral=False):
        elects = container_elects_leader(container)
        if elects is False:
            return False
        shown = shown or elects is True
    return shown


def container_elects_leader(container: Container) -> bool | None:
    """Whether one container's arguments or environment turn leader election on
    (True) or off (False); None when they do not mention it."""
    shown: bool | None = None
    for word in [*as_list(container.get("command")), *as_list(container.get("args"))]:
        found = LEADER_FLAG.match(word) if isinstance(word, str) else None
        if found is None:
            continue
        switch = found["flag"] in SWITCHES and not found["more"]
        if switch and (found["value"] or "true").strip().lower() in FALSE_WORDS:
            return False
        shown = True
    for variable in as_list(container.get("env")):
        if not isinstance(variable, Mapping) or not isinstance(variable.get("name"), str):
            continue
        if not LEADER_ENV.search(variable["name"]):
            continue
        value = variable.get("value")
        if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
            return False
        if variable.get("valueFrom") is not None or (isinstance(value, str) and value.lower() in ("true", "1")):
            shown = True  # on, or a knob wired to a ConfigMap: the program elects a leader
    return shown
