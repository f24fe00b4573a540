"""A workload is scaled by one autoscaler.

Fires when two autoscalers of the set scale the same workload: two
HorizontalPodAutoscalers written in one file, or a HorizontalPodAutoscaler and a KEDA
`ScaledObject` (which scales through an HPA KEDA creates for it) in one folder, whose
`scaleTargetRef` names the same kind and name in the same namespace. Reported once
per workload, at the autoscaler that comes second (by kind and name), naming the
other.

Why it matters:
    Each autoscaler computes its own replica count from its own metrics and writes it
    to the workload's scale: they overwrite each other every sync, so the count flaps
    between their answers, and neither floor nor ceiling holds. Kubernetes' HPA
    controller does not arbitrate between two HPAs on one target, and KEDA expects to
    own the HPA of the workloads it scales (its admission webhook refuses a
    ScaledObject whose workload another HPA already scales, when it is installed).

How to fix:
    Keep one autoscaler. With KEDA, move the HPA's resource metrics into the
    ScaledObject as triggers and delete the HPA:

        triggers:
          - type: cpu
            metricType: Utilization
            metadata: {value: "70"}
          - type: prometheus
            metadata:
              serverAddress: http://prometheus:9090
              query: sum(rate(http_requests_total[1m]))
              threshold: "50"

Notes:
    Copies of one autoscaler in alternative files (a base and an overlay, two
    per-environment folders) are one autoscaler, not two. Only autoscalers surely
    deployed together are judged: written in one file, or an HPA beside a KEDA
    ScaledObject in one folder. Two HPAs in two files may be alternatives a README
    offers (one on request count, one on GPU use: the vLLM example of
    kubernetes/examples), and are not judged; nor is a target, kind or namespace not
    known yet (preview). The old KEDA API (`keda.k8s.io`, `scaleTargetRef.deploymentName`)
    is read as the Deployment it names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import is_unknown

_KEDA_GROUPS = ("keda.sh/", "keda.k8s.io/")


def _target(stack: Stack, scaler: Resource) -> tuple[str, str, str] | None:
    """(namespace, kind, name) the autoscaler scales; None when it is not an
    autoscaler this rule reads, or when that is not known."""
    namespace = stack.namespace_of(scaler)
    if not isinstance(namespace, str):
        return None
    ref = scaler.get("spec", "scaleTargetRef")
    if not isinstance(ref, Mapping):
        return None
    if scaler.kind == "HorizontalPodAutoscaler" and not scaler.is_custom_resource:
        kind, name = ref.get("kind"), ref.get("name")
    elif scaler.kind == "ScaledObject" and str(scaler.api_version).startswith(_KEDA_GROUPS):
        kind = ref.get("kind", "Deployment")
        name = ref.get("name", ref.get("deploymentName"))
    else:
        return None
    if is_unknown(kind) or is_unknown(name) or not isinstance(kind, str) or not isinstance(name, str):
        return None
    return namespace, kind, name


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    by_target: dict[tuple[str, str, str], list[Resource]] = {}
    for scaler in (*stack.of_kind("HorizontalPodAutoscaler"), *stack.of_kind("ScaledObject")):
        target = _target(stack, scaler)
        if target is not None:
            by_target.setdefault(target, []).append(scaler)
    for (_, kind, name), scalers in by_target.items():
        distinct: dict[tuple[Any, Any], Resource] = {}
        for scaler in scalers:
            distinct.setdefault((scaler.kind, scaler.name), scaler)  # copies of one autoscaler are one
        if len(distinct) < 2:
            continue
        ordered = sorted(distinct.values(), key=lambda scaler: (str(scaler.kind), str(scaler.name)))
        if not _deployed_together(stack, ordered):
            continue
        second = ordered[1]
        others = ", ".join(f"{scaler.kind} {scaler.name}" for scaler in ordered if scaler is not second)
        yield StackViolation(
            second,
            ("spec", "scaleTargetRef"),
            f"scales {kind} {name}, which {others} also scales: each writes its own replica count to it, and "
            "they overwrite each other; keep one autoscaler",
        )


def _deployed_together(stack: Stack, scalers: list[Resource]) -> bool:
    """Whether the autoscalers are surely deployed together: written in one file (in
    Pulumi, resources of one stack), or an
    HPA beside a KEDA ScaledObject in one folder (corpus47's ipfs-gcs). Two HPAs in two
    files may be alternatives a README offers (the shared corpus's vLLM example: one
    on request count, one on GPU use), and are not judged."""
    files = {scaler.source for scaler in scalers}
    if len(files) == 1:
        return True  # one file (or, in Pulumi, one stack: every resource is deployed)
    kinds = {scaler.kind for scaler in scalers}
    return kinds == {"HorizontalPodAutoscaler", "ScaledObject"} and len({stack.folder_of(s) for s in scalers}) == 1


RULE = Rule(
    name="autoscalers-conflict",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"HorizontalPodAutoscaler", "ScaledObject"},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
    profiles=("correctness",),
)
