"""A workload's selector matches its own pod template.

Deployments, ReplicaSets, StatefulSets and DaemonSets must select the labels of their
own `spec.template`; so must a Job with `manualSelector: true` and a
ReplicationController that sets a selector. `matchLabels` and `matchExpressions` (In,
NotIn, Exists, DoesNotExist) are evaluated as Kubernetes does.

Why it matters:
    The API server refuses such a workload (`selector does not match template
    labels`), so the mistake surfaces only at deploy time, often in the middle of a
    rollout of several objects. Catching it in review or CI is cheaper.

How to fix:
    Make every `matchLabels` pair (and every expression) hold for
    `spec.template.metadata.labels`. Remember the selector is immutable on
    Deployments: changing it means recreating the object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.stack import label_selector_matches, map_selector_matches


def check(workload: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    selector = workload.get("spec", "selector")
    labels = workload.pod_labels
    if selector is None:
        return  # apps/v1 requires one (the API server says so); Jobs and RCs default it
    if workload.kind == "ReplicationController":
        verdict = map_selector_matches(selector, labels) if isinstance(selector, Mapping) and selector else True
    elif workload.kind == "Job":
        if workload.get("spec", "manualSelector") is not True:
            return
        verdict = label_selector_matches(selector, labels)
    else:
        verdict = label_selector_matches(selector, labels, empty_matches_all=False)
    if verdict is False:
        yield Violation(("spec", "selector"), f"{workload.kind} selector does not match its pod template's labels")


RULE = Rule(
    name="workload-selector-mismatch",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds={"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"},
    check=check,
    tags=("cross-object",),
)
