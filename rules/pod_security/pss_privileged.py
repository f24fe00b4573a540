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

    A node agent that cannot work without it (a CSI node plugin whose mounts use
    `mountPropagation: Bidirectional`, which Kubernetes allows only to privileged
    containers; a CNI or device installer) keeps it: run it in a namespace whose Pod
    Security level is `privileged` (label `pod-security.kubernetes.io/enforce:
    privileged`), keep everything else out of that namespace, and record the
    exemption with its reason (a suppression).

Notes:
    The pod's other ways into the node, its hostPath volumes (`pss-host-path-volumes`)
    and the host's namespaces (`pss-host-namespaces`), are folded into this finding
    and listed under it: with a privileged container the pod holds the node anyway,
    so they are one decision (to run a node agent), not several problems to fix one by
    one. Each is still listed under this finding, with its own line (and in JSON).
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
