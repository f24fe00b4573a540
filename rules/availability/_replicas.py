"""Reading `spec.replicas` the way Kubernetes does."""

from __future__ import annotations

from typing import Any

from policypack.model import Resource
from policypack.values import UNKNOWN


def replicas(obj: Resource) -> int | Any | None:
    """The number of replicas asked for: the value, 1 when the field is missing (the
    Kubernetes default), UNKNOWN during preview, None when it is not a number.
    Offline, a count a kustomize patch of the run writes is the patch's."""
    # Offline, an overlay's patch (or kustomize's `replicas:`) sets the count as deployed.
    value = obj.deployed_value("spec", "replicas")
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return 1  # (an unknown `spec` makes `get` return UNKNOWN, handled above)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value
