"""Which workloads an autoscaler owns the replica count of.

A HorizontalPodAutoscaler names its target in `spec.scaleTargetRef`; so do
autoscalers built on custom resources, KEDA's `ScaledObject` first among them (its
`kind` defaults to Deployment). Any custom resource with a `spec.scaleTargetRef`
counts: it is the convention of the scale subresource.
"""

from __future__ import annotations

from collections.abc import Mapping

from policypack.model import Resource
from policypack.stack import Stack
from policypack.values import UNKNOWN


class Autoscalers:
    """The targets of the set's autoscalers, read once (a rule asks for every
    workload, and a set may hold thousands)."""

    def __init__(self, stack: Stack) -> None:
        self.targets: set[tuple[str, str, str]] = set()  # (namespace, kind, name)
        self.undecided = False  # an autoscaler's target or namespace not known yet
        for scaler in stack.resources:
            if scaler.kind != "HorizontalPodAutoscaler" and not scaler.is_custom_resource:
                continue
            ref = scaler.get("spec", "scaleTargetRef")
            if ref is UNKNOWN:
                self.undecided = True
                continue
            if not isinstance(ref, Mapping):
                continue
            where = stack.namespace_of(scaler)
            kind = ref.get("kind", "Deployment" if scaler.is_custom_resource else None)
            name = ref.get("name")
            if where is UNKNOWN or kind is UNKNOWN or name is UNKNOWN:
                self.undecided = True
            elif isinstance(where, str) and isinstance(kind, str) and isinstance(name, str):
                self.targets.add((where, kind, name))

    def scale(self, stack: Stack, workload: Resource) -> bool | None:
        """Whether an autoscaler in the set scales this workload: True, False, or None
        when an autoscaler's target or namespace is not known yet."""
        namespace = stack.namespace_of(workload)
        if not isinstance(namespace, str) or not isinstance(workload.name, str) or not isinstance(workload.kind, str):
            return None
        if (namespace, workload.kind, workload.name) in self.targets:
            return True
        return None if self.undecided else False
