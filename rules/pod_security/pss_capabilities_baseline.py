"""Containers add no capability beyond Docker's default set (PSS Baseline).

Fires on the entries of a container's `securityContext.capabilities.add` (init and
ephemeral containers included) that is not one of AUDIT_WRITE, CHOWN, DAC_OVERRIDE,
FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and
SYS_CHROOT, as the `capabilities_baseline` check of Kubernetes' Pod Security
Admission does at every version. Names are compared exactly, as Kubernetes does:
`CAP_SYS_ADMIN` or `sys_admin` is not on the list either. One finding per container,
at its first such entry, naming the others: the list is one decision.

Why it matters:
    Capabilities beyond the default set are pieces of root: SYS_ADMIN is close to
    privileged, NET_ADMIN reconfigures the node's network from a host-network pod,
    SYS_PTRACE reads other processes' memory, NET_RAW spoofs packets inside the
    cluster network.

How to fix:
    Remove the capability from `add`; most programs need none, and binding a port
    below 1024 needs only NET_BIND_SERVICE:

        securityContext:
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]

Notes:
    In the Restricted level from 1.22, Kubernetes runs the stricter
    `capabilities_restricted` control (`pss-capabilities-restricted`) in place of
    this one. The one pod on which that matters is a Windows pod that adds
    capabilities, which the API server rejects anyway. In a DaemonSet that mounts
    hostPath volumes the finding is folded into `pss-host-path-volumes`'s: a node
    agent's capabilities (flannel's NET_ADMIN) are part of its host access, one
    decision with one remedy (a namespace exempt from Pod Security Baseline).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list

from . import _pss

ALLOWED = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for container in _pss.containers(obj):
        added = container.get("securityContext", "capabilities", "add")
        # One finding per container, at its first such entry, naming the others: the
        # list is one decision (corpus23's Home Assistant adds NET_ADMIN, NET_RAW and
        # NET_BROADCAST), as Pod Security admission reports one violation per container.
        found = [
            (index, capability)
            for index, capability in enumerate(as_list(added))
            if isinstance(capability, str) and capability not in ALLOWED
        ]
        if found:
            names = [_pss.quote(capability) for _, capability in found]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            yield Violation(
                container.path + ("securityContext", "capabilities", "add", found[0][0]),
                f"{container.label} must not include {listed} in securityContext.capabilities.add",
            )


RULE = Rule(
    name="pss-capabilities-baseline",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    # Capabilities added to a privileged container change nothing until `privileged`
    # goes (it has them all): one root cause, reported at pss-privileged.
    folds_into={"pss-privileged": "container", "pss-host-path-volumes": "node-agent"},
    tags=("pss-baseline:capabilities_baseline",),
    profiles=("pss-baseline", "pss-restricted"),
)
