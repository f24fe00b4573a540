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

Notes:
    One finding per pod, naming each container that sets it too. A HostProcess pod
    must set `hostNetwork: true` (the API server requires it), and it already has the
    node's file system, so the findings of `pss-host-namespaces` and
    `pss-host-path-volumes` on such a pod are folded into this one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from . import _pss

FIELD = ("windowsOptions", "hostProcess")


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    # One finding per pod, naming every place that asks for it (as Pod Security
    # admission words it): the pod's setting, else the first container's. An init
    # container that repeats the pod's `hostProcess: true` is the same decision.
    pod = obj.pod_spec
    if pod is None:
        return
    containers = [c for c in _pss.containers(obj) if c.get("securityContext", *FIELD) is True]
    names = ", ".join(f'"{c.name}"' for c in containers if isinstance(c.name, str))
    if pod.get("securityContext", *FIELD) is True:
        also = f" (as do containers {names})" if names else ""
        yield Violation(
            _pss.pod_security_context_path(pod) + FIELD,
            f"pod must not set securityContext.windowsOptions.hostProcess=true{also}",
        )
    elif containers:
        first = containers[0]
        also = f" (containers {names})" if len(containers) > 1 else ""
        yield Violation(
            first.path + ("securityContext",) + FIELD,
            f"{first.label} must not set securityContext.windowsOptions.hostProcess=true{also}",
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
