"""Containers run with a read-only root filesystem.

Checks that every container and init container of every pod-bearing object sets
`securityContext.readOnlyRootFilesystem: true`. The field exists only on the
container (a pod-level securityContext cannot set it), so nothing is inherited.
Ephemeral (debug) containers are not judged, nor are pods that declare
`spec.os.name: windows` or select only Windows nodes (`nodeSelector:
{kubernetes.io/os: windows}`, or a required node affinity), where the field does
not apply. The Pod Security Standards have no such control: this rule goes beyond
Restricted.

Why it matters:
    An attacker who gets code execution in a container with a writable root
    filesystem can drop tools, modify binaries and configuration, and persist until
    the pod is replaced. A read-only image also makes drift impossible: what runs is
    what was built and scanned.

How to fix:
    Set the flag and mount writable `emptyDir` volumes only where the program must
    write:

        securityContext:
          readOnlyRootFilesystem: true
        volumeMounts:
          - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: tmp, emptyDir: {}}

Notes:
    Advisory by default: many images write to their own filesystem (caches, pid
    files) and need the mounts above before they can run read-only. A container
    whose command installs software when it starts (`apt-get install`, `apk add`,
    `pip install`, ...) is told to build it into the image first, and `policypack
    fix` leaves it alone: the flag alone would stop it.
    On a `privileged` container the finding is listed under `pss-privileged`'s: a
    privileged process can remount its root filesystem read-write, so the flag
    protects nothing until the privilege goes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

from .._fixes import set_where_found
from ._security_context import may_be_windows_pod


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if may_be_windows_pod(obj):
        return
    for container in obj.containers(ephemeral=False):
        value = container.get("securityContext", "readOnlyRootFilesystem")
        if value is True or value is UNKNOWN:
            continue
        state = "sets readOnlyRootFilesystem: false" if value is False else "does not set readOnlyRootFilesystem"
        installs = installs_at_start(container)
        advice = (
            f", and its command installs software when it starts ({installs}): build that into the image, "
            "then the root filesystem can be read-only"
            if installs
            else ""
        )
        yield Violation(
            container.path + ("securityContext", "readOnlyRootFilesystem"),
            f"{container.label} {state}: its root filesystem is writable{advice}",
        )


#: A package manager's install in a container's command line: it writes the root
#: filesystem at every start (corpus41's `apt-get install -y apache2-utils ...`).
_INSTALL = lazy_compile(
    r"\b(?:apt-get\s+(?:-\S+\s+)*install|apt\s+install|apk\s+(?:--\S+\s+)*add|(?:yum|dnf|microdnf|zypper)"
    r"\s+(?:-\S+\s+)*install|pip3?\s+install|gem\s+install|npm\s+(?:install|i)\s+(?:-g|--global))\b"
)


def installs_at_start(container: Container) -> str | None:
    """The install command the container runs when it starts, if any."""
    words = [*as_list(container.get("command")), *as_list(container.get("args"))]
    found = _INSTALL.search(" ".join(word for word in words if isinstance(word, str)))
    return " ".join(found[0].split()) if found else None


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`readOnlyRootFilesystem: true` on each container found (unsafe: an application
    that writes outside its volumes stops working), but one that installs software
    when it starts, which the flag would stop."""
    installing = {c.path for c in obj.containers(ephemeral=False) if installs_at_start(c)}
    found = (v for v in check(obj, options) if v.path[:-2] not in installing)
    return set_where_found(found, obj, "readOnlyRootFilesystem", True)


RULE = Rule(
    name="require-read-only-root-filesystem",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={},
    tags=("nsa-hardening", "security-context"),
    folds_into={"pss-privileged": "container"},
    fix=Fix(fix, Applicability.UNSAFE),
)
