"""Pods mount no hostPath volume (PSS Baseline).

Fires on every entry of `spec.volumes` that has a `hostPath` source, as the
`hostPathVolumes` check of Kubernetes' Pod Security Admission does at every
version, whatever the path and whether or not it is read-only.

Why it matters:
    A hostPath volume is the node's file system inside the pod: the container
    runtime socket, kubelet credentials, other pods' volumes, /etc. Even read-only
    mounts leak secrets, and writable ones are a direct route to the node.

How to fix:
    Use a volume type that is not the node's disk: `emptyDir` for scratch space,
    a PersistentVolumeClaim for data, `configMap`/`secret`/`projected` for files:

        volumes:
          - name: cache
            emptyDir: {}

    A node agent (a DaemonSet: log shipper, metrics exporter, CSI node plugin, CNI)
    exists to read or change its node, and cannot do without: run it in a namespace
    of its own whose Pod Security level is `privileged`, apart from applications
    (`pod-security.kubernetes.io/enforce: privileged`), mount what it only reads
    `readOnly`, and record the exemption with its reason (a suppression). The
    message says so for the node's own directories.

Notes:
    The Restricted level's `pss-restricted-volumes` also forbids hostPath (with
    every other node- or network-backed type); its finding on the same volume is
    folded into this one. A container runtime socket (or a directory holding one)
    is `no-container-runtime-socket`'s, which says what it is: this rule's finding on
    the pod is folded into that one, as into a privileged container's (the socket
    holds the node; corpus36's cAdvisor mounts `/var/run` and, beside it, `/sys` and
    `/var/lib/docker`: one node agent's host access, one decision). In a pod that runs a privileged container the
    finding is folded into `pss-privileged`'s: that container already holds the node
    (every device, every capability), so the pod's hostPath volumes are part of one
    decision, to run a node agent, which is one finding and one exemption.
    A pod's hostPath volumes are one finding, at the first, listing the others, as Pod
    Security Admission reports one violation of `hostPathVolumes` naming every volume.
    The message names the node's path. For the node's own directories (`/var/log`,
    `/proc`, `/sys`, `/dev`, `/run`, `/var/lib/kubelet`, `/etc/cni`, the container
    runtime's, ...; not `/etc/localtime` or `/etc/ssl`, which applications borrow)
    it also gives a node agent's remedy, since emptyDir or a claim would break an
    agent whose job is the node's files (corpus26's log collectors, labelled
    debatable under the generic advice alone); so it does for the pod's other
    hostPath volumes, which are that agent's state on the node (a log shipper's
    position database beside `/var/log`), and for every hostPath of a DaemonSet, one
    pod per node by design.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, get

from . import _pss

#: The node's own directories: what node agents (log shippers, metrics exporters, CSI
#: and CNI plugins, device plugins, runtime tools) read or change. An application's data
#: directory (`/data/ldap`, `/mnt/media`) is not among them, nor are the files an
#: application borrows from the node (`/etc/localtime`, `/etc/ssl`: a `TZ` variable or
#: the image's own CA bundle does without; corpus27's app-exposer).
NODE_SYSTEM_DIRECTORIES = (
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/var/run",
    "/var/log",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/containers",
    "/var/lib/kubelet",
    "/var/lib/cni",
    "/var/lib/rancher",
    "/etc/cni",
    "/etc/kubernetes",
    "/etc/machine-id",
    "/lib/modules",
    "/usr/lib/modules",
    "/usr/src",
    "/opt/cni",
    "/boot",
)


def is_node_system_path(path: str) -> bool:
    """Whether a hostPath is the node's root or one of its own directories."""
    if not path.strip():
        return False  # no path written: nothing to say of it
    path = "/" + path.strip().strip("/")
    return path == "/" or any(path == top or path.startswith(top + "/") for top in NODE_SYSTEM_DIRECTORIES)


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    volumes = as_list(pod.get("volumes"))
    # A DaemonSet (one pod per node) and a pod that mounts the node's own directories
    # are node agents: their hostPath volumes (a log shipper's position database on
    # the node, logs under a Raspberry Pi's overlay) are that job, and emptyDir would
    # lose them (corpus36's Filebeat, corpus37's Fluent Bit).
    paths = [get(volume, "hostPath", "path") for volume in volumes]
    agent = obj.kind == "DaemonSet" or any(isinstance(path, str) and is_node_system_path(path) for path in paths)
    for index, volume in enumerate(volumes):
        if not isinstance(volume, Mapping) or volume.get("hostPath") is None:
            continue
        host_path = get(volume, "hostPath", "path")
        where = f" (the node's {host_path})" if isinstance(host_path, str) and host_path.strip() else ""
        remedy = (
            ": a node agent that needs it belongs in a namespace exempt from Pod Security Baseline, apart from "
            "applications"
            if agent
            else ""
        )
        yield Violation(
            pod.path + ("volumes", index, "hostPath"),
            f"{_pss.volume_label(volume, index)} must not use hostPath{where}{remedy}",
        )


RULE = Rule(
    name="pss-host-path-volumes",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    one_per_object=True,
    copies_fold_by_field=True,  # the message names the path; copies differ by it, not by cause
    folds_into={"no-container-runtime-socket": "pod", "pss-windows-host-process": "pod", "pss-privileged": "pod"},
    tags=("pss-baseline:hostPathVolumes",),
    profiles=("pss-baseline", "pss-restricted"),
)
