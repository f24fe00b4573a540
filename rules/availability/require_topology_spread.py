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
    The rule does not check that a term's label selector matches the workload's own
    pods. Clusters may configure default spread constraints in the scheduler; those
    are invisible in a manifest, so declare the spread you rely on. A Deployment
    scaled by a HorizontalPodAutoscaler that leaves `replicas` out reads as one
    replica and is not judged; declare the spread anyway, since the HPA will add
    replicas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

from ._replicas import replicas

ANTI_AFFINITY_LISTS = (
    "requiredDuringSchedulingIgnoredDuringExecution",
    "preferredDuringSchedulingIgnoredDuringExecution",
)


def declares_spread(pod: Any) -> bool | None:
    """True if the pod spec spreads its pods, False if not, None if it cannot be told
    (a value unknown during preview)."""
    constraints = pod.get("topologySpreadConstraints")
    anti = pod.get("affinity", "podAntiAffinity")
    if constraints is UNKNOWN or anti is UNKNOWN:
        return None
    if as_list(constraints):
        return True
    terms = [pod.get("affinity", "podAntiAffinity", name) for name in ANTI_AFFINITY_LISTS]
    if any(term is UNKNOWN for term in terms):
        return None
    return any(as_list(term) for term in terms)


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    count = replicas(obj)
    pod = obj.pod_spec
    if pod is None or not isinstance(count, int) or count < 2:
        return
    if declares_spread(pod) is False:
        yield Violation(
            pod.path + ("topologySpreadConstraints",),
            f"{obj.kind} runs {count} replicas with no pod anti-affinity or topology spread constraint: "
            "the scheduler may place them all on one node",
        )


RULE = Rule(
    name="require-topology-spread",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"Deployment", "StatefulSet", "ReplicaSet"},
    check=check,
    options={},
    tags=("scheduling",),
)
