"""Pods do not mount the node's container runtime socket.

Fires on every hostPath volume of a pod (or of a workload's pod template, including
those of custom resources) whose path is a container runtime's API socket (Docker,
cri-dockerd, containerd, k3s' and MicroK8s' containerd, CRI-O, Podman, under /run or
/var/run) or a directory that holds one (`/`, `/run`, `/var/run`,
`/run/containerd`, ...). The path is compared after normalisation (`//`, trailing
`/`, `.` and `..`).

Why it matters:
    The runtime's socket is its unauthenticated API: whoever can write to it starts
    a privileged container with the node's root file system mounted, or execs into
    any container on the node, whatever the pod's own security context says. A pod
    that mounts it is a node takeover waiting for one compromised process, and with
    it every Secret and service account token of every pod on that node.

How to fix:
    Do not give workloads the runtime socket. Build images with a rootless builder
    (BuildKit rootless, kaniko, buildah) instead of Docker-in-Docker; read container
    metadata through the kubelet or the CRI's read-only endpoints, or from a node
    agent your platform team owns and isolates on dedicated nodes:

        volumes:
          - name: build-cache
            emptyDir: {}

Notes:
    `pss-host-path-volumes` (and `pss-restricted-volumes`) report the same volume as
    a hostPath; when this rule fires, their findings on that volume are folded into
    this one. A path, a mount or a user not known yet (Pulumi preview) is not
    judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, PodSpec, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

from ..pod_security import _pss
from ._node_paths import runtime_socket


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _setting(container: Container, pod: PodSpec, key: str) -> Any:
    """A security context setting of the container, else the pod's."""
    value = container.get("securityContext", key)
    return pod.get("securityContext", key) if value is None else value


def _may_reach(container: Container, pod: PodSpec) -> bool | None:
    """Whether the container's process may open a root-owned socket (mode 0660, owned
    by root or by the runtime's group): False only when it runs as a known non-root
    user and group and the pod adds no supplemental group (fsGroup or
    supplementalGroups, either of which may be the runtime's group); None when a
    setting is not known yet."""
    user, group = _setting(container, pod, "runAsUser"), _setting(container, pod, "runAsGroup")
    extra = [pod.get("securityContext", "fsGroup"), pod.get("securityContext", "supplementalGroups")]
    if UNKNOWN in (user, group, *extra):
        return None
    return not (_positive(user) and _positive(group) and all(value in (None, []) for value in extra))


def _reached_by(obj: Resource, pod: PodSpec, name: Any) -> bool | None:
    """Whether a container that mounts the volume `name` may use a socket in it;
    None when that is not known yet."""
    verdicts = []
    for container in obj.containers():
        for mount in as_list(container.get("volumeMounts")):
            mounted = mount.get("name") if isinstance(mount, Mapping) else UNKNOWN
            if mounted is UNKNOWN:
                verdicts.append(None)
            elif mounted == name:
                verdicts.append(_may_reach(container, pod))
    if True in verdicts:
        return True
    return None if None in verdicts else False


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    for index, volume in enumerate(as_list(pod.get("volumes"))):
        if not isinstance(volume, Mapping) or not isinstance(volume.get("hostPath"), Mapping):
            continue
        found = runtime_socket(volume["hostPath"].get("path"))
        if found is None or _reached_by(obj, pod, volume.get("name")) is not True:
            continue
        what, _ = found
        yield Violation(
            pod.path + ("volumes", index, "hostPath", "path"),
            f"{_pss.volume_label(volume, index)} mounts {what} from the node: whoever runs in this pod "
            "controls every container on the node (node takeover)",
        )


RULE = Rule(
    name="no-container-runtime-socket",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    tags=("node-takeover", "host-path"),
)
