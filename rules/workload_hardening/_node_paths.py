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


#: Runtimes whose socket a group other than root may open (`root:docker 0660`): any
#: supplemental group of a pod may be that group. The others are `root:root 0660`.
GROUP_OPENED: frozenset[str] = frozenset({"Docker", "cri-dockerd", "dockershim"})

#: The order a directory's sockets are named in (the most common runtimes first).
_NAMED_FIRST: tuple[str, ...] = ("containerd", "CRI-O", "Docker")


def runtime_socket(path: Any) -> tuple[str, frozenset[str]] | None:
    """(what, runtimes) when `path` is a runtime socket or a directory holding some:
    `("the Docker socket /var/run/docker.sock", {"Docker"})`, `("/, which holds the
    containerd, CRI-O, Docker and other sockets", {...})`. None otherwise."""
    canonical = normalized(path)
    if canonical is None:
        return None
    runtime = RUNTIME_SOCKETS.get(canonical)
    if runtime is not None:
        return f"the {runtime} socket {canonical}", frozenset({runtime})
    prefix = canonical.rstrip("/") + "/"
    held = {
        name for socket, name in RUNTIME_SOCKETS.items() if socket.startswith(prefix) and _reached(canonical, socket)
    }
    if not held:
        return None
    bases = sorted({name.split(" (")[0] for name in held}, key=lambda n: (n not in _NAMED_FIRST, _rank(n), n.lower()))
    names = ", ".join(bases[:3]) + (" and other" if len(bases) > 3 else "")
    return f"{canonical}, which holds the {names} socket{'s' if len(bases) > 1 else ''}", frozenset(held)


def _reached(directory: str, socket: str) -> bool:
    """Whether a mount of `directory` reaches `socket`. `/var/run` is a symlink to
    `/run` on every current distribution (systemd's), and a symlink in a hostPath mount
    resolves inside the container: a mount of `/var` does not reach `/var/run/...`
    (corpus43's `du` exporter mounting `/var` read-only), though one of `/` reaches the
    same sockets under `/run`. Beneath `/var` only MicroK8s keeps a socket elsewhere
    (`/var/snap/microk8s`), which the manifest cannot tell: not reported."""
    if directory == "/" or not socket.startswith("/var/"):
        return True
    if socket.startswith("/var/run/"):
        return directory.startswith("/var/run")
    return directory != "/var"


# Paths a pod mounts for the node's sake (devices, kernel and runtime state, logs,
# configuration, scratch), not to keep its own data there.
NODE_OWN_PATHS: tuple[str, ...] = (
    "/dev",
    "/sys",
    "/proc",
    "/etc",
    "/run",
    "/var/run",
    "/var/log",
    "/lib",
    "/usr",
    "/boot",
    "/tmp",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/rancher",
    "/var/lib/cni",
)


def node_own_path(path: Any) -> bool:
    """Whether a hostPath is the node's own (`/`, `/var/log/app`, `/var/lib/kubelet`)
    rather than a directory that keeps a program's data (`/data/plex-config`); a
    path that is not absolute counts as the node's (nothing to say of it)."""
    canonical = normalized(path)
    if canonical is None:
        return True
    return canonical == "/" or any(canonical == p or canonical.startswith(p + "/") for p in NODE_OWN_PATHS)


def _rank(name: str) -> int:
    return _NAMED_FIRST.index(name) if name in _NAMED_FIRST else len(_NAMED_FIRST)
