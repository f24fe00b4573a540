"""Deployments and StatefulSets run more than one replica.

Fires when `spec.replicas` of a Deployment or StatefulSet is below `minReplicas`
(default 2). A missing `replicas` is 1, as Kubernetes defaults it. A workload scaled
to zero on purpose (`replicas: 0`) is not judged, nor is a value unknown during
preview.

Why it matters:
    A single replica is down during every node drain, eviction, crash and rollout
    step that replaces it: a cluster upgrade becomes an outage, and a
    PodDisruptionBudget cannot help because there is nothing to keep running.

How to fix:
    Run at least two replicas, spread across nodes (see `require-topology-spread`):

        spec:
          replicas: 2

Notes:
    A workload whose replica count an autoscaler owns (a HorizontalPodAutoscaler,
    a KEDA `ScaledObject` or any custom resource with `spec.scaleTargetRef`, in the
    set) is not judged here: its floor is the autoscaler's `minReplicas`, which
    `hpa-min-replicas` judges, and it should leave `replicas` out
    (`hpa-replicas-conflict`). Singletons that must not run twice (leader-less
    schedulers) are suppressed with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack

from ._autoscalers import autoscaled
from ._replicas import replicas

WORKLOADS = ("Deployment", "StatefulSet")


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    minimum = options["minReplicas"]
    for obj in stack.of_kind(*WORKLOADS):
        count = replicas(obj)
        if not isinstance(count, int) or count == 0 or count >= minimum:
            continue
        if autoscaled(stack, obj) is not False:
            continue  # the autoscaler owns the count (or may: not known yet)
        unset = obj.get("spec", "replicas") is None
        stated = "replicas is not set, so Kubernetes runs 1" if unset else f"replicas is {count}"
        yield StackViolation(
            obj,
            ("spec", "replicas"),
            f"{obj.kind} {stated}; at least {minimum} keep it available through node drains, crashes and rollouts",
        )


RULE = Rule(
    name="require-multiple-replicas",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={*WORKLOADS, "HorizontalPodAutoscaler", CUSTOM_RESOURCES},
    check=check,
    stack=True,
    options={
        **NAMESPACE_OPTION,
        "minReplicas": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": "The fewest replicas a Deployment or StatefulSet may ask for (0, scaled down, is allowed).",
        },
    },
    tags=("replicas",),
)
