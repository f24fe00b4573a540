"""Pods do not share the node's network, PID or IPC namespace (PSS Baseline).

Fires on `spec.hostNetwork: true`, `spec.hostPID: true` and `spec.hostIPC: true`,
as the `hostNamespaces` check of Kubernetes' Pod Security Admission does at every
version: one finding per pod, listing each field at its own line.

Why it matters:
    With the host's network namespace a pod sees and binds every interface of the
    node (including services listening on localhost only) and bypasses
    NetworkPolicies; with its PID namespace it sees and can signal every process on
    the node and read their environments; with its IPC namespace it reaches the
    node's shared memory.

How to fix:
    Remove the fields (they default to false):

        spec:
          hostNetwork: false
          hostPID: false
          hostIPC: false

    Expose ports through a Service instead of the host network.

Notes:
    `hostNetwork`, `hostPID` and `hostIPC` of one pod are one finding, at the first,
    listing the others, as Pod Security Admission reports one violation of
    `hostNamespaces` naming every field.
    In a pod that runs a privileged container the finding is folded into
    `pss-privileged`'s (see that rule): the container already holds the node. In a
    DaemonSet that mounts hostPath volumes it is folded into `pss-host-path-volumes`'s:
    a node agent's host access (a CNI plugin on the host network, a node exporter
    reading the host's processes) is one decision with one remedy, a namespace exempt
    from Pod Security Baseline (corpus34's kindnet, corpus39's flannel).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    for field in NAMESPACES:
        if pod.get(field) is True:
            yield Violation(pod.path + (field,), f"pod must not set {field}=true")


RULE = Rule(
    name="pss-host-namespaces",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    folds_into={"pss-windows-host-process": "pod", "pss-privileged": "pod", "pss-host-path-volumes": "node-agent"},
    one_per_object=True,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    tags=("pss-baseline:hostNamespaces",),
    profiles=("pss-baseline", "pss-restricted"),
)
