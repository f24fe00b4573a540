"""Containers do not run privileged (PSS Baseline).

Fires on every container, init container and ephemeral container whose
`securityContext.privileged` is `true`, as the `privileged` check of Kubernetes' Pod
Security Admission does at every version.

Why it matters:
    A privileged container has every capability, every device of the node, and no
    seccomp, AppArmor or SELinux confinement: escaping to the node is a matter of
    mounting its disk. One compromised privileged container is a compromised node.

How to fix:
    Remove `privileged: true`; grant the one capability the program needs instead:

        securityContext:
          privileged: false
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from . import _pss


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for container in _pss.containers(obj):
        if container.get("securityContext", "privileged") is True:
            yield Violation(
                container.path + ("securityContext", "privileged"),
                f"{container.label} must not set securityContext.privileged=true",
            )


RULE = Rule(
    name="pss-privileged",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    tags=("pss-baseline:privileged",),
    profiles=("pss-baseline", "pss-restricted"),
)
