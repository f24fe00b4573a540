"""Every HorizontalPodAutoscaler's target is in the set.

The `spec.scaleTargetRef` (kind and name) of each HorizontalPodAutoscaler must name an
object of that kind in the autoscaler's namespace, among the objects linted together
(or the stack), and its `apiVersion` that kind's API group: `apps/v1` for a
Deployment, not OpenShift's `apps.openshift.io/v1`, the removed `extensions/v1beta1`,
or none (the controller then looks in the core group: "no matches for kind
Deployment in group \"\"", kubernetes/kubernetes#86032).

Why it matters:
    An autoscaler whose target does not exist does nothing: the workload runs at
    whatever replica count it was applied with, and nobody notices until the load
    comes. It usually means the workload was renamed and the HPA was not.

How to fix:
    Point `scaleTargetRef` at the workload's exact kind and name, in the same
    namespace:

        scaleTargetRef:
          apiVersion: apps/v1
          kind: Deployment
          name: web

Notes:
    Offline, lint the HPA with its workload; a target managed elsewhere shows up
    here: suppress with a reason. Unknown names fire nothing. Nor does a target that
    a custom resource of the set may create in that namespace (corpus43: KServe's
    InferenceService `sklearn-iris` creates the Deployment `sklearn-iris-predictor`),
    or that the cluster's own add-ons may run (`kube-system`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack

from ._autoscalers import names_kind_group

TARGET_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
_API = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "ReplicaSet": "apps/v1", "ReplicationController": "v1"}


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for hpa in stack.of_kind("HorizontalPodAutoscaler"):
        ref = hpa.get("spec", "scaleTargetRef")
        kind, name = hpa.get("spec", "scaleTargetRef", "kind"), hpa.get("spec", "scaleTargetRef", "name")
        if kind not in TARGET_KINDS or not isinstance(name, str):
            continue  # custom scalable kinds (Argo Rollouts, ...) are not judged
        fits = names_kind_group(ref)
        if fits is False:
            api = ref.get("apiVersion")
            named = f"in API {api}, which serves no {kind}" if api is not None else "without an apiVersion"
            yield StackViolation(
                hpa,
                ("spec", "scaleTargetRef", "apiVersion" if api is not None else "kind"),
                f'scale target {kind} "{name}" is named {named}: the autoscaler finds no target and scales '
                f"nothing (set apiVersion: {_API[kind]})",
            )
            continue
        if fits is None:
            continue
        namespace = stack.namespace_of(hpa)
        if stack.find(kind, name, namespace, near=hpa) is None:
            if stack.may_create(namespace, near=hpa):
                continue  # an operator's resource there may create it (KServe's `<name>-predictor`)
            yield StackViolation(
                hpa, ("spec", "scaleTargetRef", "name"), f'scale target {kind} "{name}" is not in namespace {namespace}'
            )


RULE = Rule(
    name="hpa-target-missing",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"HorizontalPodAutoscaler", CUSTOM_RESOURCES, *TARGET_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
    profiles=("correctness",),
)
