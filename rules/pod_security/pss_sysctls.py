"""Pods set only the sysctls Kubernetes considers safe (PSS Baseline).

Fires on every `spec.securityContext.sysctls[].name` that is not on the safe list of
the target Kubernetes version, as the `sysctls` check of Kubernetes' Pod Security
Admission does. The list grew over time:

- every version: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
  `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`,
  `net.ipv4.ping_group_range`;
- from 1.27: `net.ipv4.ip_local_reserved_ports`;
- from 1.29: `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
  `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`;
- from 1.32: `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`;
- from 1.37: `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`.

Names are compared exactly (`net/ipv4/tcp_syncookies`, the slash form, is not on the
list).

Why it matters:
    Unsafe sysctls are not namespaced, or are namespaced but let one pod starve
    the node: setting them changes the kernel for every pod on the node, or opens
    denial-of-service against it. The kubelet rejects them unless a node allows
    them explicitly, which then becomes a cluster-wide hole.

How to fix:
    Remove the sysctl, or use one from the safe list:

        securityContext:
          sysctls:
            - name: net.ipv4.ip_local_port_range
              value: "1024 65535"

Notes:
    Set `kubernetesVersion` to the cluster's version: a sysctl that is safe on a
    newer cluster is forbidden on an older one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list

from . import _pss

# (first minor version, the names it added to the safe list)
SAFE_SYSCTLS: tuple[tuple[int, frozenset[str]], ...] = (
    (
        0,
        frozenset(
            {
                "kernel.shm_rmid_forced",
                "net.ipv4.ip_local_port_range",
                "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range",
                "net.ipv4.ip_unprivileged_port_start",
            }
        ),
    ),
    (27, frozenset({"net.ipv4.ip_local_reserved_ports"})),
    (
        29,
        frozenset(
            {
                "net.ipv4.tcp_keepalive_time",
                "net.ipv4.tcp_fin_timeout",
                "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes",
            }
        ),
    ),
    (32, frozenset({"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"})),
    (37, frozenset({"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"})),
)


def safe_sysctls(minor: int) -> frozenset[str]:
    """The safe list of Kubernetes 1.<minor>."""
    return frozenset().union(*(names for since, names in SAFE_SYSCTLS if minor >= since))


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    safe = safe_sysctls(_pss.target_minor(options))
    for index, sysctl in enumerate(as_list(pod.get("securityContext", "sysctls"))):
        name = sysctl.get("name") if isinstance(sysctl, Mapping) else None
        if isinstance(name, str) and name not in safe:
            yield Violation(
                _pss.pod_security_context_path(pod) + ("sysctls", index, "name"),
                f"pod must not set sysctl {name} (not on the safe list of Kubernetes {options['kubernetesVersion']})",
            )


RULE = Rule(
    name="pss-sysctls",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options=_pss.version_option(),
    tags=("pss-baseline:sysctls",),
    profiles=("pss-baseline", "pss-restricted"),
    # A pod's unsafe sysctls are one control and one decision (corpus19: four on one
    # rsync pod): one finding listing each, as PSA reports one violation per control.
    one_per_object=True,
)
