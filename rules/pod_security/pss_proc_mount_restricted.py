"""Containers keep the default, masked /proc, even in a user namespace (PSS Restricted).

From Kubernetes 1.35, fires on every container, init container or ephemeral
container whose `securityContext.procMount` is anything but `Default`, whatever
`spec.hostUsers` says, as the `procMount_restricted` check of Kubernetes' Pod
Security Admission does. Before 1.35 the Baseline control (`pss-proc-mount`)
already forbids it unconditionally, and this rule is silent.

Why it matters:
    The Restricted level does not take a user namespace as a reason to expose the
    node's kernel interfaces under /proc: a kernel bug reachable through them is
    reachable from the user namespace too.

How to fix:
    Remove `procMount` (or set it to `Default`):

        securityContext:
          procMount: Default

Notes:
    Off in the default `playbook` profile, where pss-proc-mount reports the same
    containers (and goes further); on, mandatory, in `pss-restricted` and `strict`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from . import _pss


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if not _pss.at_least(options, 35):
        return
    for container, value in _pss.non_default_proc_mounts(obj):
        yield Violation(
            container.path + ("securityContext", "procMount"),
            f"{container.label} must not set securityContext.procMount to {_pss.quote(value)}",
        )


RULE = Rule(
    name="pss-proc-mount-restricted",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.DISABLED,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    folds_into={"pss-proc-mount": "field"},
    options=_pss.version_option(),
    tags=("pss-restricted:procMount_restricted",),
    profiles=("pss-restricted",),
)
