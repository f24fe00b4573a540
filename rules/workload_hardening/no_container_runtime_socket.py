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
    judged. Nor is a pod that runs only on Windows nodes (`spec.os.name: windows`,
    or a node selection of Windows only): its runtimes listen on named pipes, and
    a hostPath `/` there is the node's system drive, which `pss-host-path-volumes`
    reports.
    A mount of `/var` is not reported: `/var/run` is a symlink to `/run` on current
    distributions, which resolves inside the container, so it reaches no socket.
    A pod's socket volumes are one finding (corpus16's Sysdig agent mounts both `/run`
    and `/var/run`, and its node analyzer `/` and `/var/run`), at the first, listing
    the others. In a pod that runs a privileged container the finding is folded into
    `pss-privileged`'s: that container holds the node already, so the socket is one
    more part of one decision (to run a node agent), listed under it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, PodSpec, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

from ..pod_security import _pss
from ._node_paths import GROUP_OPENED, runtime_socket
from ._security_context import may_be_windows_pod


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _setting(container: Container, pod: PodSpec, key: str) -> Any:
    """A security context setting of the container, else the pod's."""
    value = container.get("securityContext", key)
    return pod.get("securityContext", key) if value is None else value


def _opens(group: Any, group_opened: bool) -> bool:
    """Whether a group may open the socket: root's group 0 any socket (`root:root
    0660`); for one a group owns (`root:docker 0660`) also any system group (below
    1000), which is where packages create the docker group."""
    if not isinstance(group, int) or isinstance(group, bool):
        return group is not None  # not a number: not known to be harmless
    return group == 0 or (group_opened and 0 < group < 1000)


def _may_reach(container: Container, pod: PodSpec, group_opened: bool) -> bool | None:
    """Whether the container's process may open the socket (mode 0660): not as a
    known non-root user whose groups (runAsGroup, fsGroup, supplementalGroups) cannot
    open it (`_opens`); None when a setting is not known yet. A node exporter that
    reads `/` as nobody (65534) does not reach the sockets under it."""
    user, group = _setting(container, pod, "runAsUser"), _setting(container, pod, "runAsGroup")
    fs_group = pod.get("securityContext", "fsGroup")
    supplemental = pod.get("securityContext", "supplementalGroups")
    if UNKNOWN in (user, group, fs_group, supplemental) or (isinstance(supplemental, list) and UNKNOWN in supplemental):
        return None
    if not _positive(user) or not _positive(group):
        return True  # root, or a group left to the image (often root's)
    return any(_opens(value, group_opened) for value in (group, fs_group, *as_list(supplemental)))


def _reached_by(obj: Resource, pod: PodSpec, name: Any, group_opened: bool) -> bool | None:
    """Whether a container that mounts the volume `name` may use a socket in it;
    None when that is not known yet."""
    verdicts = []
    for container in obj.containers():
        for mount in as_list(container.get("volumeMounts")):
            mounted = mount.get("name") if isinstance(mount, Mapping) else UNKNOWN
            if mounted is UNKNOWN:
                verdicts.append(None)
            elif mounted == name:
                verdicts.append(_may_reach(container, pod, group_opened))
    if True in verdicts:
        return True
    return None if None in verdicts else False


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or may_be_windows_pod(obj):
        return  # a Windows pod: its runtimes listen on named pipes, and `/` is a drive
    for index, volume in enumerate(as_list(pod.get("volumes"))):
        if not isinstance(volume, Mapping) or not isinstance(volume.get("hostPath"), Mapping):
            continue
        found = runtime_socket(volume["hostPath"].get("path"))
        if found is None:
            continue
        what, runtimes = found
        if _reached_by(obj, pod, volume.get("name"), bool(runtimes & GROUP_OPENED)) is not True:
            continue
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
    folds_into={"pss-privileged": "pod"},
    one_per_object=True,
    tags=("node-takeover", "host-path"),
)
