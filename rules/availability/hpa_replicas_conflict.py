"""A workload that an autoscaler manages does not set `replicas`.

Fires on the `spec.replicas` of a Deployment, StatefulSet, ReplicaSet or
ReplicationController that a HorizontalPodAutoscaler in the same namespace targets
(among the objects linted together, or the stack), by kind, name and API group (an
`apps.openshift.io/v1` `Deployment` is no Deployment: `hpa-target-missing` reports it).

Why it matters:
    Every apply of the manifest resets the replica count to the written value,
    undoing the autoscaler: a deploy during a traffic peak scales the service down
    to its minimum. With GitOps tools the two controllers fight forever.

How to fix:
    Remove `spec.replicas` from the workload and let the HPA's `minReplicas` set the
    floor. (Kubernetes keeps the current count when the field is absent.)

Notes:
    An autoscaler whose `minReplicas` and `maxReplicas` are both the count written
    (`replicas: 1` under a 1-to-1 autoscaler, corpus33) can only hold that count: an
    apply resets nothing, and the workload is not reported.
    In Pulumi, also consider `ignoreChanges: ["spec.replicas"]` if the field must
    stay for the first creation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import is_unknown

from ._autoscalers import names_kind_group

TARGET_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for hpa in stack.of_kind("HorizontalPodAutoscaler"):
        ref = hpa.get("spec", "scaleTargetRef")
        kind, name = hpa.get("spec", "scaleTargetRef", "kind"), hpa.get("spec", "scaleTargetRef", "name")
        if kind not in TARGET_KINDS or not names_kind_group(ref):
            continue  # not a workload kind, or in another API group: it scales nothing here
        target = stack.find(kind, name, stack.namespace_of(hpa), near=hpa)
        if not isinstance(target, Resource) or not isinstance(target.get("spec", "replicas"), int):
            continue  # absent (fine) or not known yet
        floor, ceiling = hpa.get("spec", "minReplicas"), hpa.get("spec", "maxReplicas")
        floor = 1 if floor is None else floor
        if is_unknown(floor) or is_unknown(ceiling):
            continue  # they may both be the count written (preview)
        if isinstance(ceiling, int) and floor == ceiling == target.get("spec", "replicas"):
            continue  # the autoscaler can only hold the count written: an apply resets nothing (corpus33)
        yield StackViolation(
            target,
            ("spec", "replicas"),
            f'{kind} {name} sets replicas while HorizontalPodAutoscaler "{hpa.name}" scales it; '
            "each apply resets the scale",
        )


RULE = Rule(
    name="hpa-replicas-conflict",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"HorizontalPodAutoscaler", *TARGET_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
)
