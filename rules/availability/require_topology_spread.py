"""Replicated workloads spread their pods across nodes or zones.

Fires on a Deployment, StatefulSet or ReplicaSet that asks for more than one
replica and whose pod template declares neither a pod anti-affinity term
(`affinity.podAntiAffinity`, required or preferred) nor a
`topologySpreadConstraints` entry. A missing `replicas` is 1 and is not judged; a
value unknown during preview is not judged either.

Why it matters:
    Replicas exist to survive the loss of one of them, but the scheduler is free to
    put them all on the same node or in the same zone. One node failure, drain or
    zonal outage then takes every replica down together, and the extra replicas
    bought nothing.

How to fix:
    Spread the pods by hostname (and zone, where the cluster has several):

        topologySpreadConstraints:
          - maxSkew: 1
            topologyKey: kubernetes.io/hostname
            whenUnsatisfiable: ScheduleAnyway
            labelSelector: {matchLabels: {app: web}}

    or prefer anti-affinity to the workload's own pods:

        affinity:
          podAntiAffinity:
            preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 100
                podAffinityTerm:
                  topologyKey: kubernetes.io/hostname
                  labelSelector: {matchLabels: {app: web}}

Notes:
    A term or constraint spreads the workload only if its label selector may select
    the workload's own pods: anti-affinity to other pods (keep away from the
    database) or a selector that misses the template's labels (`app: zk` on pods
    labelled `app.kubernetes.io/name: zk`) spreads nothing, nor does one with no
    `labelSelector` at all, which Kubernetes reads as matching no pod (moov-io's
    anti-affinity terms in corpus18). A selector the rule cannot read
    (`matchLabelKeys`, a label the controller adds, a value unknown during preview) is
    given the benefit of the doubt. Clusters may configure
    default spread constraints in the scheduler; those are invisible in a manifest,
    so declare the spread you rely on. A pod template that asks for a `hostPort`
    (or, on `hostNetwork`, declares any container port), or every TPU chip of the
    single-host TPU node it selects (`google.com/tpu: 8` on
    `cloud.google.com/gke-tpu-topology: 2x4`), is not judged: two such pods cannot
    share a node, so the scheduler already spreads them by node (not by zone). TPU
    requests whose host size the manifest does not show leave it undecided. A Deployment
    scaled by a HorizontalPodAutoscaler that leaves `replicas` out reads as one
    replica and is not judged; declare the spread anyway, since the HPA will add
    replicas.
    Replicas that all mount one PersistentVolumeClaim by name that the set defines
    as ReadWriteOnce cannot run on different nodes: `no-replicas-on-exclusive-claim`
    reports that, and this rule leaves them alone, as it does replicas on a claim
    the set does not show (its access mode may be the same). A ReadWriteMany claim
    is judged as usual, unless the set binds it to a PersistentVolume that is one
    node's directory (`hostPath` or `local`, by the claim's `volumeName` or the
    volume's `claimRef`): pods spread to other nodes would each see another
    directory, so replicas sharing those files must stay on that node.
    Offline, a kustomize overlay of the run whose patch writes the pod's `affinity`
    or `topologySpreadConstraints` decides the spread, which the file does not show:
    the rule leaves it unknown (corpus37's exlytics, whose production overlay adds
    the anti-affinity its base lacks).
    Replicas of a Redis or Valkey server that nothing links (no init container,
    configuration file, replication, cluster or Sentinel argument or variable, nor
    a second container) are separate servers, not replicas of one store: not
    judged (corpus30), as `require-multiple-replicas` does not ask them for a
    second pod.
    Pods whose image is `imagePullPolicy: Never` run only where someone loaded the
    image by hand (`kind load`, `minikube image load`), and one from a `localhost`
    registry or tagged `local` was built for one machine: a local cluster, where
    there is no other node to spread to (corpus44's PatientInformationSystem, held
    debatable). Unlike `require-multiple-replicas` and `pdb-missing`, a namespace
    or label naming a dev or example environment does not exempt it: reviewers held
    the spread of corpus33's Kylin proof of concept true.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import CONTROLLER_POD_LABELS, NAMESPACE_OPTION, Stack, label_selector_matches
from policypack.values import UNKNOWN, as_list

from ._claims import bound_to_node_local_volume
from ._environment import runs_local_images
from ._ports import one_pod_per_node
from ._replicas import replicas
from ._stores import runs_single_instance, runs_single_instance_store
from ._unlinked import unlinked_store_pods
from .no_replicas_on_exclusive_claim import may_share_exclusive_claim

KINDS = ("Deployment", "StatefulSet", "ReplicaSet")

ANTI_AFFINITY_LISTS = (
    "requiredDuringSchedulingIgnoredDuringExecution",
    "preferredDuringSchedulingIgnoredDuringExecution",
)


def _may_select(term: Any, labels: Any) -> bool:
    """Whether a spread term (anti-affinity term or spread constraint) may select the
    pod's own labels; only a selector that surely misses them says no."""
    if not isinstance(term, Mapping):
        return True
    if "podAffinityTerm" in term:  # a preferred anti-affinity entry wraps its term
        term = term.get("podAffinityTerm")
        if not isinstance(term, Mapping):
            return True
    selector = term.get("labelSelector")
    if term.get("matchLabelKeys") or term.get("mismatchLabelKeys"):
        return True  # a selector completed at admission
    if selector is None:
        # Kubernetes: a term or constraint without a labelSelector matches no pods, so it
        # keeps the replicas apart from nothing (moov-io's podAffinityTerm, corpus18).
        return False
    return label_selector_matches(selector, labels) is not False


