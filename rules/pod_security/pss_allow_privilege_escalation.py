"""Every container sets allowPrivilegeEscalation: false (PSS Restricted).

From Kubernetes 1.8, fires on every container, init container and ephemeral
container whose `securityContext.allowPrivilegeEscalation` is not explicitly
`false` (unset counts: Linux lets a process gain privileges by default), as the
`allowPrivilegeEscalation` check of Kubernetes' Pod Security Admission does. From
1.25, Windows pods (`spec.os.name: windows`) are exempt: the field does not exist
for them.

Why it matters:
    With privilege escalation allowed (no `no_new_privs`), a process in the
    container can become root through a setuid binary or file capabilities in the
    image, even when the container starts as an unprivileged user; that defeats
    `runAsNonRoot`.

How to fix:
    Set it on every container, init containers included:

        securityContext:
          allowPrivilegeEscalation: false

Notes:
    A pod that runs only on Windows nodes (by `nodeSelector` or node affinity) but
    does not set `spec.os.name: windows` is judged as admission judges it, as a Linux
    pod; with `require-windows-pod-os` enabled its finding folds into that rule's,
    whose fix (declaring the OS) is the one that applies.
    A container that writes `allowPrivilegeEscalation: true` while it adds
    `NET_BIND_SERVICE` as a non-root user is how a binary with file capabilities
    binds ports below 1024 (ingress-nginx's controller, corpus37): the message says
    to move it to higher ports first, and the fix leaves any container that writes
    `true` to a person.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list, is_unknown

from .._fixes import container_at, set_where_found
from ..workload_hardening.require_run_as_non_root import effective, is_uid
from . import _pss


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or not _pss.at_least(options, 8) or _pss.windows_exempt(pod, options):
        return
    for container in _pss.containers(obj):
        value = container.get("securityContext", "allowPrivilegeEscalation")
        if value is False or value is UNKNOWN:
            continue
        note = ""
        if value is True and _binds_low_ports_by_file_capability(container, pod.get("securityContext")):
            note = (
                ": it adds NET_BIND_SERVICE as a non-root user, which a program gets from its file's capabilities "
                "only while escalation is allowed (ingress-nginx's nginx binds 80 and 443 so); move it to ports "
                "above 1023 first, or the change stops it binding"
            )
        yield Violation(
            container.path + ("securityContext", "allowPrivilegeEscalation"),
            f"{container.label} must set securityContext.allowPrivilegeEscalation=false{note}",
        )


def _binds_low_ports_by_file_capability(container: Any, pod_context: Any) -> bool:
    """Whether the container adds NET_BIND_SERVICE and runs as a non-root user (its own
    setting or the pod's): the way a program whose binary carries
    `cap_net_bind_service` (setcap) binds ports below 1024, which `no_new_privs`
    (allowPrivilegeEscalation false) takes away."""
    if not _adds(container, "NET_BIND_SERVICE"):
        return False
    user, _ = effective(container, pod_context, "runAsUser")
    non_root, _ = effective(container, pod_context, "runAsNonRoot")
    return non_root is True or (is_uid(user) and user != 0)


def _adds(container: Any, capability: str) -> bool:
    """Whether the container adds the capability (`SYS_ADMIN`, `CAP_SYS_ADMIN`, any case)."""
    add = container.get("securityContext", "capabilities", "add")
    return any(isinstance(entry, str) and entry.upper().removeprefix("CAP_") == capability for entry in as_list(add))


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`allowPrivilegeEscalation: false` on each container found, unless it is (or may
    be) privileged or adds CAP_SYS_ADMIN (Kubernetes refuses those combinations), or
    sets it `true` on purpose (ingress-nginx's controller, whose nginx binds ports 80
    and 443 by file capabilities, which `false` takes away)."""

    def fixable(path: tuple) -> bool:
        container = container_at(obj, path)
        if container is None or container.get("securityContext", "privileged") not in (None, False):
            return False
        if container.get("securityContext", "allowPrivilegeEscalation") is True:
            return False  # written true on purpose: a person decides (file capabilities may need it)
        add = container.get("securityContext", "capabilities", "add")
        return not is_unknown(add) and not any(map(is_unknown, as_list(add))) and not _adds(container, "SYS_ADMIN")

    return set_where_found(check(obj, options), obj, "allowPrivilegeEscalation", False, fixable)


RULE = Rule(
    name="pss-allow-privilege-escalation",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    folds_into={"pss-privileged": "container", "require-windows-pod-os": "pod"},
    options=_pss.version_option(),
    tags=("pss-restricted:allowPrivilegeEscalation",),
    profiles=("pss-restricted",),
    fix=Fix(fix, Applicability.SAFE),
)
