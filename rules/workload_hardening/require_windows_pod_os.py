"""Pods that run only on Windows nodes say so in `spec.os.name`.

Fires on a pod-bearing object whose pod can only be scheduled on Windows nodes
(`nodeSelector` `kubernetes.io/os: windows`, or a required node affinity whose every
term admits only Windows) and whose `spec.os.name` is not `windows`: unset, or
`linux`, which contradicts the nodes it selects.

Why it matters:
    `spec.os.name` (GA in Kubernetes 1.25) is how the API server, Pod Security
    admission and the kubelet know a pod's OS. Without it a Windows pod is judged as
    a Linux one: Pod Security's Restricted level demands `allowPrivilegeEscalation:
    false`, a seccomp profile and dropped capabilities, settings Windows does not
    have, so the pod is refused in a Restricted namespace or carries findings no
    change to it can fix; and nothing rejects Linux-only settings that do nothing on
    Windows. With it, admission exempts the pod from those controls and API
    validation refuses Linux-only fields.

How to fix:
    Declare the OS beside the node selection:

        spec:
          os:
            name: windows
          nodeSelector:
            kubernetes.io/os: windows

    The API server then refuses Linux-only fields on the pod (`seccompProfile`,
    `seLinuxOptions`, `runAsUser`, `runAsGroup`, `fsGroup`, `sysctls`,
    `supplementalGroups` and `shareProcessNamespace`; on containers also
    `capabilities`, `privileged`, `allowPrivilegeEscalation`, `procMount` and
    `readOnlyRootFilesystem`): remove them in the same change.

Notes:
    One root cause, one finding: on such a pod the Restricted controls Windows pods are
    exempt from (`pss-allow-privilege-escalation`, `pss-seccomp-restricted`,
    `pss-capabilities-restricted`) fold into this finding when both rules are
    enabled. The `pss-restricted` profile, which does not enable this rule, keeps
    Pod Security admission's exact per-control verdicts. A node selection not known
    yet (preview) fires nothing. The fix adds `os: {name: windows}` only when the pod
    sets none of the fields Windows pods may not set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, PodSpec, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, Path, as_list, as_mapping

from .._fixes import writable
from ._security_context import OS_LABELS, selects_only_windows_nodes

#: Fields API validation refuses on a pod with `spec.os.name: windows`.
_LINUX_POD_FIELDS = (
    "seLinuxOptions",
    "seccompProfile",
    "fsGroup",
    "fsGroupChangePolicy",
    "sysctls",
    "runAsUser",
    "runAsGroup",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "seLinuxChangePolicy",
    "appArmorProfile",
)
_LINUX_CONTAINER_FIELDS = (
    "seLinuxOptions",
    "seccompProfile",
    "capabilities",
    "readOnlyRootFilesystem",
    "privileged",
    "allowPrivilegeEscalation",
    "procMount",
    "runAsUser",
    "runAsGroup",
    "appArmorProfile",
)


def _selection(pod: PodSpec) -> tuple[str, Path]:
    """How the pod selects Windows nodes, for the message, and where (the line reported
    when `spec.os.name` is unset)."""
    selector = as_mapping(pod.get("nodeSelector"))
    for label in OS_LABELS:
        if selector.get(label) == "windows":
            return f"nodeSelector {label}: windows", pod.path + ("nodeSelector", label)
    return "required node affinity on kubernetes.io/os", pod.path + ("affinity", "nodeAffinity")


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or selects_only_windows_nodes(pod) is not True:
        return
    name = pod.get("os", "name")
    if name == "windows" or name is UNKNOWN or pod.get("os") is UNKNOWN:
        return
    how, where = _selection(pod)
    if name is None:
        yield Violation(
            where,
            f"the pod runs only on Windows nodes ({how}) but does not set spec.os.name: windows, so Pod Security "
            "admission judges it as a Linux pod (it asks for allowPrivilegeEscalation, seccomp and capabilities "
            "settings Windows does not have)",
        )
    else:
        yield Violation(
            pod.path + ("os", "name"),
            f"the pod runs only on Windows nodes ({how}) but sets spec.os.name to {name!r}: it can never run",
        )


def _linux_only_fields_set(obj: Resource, pod: PodSpec) -> bool:
    context = pod.get("securityContext")
    if context is UNKNOWN or any(key in as_mapping(context) for key in _LINUX_POD_FIELDS):
        return True
    if pod.get("shareProcessNamespace") is not None:
        return True
    for container in obj.containers():
        context = container.get("securityContext")
        if context is UNKNOWN or any(key in as_mapping(context) for key in _LINUX_CONTAINER_FIELDS):
            return True
    return any(entry is UNKNOWN for entry in as_list(pod.get("containers")))


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`os: {name: windows}` on a pod that sets no `os` and none of the fields the API
    server refuses on Windows pods (setting it there would make the object invalid)."""
    pod = obj.pod_spec
    if pod is None or pod.get("os") is not None or _linux_only_fields_set(obj, pod):
        return
    path = pod.path + ("os",)
    if any(True for _ in check(obj, options)) and writable(obj, path):
        yield Change(path, {"name": "windows"})


RULE = Rule(
    name="require-windows-pod-os",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={},
    tags=("security-context", "windows"),
    fix=Fix(fix, Applicability.SAFE),
)
