"""PersistentVolumes do not expose a node directory through hostPath.

Fires on every PersistentVolume with a `hostPath` source. Names what it is when the
path is a container runtime socket or a directory that holds one. `local`
PersistentVolumes (a node's disk, pinned to that node by `nodeAffinity`) are the
supported way to use node storage and are not reported.

Why it matters:
    Pod Security admission never sees PersistentVolumes: a pod that passes the
    Restricted level, which forbids hostPath volumes, mounts the node directory
    anyway through a claim bound to such a volume. The directory is on whatever node
    the pod lands on (hostPath is not pinned to a node), so data is silently
    per-node, and a path like /var/run or / hands over the node itself.

How to fix:
    Use a `local` volume pinned to its node, or a CSI driver or StorageClass:

        spec:
          local:
            path: /mnt/disks/models
          nodeAffinity:
            required:
              nodeSelectorTerms:
                - matchExpressions:
                    - {key: kubernetes.io/hostname, operator: In, values: [node-1]}

Notes:
    Single-node development clusters (kind, minikube) provision hostPath volumes
    for every claim; judge their generated objects with an exemption rather than
    turn the rule off for real clusters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._node_paths import normalized, runtime_socket


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    source = obj.get("spec", "hostPath")
    if not isinstance(source, Mapping):
        return
    path = source.get("path")
    socket = runtime_socket(path)
    if socket is not None:
        yield Violation(
            ("spec", "hostPath", "path"),
            f"PersistentVolume mounts {socket[0]} from the node: a pod bound to it that runs as root controls "
            "every container on that node (node takeover)",
        )
        return
    shown = normalized(path)
    where = f"the node directory {shown}" if shown else "a node directory"
    yield Violation(
        ("spec", "hostPath"),
        f"PersistentVolume exposes {where} through hostPath, out of Pod Security admission's sight",
    )


RULE = Rule(
    name="pv-no-host-path",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds={"PersistentVolume"},
    check=check,
    tags=("host-path", "storage"),
)