def declares_spread(pod: Any, labels: Any = None) -> bool | None:
    """True if the pod spec spreads its pods, False if not, None if it cannot be told
    (a value unknown during preview). With the pods' `labels`, a term whose selector
    surely misses them does not count."""
    constraints = pod.get("topologySpreadConstraints")
    anti = pod.get("affinity", "podAntiAffinity")
    if constraints is UNKNOWN or anti is UNKNOWN:
        return None
    terms = [pod.get("affinity", "podAntiAffinity", name) for name in ANTI_AFFINITY_LISTS]
    if any(term is UNKNOWN for term in terms):
        return None
    entries = as_list(constraints) + [entry for term in terms for entry in as_list(term)]
    if labels is None:
        return bool(entries)
    return any(_may_select(entry, labels) for entry in entries)


def _own_labels(obj: Resource) -> Any:
    """The pods' labels: the template's, plus those the controller adds (values unknown)."""
    labels = obj.pod_labels
    if not isinstance(labels, Mapping):
        return UNKNOWN
    return {**{key: UNKNOWN for key in CONTROLLER_POD_LABELS}, **labels}


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for obj in stack.of_kind(*KINDS):
        if obj.is_custom_resource:
            continue
        for path, message in _unspread(stack, obj):
            yield StackViolation(obj, path, message)


def _unspread(stack: Stack, obj: Resource) -> Iterator[tuple[tuple, str]]:
    count = replicas(obj)
    pod = obj.pod_spec
    if pod is None or not isinstance(count, int) or count < 2:
        return
    if one_pod_per_node(obj) is not False:
        return  # a host port already keeps two of its pods off one node (or may: not known yet)
    if may_share_exclusive_claim(stack, obj):
        return  # its replicas share a claim one node mounts (or may: its mode is unseen)
    if bound_to_node_local_volume(stack, obj) is not False:
        return  # their shared data is one node's directory (or may be): spreading splits it
    if unlinked_store_pods(obj) is not False:
        return  # separate Redis servers, not replicas of one store (or not known yet)
    single = runs_single_instance(obj)
    if single is None or (single and runs_single_instance_store(obj) is not True):
        return  # each pod a separate instance of a program (Jupyter servers: corpus43), not replicas to spread
    if runs_local_images(obj) is not False:
        return  # an image loaded by hand onto a local node (or may be): nowhere else to spread to
    if obj.patched(*pod.path, "affinity") or obj.patched(*pod.path, "topologySpreadConstraints"):
        return  # an overlay's patch writes the spread this file lacks (corpus37's exlytics)
    labels = _own_labels(obj)
    if declares_spread(pod) is False:
        yield (
            pod.path + ("topologySpreadConstraints",),
            f"{obj.kind} runs {count} replicas with no pod anti-affinity or topology spread constraint: "
            "the scheduler may place them all on one node",
        )
    elif declares_spread(pod, labels) is False:
        yield (
            pod.path + ("affinity",) if pod.get("affinity") is not None else pod.path + ("topologySpreadConstraints",),
            f"{obj.kind} runs {count} replicas and no pod anti-affinity term or topology spread constraint "
            "selects its own pods: the scheduler may place them all on one node",
        )


RULE = Rule(
    name="require-topology-spread",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={*KINDS, "PersistentVolumeClaim", "PersistentVolume"},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("scheduling",),
)
