"""Pods and containers do not set runAsUser: 0 (PSS Restricted).

From Kubernetes 1.23, fires on a pod or container `securityContext.runAsUser` of 0
(root), as the `runAsUser` check of Kubernetes' Pod Security Admission does. From
1.35, pods in their own user namespace (`spec.hostUsers: false`) are exempt.
Leaving `runAsUser` unset passes (`runAsNonRoot` covers that case).

Why it matters:
    An explicit `runAsUser: 0` asks for root whatever the image says; with
    `runAsNonRoot` the kubelet refuses to start it, and without it the container
    runs as root on the node's kernel.

How to fix:
    Use a non-zero UID:

        securityContext:
          runAsUser: 10001

Notes:
    Off in the default `playbook` profile, where require-run-as-non-root reports the same
    containers (and goes further); on, mandatory, in `pss-restricted` and `strict`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from . import _pss


def _is_root(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or not _pss.at_least(options, 23) or _pss.user_namespace_exempt(pod, options):
        return
    if _is_root(pod.get("securityContext", "runAsUser")):
        yield Violation(_pss.pod_security_context_path(pod) + ("runAsUser",), "pod must not set runAsUser=0")
    for container in _pss.containers(obj):
        if _is_root(container.get("securityContext", "runAsUser")):
            yield Violation(
                container.path + ("securityContext", "runAsUser"),
                f"{container.label} must not set runAsUser=0",
            )


RULE = Rule(
    name="pss-run-as-user",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.DISABLED,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options=_pss.version_option(),
    tags=("pss-restricted:runAsUser",),
    profiles=("pss-restricted",),
)
