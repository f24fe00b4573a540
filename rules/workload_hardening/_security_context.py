"""What the container security-context rules share."""

from __future__ import annotations

from policypack.model import Resource
from policypack.values import UNKNOWN


def may_be_windows_pod(obj: Resource) -> bool:
    """Pods that declare `spec.os.name: windows` (or an OS unknown during preview):
    Linux security-context fields such as runAsNonRoot, readOnlyRootFilesystem and
    capabilities do not apply to them."""
    pod = obj.pod_spec
    return pod is not None and pod.get("os", "name") in ("windows", UNKNOWN)
