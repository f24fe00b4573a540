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

Notes:
    Offline, a kustomize base is judged as its kustomizations in the run deploy it:
    `commonLabels` (and `labels` with `includeSelectors: true`) are written into the
    selector and the pod template, so a template label the base leaves to them is
    not missing (aws-node-termination-handler's `config/base`). It fires only when
    every outermost kustomization that deploys the file leaves the mismatch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.stack import label_selector_matches, map_selector_matches


def check(workload: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    selector = workload.get("spec", "selector")
    if selector is None:
        return  # apps/v1 requires one (the API server says so); Jobs and RCs default it
    # As deployed: each kustomization of the run that deploys it adds its common labels
    # to the selector and the pod template; it mismatches only if every one leaves it so.
    added = workload.added_labels or ({},)
    if all(_mismatch(workload, selector, labels) for labels in added):
        yield Violation(("spec", "selector"), f"{workload.kind} selector does not match its pod template's labels")


def _with(value: Any, labels: Mapping[str, str]) -> Any:
    """A label map (or a LabelSelector's matchLabels) with kustomize's common labels added."""
    if not labels or not isinstance(value, Mapping):
        return value
    return {**value, **labels}


def _mismatch(workload: Resource, selector: Any, added: Mapping[str, str]) -> bool:
    labels = _with(workload.pod_labels, added)
    if isinstance(selector, Mapping) and added and workload.kind != "ReplicationController":
        selector = {**selector, "matchLabels": _with(selector.get("matchLabels") or {}, added)}
    elif workload.kind == "ReplicationController":
        selector = _with(selector, added)
    if workload.kind == "ReplicationController":
        verdict = map_selector_matches(selector, labels) if isinstance(selector, Mapping) and selector else True
    elif workload.kind == "Job":
        if workload.get("spec", "manualSelector") is not True:
            return False
        verdict = label_selector_matches(selector, labels)
    else:
        verdict = label_selector_matches(selector, labels, empty_matches_all=False)
    return verdict is False


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
