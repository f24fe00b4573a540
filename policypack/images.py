"""Image references: their parts, as the container runtime reads them.

Machinery, not rule content: the rules that recognise well-known images, the rule
that judges pinning, and the offline reader of kustomize and skaffold builds
(policypack/builds.py) all read references the same way.
"""

from __future__ import annotations

from policypack.patterns import lazy_compile

#: A CPU architecture at the end of a name: an image repository built per architecture
#: (`heapster-influxdb-amd64`), or an object written once per architecture (flannel's
#: `kube-flannel-ds-amd64`, `-arm64`, ... before multi-arch images).
ARCH_SUFFIX = lazy_compile(r"[-_](?:amd64|arm64|arm|ppc64le|s390x|x86_64|aarch64)$")


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """`registry:5000/app:1.2@sha256:ab..` -> (`registry:5000/app`, `1.2`, `sha256:ab..`).
    An empty tag or digest (`app:`) counts as none."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:  # a colon before the last slash is a registry port
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag or None, digest or None


def repository_name(image: str) -> str:
    """The last path segment of the repository, without registry, tag or digest
    (`registry.k8s.io/sig-storage/livenessprobe:v2.12.0` -> `livenessprobe`): how
    rules recognise well-known images whatever registry mirrors them."""
    return split_image(image)[0].rpartition("/")[2]


#: The names of Docker Hub's registry: an image there is one of Docker Hub's.
DOCKER_HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io")


def full_name(name: str) -> str:
    """The fully qualified repository, as the container runtime resolves it:
    `nginx` and `index.docker.io/nginx` -> `docker.io/library/nginx`."""
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        if first.lower() not in DOCKER_HUB_ALIASES:
            return name
        name = rest  # a Docker Hub spelling: normalise below
    if "/" not in name:
        return f"docker.io/library/{name}"
    return f"docker.io/{name}"


__all__ = ["ARCH_SUFFIX", "DOCKER_HUB_ALIASES", "full_name", "repository_name", "split_image"]
