"""Pods do not run as Windows HostProcess containers (PSS Baseline).

Fires when the pod's `securityContext.windowsOptions.hostProcess` or any container's
(init and ephemeral containers included) is `true`, as the `windowsHostProcess`
check of Kubernetes' Pod Security Admission does at every version.

Why it matters:
    A HostProcess container runs directly on the Windows node, outside any
    container isolation, with the node's network and file system and, typically,
    as SYSTEM. It is the Windows equivalent of a privileged pod with host
    namespaces: whoever controls it controls the node.

How to fix:
    Remove `hostProcess: true` (or set it to false):

        securityContext:
          windowsOptions:
            hostProcess: false

    Node agents that need host access belong in a namespace labelled for the
    privileged level, not in application namespaces.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from . import _pss

FIELD = ("windowsOptions", "hostProcess")


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    if pod.get("securityContext", *FIELD) is True:
        yield Violation(
            _pss.pod_security_context_path(pod) + FIELD,
            "pod must not set securityContext.windowsOptions.hostProcess=true",
        )
    for container in _pss.containers(obj):
        if container.get("securityContext", *FIELD) is True:
            yield Violation(
                container.path + ("securityContext",) + FIELD,
                f"{container.label} must not set securityContext.windowsOptions.hostProcess=true",
            )


RULE = Rule(
    name="pss-windows-host-process",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    tags=("pss-baseline:windowsHostProcess",),
    profiles=("pss-baseline", "pss-restricted"),
)
