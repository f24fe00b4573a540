"""Containers keep the default, masked /proc (PSS Baseline).

Fires on every container, init container or ephemeral container whose
`securityContext.procMount` is set to anything but `Default` (that is, `Unmasked`),
as the `procMount` check of Kubernetes' Pod Security Admission does. From Kubernetes
1.35 a pod in its own user namespace (`spec.hostUsers: false`) may use an unmasked
/proc under the Baseline level; the Restricted level still forbids it
(`pss-proc-mount-restricted`).

Why it matters:
    The default /proc hides and makes read-only the parts of /proc and /sys that
    expose the node's kernel: /proc/kcore, /proc/sysrq-trigger, /proc/keys and the
    like. Unmasked, a container can read kernel memory layouts and poke the kernel.

How to fix:
    Remove `procMount` (or set it to `Default`):

        securityContext:
          procMount: Default

    Nested container runtimes that need an unmasked /proc should run with
    `hostUsers: false` (Kubernetes 1.35+ Baseline allows it there).

Notes:
    An unknown `hostUsers` at preview time counts as possibly false. In a privileged
    container, whose /proc is unmasked anyway, the finding is folded into
    `pss-privileged`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from . import _pss


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or _pss.user_namespace_exempt(pod, options):
        return
    for container, value in _pss.non_default_proc_mounts(obj):
        yield Violation(
            container.path + ("securityContext", "procMount"),
            f"{container.label} must not set securityContext.procMount to {_pss.quote(value)}",
        )


RULE = Rule(
    name="pss-proc-mount",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options=_pss.version_option(),
    tags=("pss-baseline:procMount",),
    profiles=("pss-baseline", "pss-restricted"),
    # A privileged container's /proc is unmasked already (corpus42's node exporter):
    # one decision, listed under pss-privileged's finding.
    folds_into={"pss-privileged": "container"},
)
