"""Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE (PSS Restricted).

From Kubernetes 1.22, fires on every container, init container and ephemeral
container whose `securityContext.capabilities.drop` does not contain `ALL`, and on
every entry of `securityContext.capabilities.add` other than `NET_BIND_SERVICE`, as
the `capabilities_restricted` check of Kubernetes' Pod Security Admission does.
From 1.25, Windows pods (`spec.os.name: windows`) are exempt: Linux capabilities do
not exist for them. Names are compared exactly (`all` is not `ALL`).

Why it matters:
    Container runtimes grant a default set of capabilities (CHOWN, DAC_OVERRIDE,
    FOWNER, SETUID, NET_RAW, ...) that most programs never use and that make
    privilege escalation and network spoofing easier. Dropping all of them leaves
    a root process in the container with little more power than any user.

How to fix:
    Drop everything, and add back only what binding a low port needs:

        securityContext:
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]  # only if it binds a port below 1024

Notes:
    The Restricted level replaces the Baseline `capabilities_baseline` control by
    this one from 1.22; an added capability outside both lists is reported by
    both `pss-capabilities-baseline` and this rule.

    Off in the default `playbook` profile, where require-drop-all-capabilities reports the same
    containers (and goes further); on, mandatory, in `pss-restricted` and `strict`.

    A pod that runs only on Windows nodes (by `nodeSelector` or node affinity) but
    does not set `spec.os.name: windows` is judged as admission judges it, as a Linux
    pod; with `require-windows-pod-os` enabled its finding folds into that rule's,
    whose fix (declaring the OS) is the one that applies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

from .._fixes import drop_all_where_found
from . import _pss


def _drops_all(drop: Any) -> bool:
    """Whether `drop` contains ALL; an unknown list or entry counts as doing so."""
    if drop is UNKNOWN:
        return True
    return any(entry == "ALL" or entry is UNKNOWN for entry in as_list(drop))


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or not _pss.at_least(options, 22) or _pss.windows_exempt(pod, options):
        return
    for container in _pss.containers(obj):
        capabilities = container.get("securityContext", "capabilities")
        if capabilities is UNKNOWN:
            continue
        path = container.path + ("securityContext", "capabilities")
        if not _drops_all(container.get("securityContext", "capabilities", "drop")):
            yield Violation(path + ("drop",), f'{container.label} must set securityContext.capabilities.drop=["ALL"]')
        for index, capability in enumerate(as_list(container.get("securityContext", "capabilities", "add"))):
            if isinstance(capability, str) and capability != "NET_BIND_SERVICE":
                yield Violation(
                    path + ("add", index),
                    f"{container.label} must not include {_pss.quote(capability)} in securityContext.capabilities.add",
                )


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`ALL` added to `capabilities.drop` of each container found."""
    return drop_all_where_found(obj, check(obj, options))


RULE = Rule(
    name="pss-capabilities-restricted",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.DISABLED,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    folds_into={
        "pss-privileged": "container",
        "require-drop-all-capabilities": "field",
        "pss-capabilities-baseline": "field",
        "require-windows-pod-os": "pod",
    },
    options=_pss.version_option(),
    tags=("pss-restricted:capabilities_restricted",),
    profiles=("pss-restricted",),
    fix=Fix(fix, Applicability.UNSAFE),
)
