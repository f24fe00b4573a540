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
    An `apps/v1` workload with no `spec.selector` at all is refused too (corpus16:
    es-operator's `es-master` example): the older API versions defaulted it to the
    pod template's labels, `apps/v1` requires it. Only a template that has labels is
    judged so: one without is a kustomize base or patch whose `commonLabels` add
    both the labels and the selector (kubebuilder's `config/manager`).
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
    if workload.is_custom_resource:
        return  # not Kubernetes' workload (kops' `app/v1` Deployment: no API server serves it)
    selector = workload.get("spec", "selector")
    if selector is None:
        # Jobs and RCs default it, and so did apps/v1's predecessors (extensions/v1beta1,
        # apps/v1beta1 and v1beta2 took the template's labels); apps/v1 requires one.
        # A template without labels is a base or a patch whose labels and selector a
        # kustomization adds (commonLabels writes both): only one with labels, and no
        # kustomization of the run adding any, was written without its selector.
        labels = workload.get("spec", "template", "metadata", "labels")
        adds = any(labels_added for labels_added in workload.added_labels)
        if workload.api_version == "apps/v1" and isinstance(labels, Mapping) and labels and not adds:
            yield Violation(
                ("spec",),
                f"apps/v1 {workload.kind} has no spec.selector: the API server refuses it (apps/v1 requires "
                "one; older API versions took the pod template's labels)",
            )
        return
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
    profiles=("correctness",),
)
