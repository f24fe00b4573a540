"""A container that must run as non-root names its user when its image runs as root.

Fires on a container whose effective `runAsNonRoot` is `true` (its own
`securityContext`, or the pod's) while no `runAsUser` is set (neither its own nor the
pod's), when its image is a Docker Official Image whose Dockerfile sets no `USER`, so
that it runs as root: `postgres`, `mysql`, `mariadb`, `mongo`, `redis`, `nginx`,
`httpd`, `traefik`, `caddy`, `registry`, `rabbitmq`, `cassandra`, `couchdb`,
`wordpress`, `nextcloud`, `ghost`, the language runtimes (`node`, `python`, `golang`,
`ruby`, `php`, `openjdk`, `eclipse-temurin`) and base images (`alpine`, `busybox`,
`ubuntu`, `debian`, `centos`, `fedora`, `amazonlinux`, `rockylinux`, `almalinux`),
pulled by its bare name, as `library/<name>` or from any of Docker Hub's registry
names (`docker.io`, `registry-1.docker.io`).

Why it matters:
    With `runAsNonRoot: true`, the kubelet checks the user the container would run as
    before it starts it. The image's own user is root, so it refuses:
    `Error: container has runAsNonRoot and image will run as root`, and the pod
    stays in `CreateContainerConfigError`. Nothing fails at apply time; the rollout
    hangs, or a database never comes up (corpus45's Postgres StatefulSet with
    `runAsNonRoot: true` on `postgres:17-alpine`).

How to fix:
    Give the user the image's program runs as, which the entrypoint would otherwise
    switch to after starting as root (for the official Postgres image, `postgres`:
    UID 999 on Debian tags, 70 on Alpine tags), and a group that may write its data:

        securityContext:
          runAsNonRoot: true
          runAsUser: 999
          runAsGroup: 999
          fsGroup: 999

    or use a variant built to run unprivileged (`nginxinc/nginx-unprivileged`,
    Bitnami's images), whose USER is a numeric non-root UID.

Notes:
    Only official images whose user the pack knows are judged: their Dockerfiles set
    no `USER` in any tag. An image of another repository (a project's own build,
    Bitnami's, Grafana's) may set a numeric non-root `USER` and is not judged, nor is
    an image not known yet (preview). OpenShift objects (a DeploymentConfig, a
    Template's pods) are not judged: OpenShift's restricted SCC assigns a UID. Pods
    that declare or select Windows are not judged. Offline, a `securityContext` a
    kustomize patch of the run writes decides, which the file does not show: not
    judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import full_name, split_image
from policypack.model import POD_KINDS, Container, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_unknown

from ..workload_hardening._security_context import may_be_windows_pod, openshift_object
from ..workload_hardening.require_run_as_non_root import effective

#: Docker Official Images whose Dockerfiles set no USER in any tag: they start as
#: root (the databases' entrypoints then switch to their own user with gosu).
RUNS_AS_ROOT = frozenset(
    {
        # databases, queues and caches
        "postgres",
        "mysql",
        "mariadb",
        "mongo",
        "redis",
        "rabbitmq",
        "cassandra",
        "couchdb",
        # web servers and proxies
        "nginx",
        "httpd",
        "traefik",
        "caddy",
        "registry",
        # language runtimes
        "node",
        "python",
        "golang",
        "ruby",
        "php",
        "openjdk",
        "eclipse-temurin",
        # base images
        "alpine",
        "busybox",
        "ubuntu",
        "debian",
        "centos",
        "fedora",
        "amazonlinux",
        "rockylinux",
        "almalinux",
        # applications
        "wordpress",
        "nextcloud",
        "ghost",
    }
)


def official_root_image(image: str) -> str | None:
    """The official image's name when `image` is one that runs as root (by its bare
    name, as `library/<name>` or from any of Docker Hub's registry names), else None."""
    repository = full_name(split_image(image.strip())[0])
    name = repository.removeprefix("docker.io/library/")
    return name if name != repository and name in RUNS_AS_ROOT else None


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or obj.is_custom_resource or openshift_object(obj) or may_be_windows_pod(obj):
        return
    pod_context = pod.get("securityContext")
    if is_unknown(pod_context) or obj.patched(*pod.path, "securityContext"):
        return
    container: Container
    for container in obj.containers():
        if obj.patched(*container.path, "securityContext"):
            continue  # an overlay's patch decides the user as deployed
        non_root, _ = effective(container, pod_context, "runAsNonRoot")
        user, _ = effective(container, pod_context, "runAsUser")
        image = container.get("image")
        if non_root is not True or user is not None or not isinstance(image, str):
            continue
        name = official_root_image(image)
        if name is None:
            continue
        yield Violation(
            container.path + ("securityContext",),
            f"{container.label} must run as non-root (runAsNonRoot: true) but sets no runAsUser, and its image "
            f'"{image.strip()}" runs as root (the official {name} image sets no USER): the kubelet refuses to '
            "start it (container has runAsNonRoot and image will run as root)",
        )


RULE = Rule(
    name="non-root-image-runs-as-root",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="application-delivery",
    kinds=set(POD_KINDS),
    check=check,
    profiles=("correctness",),
)
