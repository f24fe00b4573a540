"""Node paths whose mount hands the node over (shared by the hostPath rules).

Not a rule (it defines no `RULE`). A container runtime's API socket lets whoever can
write to it start a privileged container on the node, or exec into any container of
it: mounting the socket, or a directory that holds one, is node takeover whatever
the pod's security context says.
"""

from __future__ import annotations

import posixpath
from typing import Any

#: The API sockets of the container runtimes kubelet and node agents use.
RUNTIME_SOCKETS: dict[str, str] = {
    "/var/run/docker.sock": "Docker",
    "/run/docker.sock": "Docker",
    "/var/run/cri-dockerd.sock": "cri-dockerd",
    "/run/cri-dockerd.sock": "cri-dockerd",
    "/var/run/dockershim.sock": "dockershim",
    "/run/dockershim.sock": "dockershim",
    "/var/run/containerd/containerd.sock": "containerd",
    "/run/containerd/containerd.sock": "containerd",
    "/run/k3s/containerd/containerd.sock": "containerd (k3s)",
    "/var/snap/microk8s/common/run/containerd.sock": "containerd (MicroK8s)",
    "/var/run/crio/crio.sock": "CRI-O",
    "/run/crio/crio.sock": "CRI-O",
    "/var/run/podman/podman.sock": "Podman",
    "/run/podman/podman.sock": "Podman",
}


def normalized(path: Any) -> str | None:
    """An absolute hostPath as a canonical path (`/var/run//docker.sock/` ->
    `/var/run/docker.sock`); None for anything else (unknown, relative, not a string)."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    return posixpath.normpath(path).replace("//", "/")


def runtime_socket(path: Any) -> tuple[str, str] | None:
    """(what, runtime) when `path` is a runtime socket or a directory holding one:
    `("the Docker socket /var/run/docker.sock", "Docker")`, `("/var/run, which holds
    the Docker, ... sockets", ...)`. None otherwise."""
    canonical = normalized(path)
    if canonical is None:
        return None
    runtime = RUNTIME_SOCKETS.get(canonical)
    if runtime is not None:
        return f"the {runtime} socket {canonical}", runtime
    prefix = canonical.rstrip("/") + "/"
    held = sorted({name for socket, name in RUNTIME_SOCKETS.items() if socket.startswith(prefix)})
    if held:
        names = ", ".join(held[:3]) + (" and other" if len(held) > 3 else "")
        return f"{canonical}, which holds the {names} socket{'s' if len(held) > 1 else ''}", held[0]
    return None
