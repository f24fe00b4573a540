"""Containers drop every Linux capability.

Checks that every container, init container and ephemeral container of every
pod-bearing object lists `ALL` in `securityContext.capabilities.drop` (compared
without regard to case, as container runtimes do). Capabilities have no pod-level
setting, so nothing is inherited. Pods that declare `spec.os.name: windows` (or select only Windows nodes) are not
judged. Capabilities added back (`capabilities.add`) are left to the Pod Security
Standards rules.

Why it matters:
    Container runtimes grant a default set of capabilities (CHOWN, DAC_OVERRIDE,
    FOWNER, NET_RAW, SETUID, SETGID, ...). NET_RAW alone allows ARP and DNS spoofing
    on the node's network; the others widen what an attacker can do after a
    compromise and help container escapes. Almost no application needs them.

How to fix:
    Drop everything and add back only what the program needs:

        securityContext:
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]   # only if it binds a port below 1024

Notes:
    Unlike the Restricted profile of the Pod Security Standards, init and ephemeral
    containers are held to the same bar, and so are pods of every kind.
    A container that says nothing of its capabilities in a pod of a kind only
    OpenShift serves (a Template's, a DeploymentConfig's) is not judged: OpenShift's
    restricted SCC drops them all, unless its account is granted more, which the
    manifest does not show (corpus27's openshift/release).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

from .._fixes import drop_all_where_found
from ._security_context import may_be_windows_pod, openshift_object


def drops_all(drop: Any) -> bool:
    """Whether the drop list holds ALL; an unknown list or entry counts (it may)."""
    if drop is UNKNOWN:
        return True
    return any(entry is UNKNOWN or (isinstance(entry, str) and entry.upper() == "ALL") for entry in as_list(drop))


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if may_be_windows_pod(obj):
        return
    openshift = openshift_object(obj)
    for container in obj.containers():
        if openshift and container.get("securityContext", "capabilities") is None:
            continue  # OpenShift's restricted SCC drops them all (or its account is granted more: unseen)
        if not drops_all(container.get("securityContext", "capabilities", "drop")):
            yield Violation(
                container.path + ("securityContext", "capabilities", "drop"),
                f"{container.label} does not drop ALL capabilities: it keeps the runtime's default set",
            )


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`ALL` added to `capabilities.drop` of each container found."""
    return drop_all_where_found(obj, check(obj, options))


RULE = Rule(
    name="require-drop-all-capabilities",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    folds_into={"pss-privileged": "container"},
    options={},
    tags=("cis-5.2.10", "nsa-hardening", "security-context"),
    fix=Fix(fix, Applicability.UNSAFE),
)
