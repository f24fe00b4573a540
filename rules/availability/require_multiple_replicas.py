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
    A Deployment scaled by a HorizontalPodAutoscaler often leaves `replicas` out, so
    that each apply does not reset the HPA's count; this rule then reads it as 1. Set
    `replicas` to the HPA's `minReplicas` (most tools, Pulumi included, can ignore
    later changes to the field), or suppress this rule on that Deployment with the
    reason "scaled by HPA <name>". Singletons that must not run twice (leader-less
    schedulers) are suppressed the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._replicas import replicas


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    count = replicas(obj)
    minimum = options["minReplicas"]
    if not isinstance(count, int) or count == 0 or count >= minimum:
        return
    unset = obj.get("spec", "replicas") is None
    stated = "replicas is not set, so Kubernetes runs 1" if unset else f"replicas is {count}"
    yield Violation(
        ("spec", "replicas"),
        f"{obj.kind} {stated}; at least {minimum} keep it available through node drains, crashes and rollouts",
    )


RULE = Rule(
    name="require-multiple-replicas",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"Deployment", "StatefulSet"},
    check=check,
    options={
        "minReplicas": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": "The fewest replicas a Deployment or StatefulSet may ask for (0, scaled down, is allowed).",
        }
    },
    tags=("replicas",),
)
