"""Pods and containers set no custom SELinux user, role or type (PSS Baseline).

Fires on a pod or container `securityContext.seLinuxOptions` that sets `user` or
`role`, or a `type` other than `container_t`, `container_init_t` and
`container_kvm_t` (and, from Kubernetes 1.31, `container_engine_t`), as the
`seLinuxOptions` check of Kubernetes' Pod Security Admission does. `level` (the
MCS categories) may be set freely.

Why it matters:
    The SELinux type is the container's confinement on SELinux nodes. A custom
    type such as `spc_t` (super-privileged container) or `unconfined_t` lifts it,
    and a custom user or role can grant access to the node's files.

How to fix:
    Remove `user`, `role` and any custom `type`; keep `level` if you need fixed
    categories:

        securityContext:
          seLinuxOptions:
            level: "s0:c123,c456"

Notes:
    Set `kubernetesVersion` to the cluster's version: `container_engine_t`
    (for container engines running in pods) is allowed from 1.31 only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import Path

from . import _pss

ALLOWED_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
ALLOWED_TYPES_1_31 = ALLOWED_TYPES | {"container_engine_t"}


def _problems(options_value: Any, allowed: frozenset[str], base: Path) -> Iterator[tuple[Path, str]]:
    """(path, what is wrong) for each forbidden field of one `seLinuxOptions`."""
    if not isinstance(options_value, Mapping):
        return
    kind = options_value.get("type")
    if isinstance(kind, str) and kind not in allowed:
        yield base + ("type",), f"type {_pss.quote(kind)}"
    for field in ("user", "role"):
        value = options_value.get(field)
        if isinstance(value, str) and value != "":
            yield base + (field,), f"{field} (it may not be set)"


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    allowed = ALLOWED_TYPES_1_31 if _pss.at_least(options, 31) else ALLOWED_TYPES
    base = _pss.pod_security_context_path(pod) + ("seLinuxOptions",)
    for path, problem in _problems(pod.get("securityContext", "seLinuxOptions"), allowed, base):
        yield Violation(path, f"pod must not set securityContext.seLinuxOptions {problem}")
    for container in _pss.containers(obj):
        base = container.path + ("securityContext", "seLinuxOptions")
        for path, problem in _problems(container.get("securityContext", "seLinuxOptions"), allowed, base):
            yield Violation(path, f"{container.label} must not set securityContext.seLinuxOptions {problem}")


RULE = Rule(
    name="pss-selinux",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options=_pss.version_option(),
    tags=("pss-baseline:seLinuxOptions",),
    profiles=("pss-baseline", "pss-restricted"),
)
