"""Containers run as a non-root user.

Checks every container, init container and ephemeral container of every pod-bearing
object. A container passes when its effective `runAsNonRoot` is `true` or its
effective `runAsUser` is above 0; both are read from the container's
`securityContext` first and inherited from the pod's `securityContext` when the
container leaves them out. An effective `runAsUser: 0` fails even with
`runAsNonRoot: true`, and the message then says the kubelet refuses to start the
container (corpus18: an init container's `runAsUser: 0` to `chown` a volume, under a
pod's `runAsNonRoot: true`, so the pod never starts). Pods that declare
`spec.os.name: windows`, or that select only Windows nodes (`nodeSelector:
{kubernetes.io/os: windows}`, or a required node affinity), are not judged.

Why it matters:
    Root in a container is root on the node as soon as anything else goes wrong: a
    kernel bug, a writable hostPath, an added capability. Most images run as root
    unless told otherwise, and `runAsNonRoot: true` makes the kubelet refuse one that
    would.

How to fix:
    Set it once for the pod, and give a UID when the image has no non-root USER:

        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001

Notes:
    On a privileged container the finding folds into `pss-privileged`'s (one
    decision: a container that acts on the node, as root), also when neither it nor
    the pod says anything of the user and the pod has other such containers: the
    privileged one's finding stands at its container, and the pod's names the others.
    (A pod's `runAsUser: 0` or `runAsNonRoot: false` is one setting of the pod, and
    its finding names every container it decides.) In a DaemonSet that mounts a
    hostPath volume read-write it folds into `pss-host-path-volumes`'s: a node agent
    writing the node's directories (corpus39's flannel, which must run as root) is one
    decision with the host access it is given. One that only reads them (a node
    exporter, which runs as nobody) is told on its own.
    A verdict that comes from the pod (its `runAsUser: 0`, its `runAsNonRoot:
    false`, or several containers with nothing said by them or the pod) is one root
    cause and one finding, at the pod, naming the containers.
    Going beyond the Restricted profile, which only asks for `runAsNonRoot`, a
    non-zero `runAsUser` alone is accepted as well, since it decides the user
    whatever the image says (turn `acceptRunAsUser` off to require `runAsNonRoot`).
    A value unknown during preview is given the benefit of the doubt.
    A pod of a kind only OpenShift serves (a Template's, a DeploymentConfig's) that
    says nothing of its user is not judged: OpenShift's restricted SCC runs it as a
    UID from the namespace's range, unless its account is granted more, which the
    manifest does not show (corpus27's openshift/release and thoth; a reviewer of
    corpus25 held the same of a chart rendered for OpenShift). Its `runAsUser: 0` or
    `runAsNonRoot: false` is still reported.
    kaniko's executor (`gcr.io/kaniko-project/executor`, or an image named
    `kaniko`) is not judged: it builds images by unpacking their filesystems over
    its own root, and must run as root (corpus33); run such builds on nodes or in a
    sandbox (gVisor, Kata) kept for them, or use rootless BuildKit. During a preview,
    a container whose image is not known yet may be kaniko's, and is judged once it is.
    Nor is a container whose only job is to change the owner or mode of the node's
    directories it mounts (`sh -c "chown -R 1000:1000 /var/log/ditto"` on a hostPath
    volume, with perhaps a `mkdir` or an `echo`): that needs root, and `fsGroup` does
    nothing for hostPath (corpus33's Ditto). The hostPath volume is
    `pss-host-path-volumes`' finding. A chown of a claim is judged: `fsGroup` does it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import repository_name, split_image
from policypack.model import POD_KINDS, Container, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list, is_unknown

from .._fixes import set_where_found
from .._pod_level import named
from ._security_context import may_be_windows_pod, openshift_object


def effective(container: Container, pod_context: Any, name: str) -> tuple[Any, bool]:
    """The value the container runs with, and whether it comes from the container."""
    own = container.get("securityContext", name)
    if own is not None:
        return own, True
    if isinstance(pod_context, Mapping) or pod_context is UNKNOWN:
        return (UNKNOWN if pod_context is UNKNOWN else pod_context.get(name)), False
    return None, False


def is_uid(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def wanted_of(accept_user: bool) -> str:
    return "runAsNonRoot: true or a runAsUser above 0" if accept_user else "runAsNonRoot: true"


def builds_images_as_root(container: Container) -> bool:
    """kaniko's executor (`gcr.io/kaniko-project/executor`, a `.../kaniko` build of
    it): it unpacks each base image's filesystem over its own root, and its
    documentation says it must run as root (corpus33's kaniko examples: false). An
    image not known yet (preview) may be it: unknown fires nothing."""
    image = container.get("image")
    if is_unknown(image):
        return True
    if not isinstance(image, str):
        return False
    name = split_image(image)[0]
    return name.endswith("kaniko-project/executor") or repository_name(image) == "kaniko"


# Programs a permission fixer runs: what it changes (chown, chmod, chgrp), and what it
# may run beside them (make the directory, say what it did).
_OWNERSHIP_PROGRAMS = frozenset({"chown", "chmod", "chgrp"})
_BESIDE_PROGRAMS = frozenset({"mkdir", "echo", "true", "ls"})
_SHELLS = frozenset({"sh", "bash", "ash", "dash"})
_SEPARATORS = lazy_compile(r"\s*(?:&&|\|\||;|\n)\s*")


def owns_host_directories(obj: Resource, container: Container) -> bool:
    """A container whose only job is to change the owner or mode of directories of the
    node (`chown -R 1000:1000 /var/log/ditto` on a hostPath mount, and maybe a `mkdir`
    or an `echo`): changing another user's files needs root, and `fsGroup` does
    nothing for a hostPath volume, so the advice cannot be followed (corpus33's Ditto
    log directory: false). A chown of a claim's directory is still judged: `fsGroup`
    does that job without root."""
    words = container.command_line()
    if words is None:
        # Its command is not known yet (preview): with a hostPath mount, it may be one.
        mounts = _host_path_mounts(obj, container)
        return mounts is None or bool(mounts)
    if not words or not all(isinstance(word, str) for word in words):
        return False
    if words[0].rsplit("/", 1)[-1] in _SHELLS and len(words) >= 3 and words[1] == "-c":
        line = " ".join(words[2:])
    else:
        line = " ".join(words)
    host_mounts = _host_path_mounts(obj, container)
    changed = False
    for segment in _SEPARATORS.split(line.strip()):
        parts = segment.split()
        if not parts:
            continue
        program = parts[0].rsplit("/", 1)[-1]
        if program in _OWNERSHIP_PROGRAMS:
            paths = [part for part in parts[1:] if part.startswith("/")]
            if host_mounts is None:
                changed = True  # which volumes it mounts is not known yet: it may be the node's
                continue
            if not paths or not all(_under(path, host_mounts) for path in paths):
                return False
            changed = True
        elif program not in _BESIDE_PROGRAMS:
            return False
    return changed


def _host_path_mounts(obj: Resource, container: Container) -> list[str] | None:
    """Where the container mounts the pod's hostPath volumes; None when the volumes or
    the mounts are not known yet (preview)."""
    pod = obj.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    mounts = container.get("volumeMounts")
    if is_unknown(volumes) or is_unknown(mounts) or any(is_unknown(v) for v in as_list(volumes) + as_list(mounts)):
        return None
    host = set()
    for volume in as_list(volumes):
        if not isinstance(volume, Mapping):
            continue
        if is_unknown(volume.get("name")) or is_unknown(volume.get("hostPath")):
            return None
        if isinstance(volume.get("name"), str) and isinstance(volume.get("hostPath"), Mapping):
            host.add(volume["name"])
    found = []
    for mount in as_list(mounts):
        if not isinstance(mount, Mapping):
            continue
        name, path = mount.get("name"), mount.get("mountPath")
        if is_unknown(name) or is_unknown(path):
            return None
        if isinstance(name, str) and name in host and isinstance(path, str):
            found.append(path.rstrip("/") or "/")
    return found


def _under(path: str, mounts: list[str]) -> bool:
    path = path.rstrip("/") or "/"
    return any(path == mount or path.startswith(mount + "/") or mount == "/" for mount in mounts)


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or may_be_windows_pod(obj):
        return
    pod_context = pod.get("securityContext")
    accept_user = options["acceptRunAsUser"] is True
    also = " and no runAsUser above 0" if accept_user else ""
    # Containers whose verdict comes from the pod (its runAsUser: 0, its runAsNonRoot:
    # false, or nothing said anywhere): one root cause, one finding (rules/_pod_level.py).
    from_pod: dict[str, list[Container]] = {"root": [], "false": [], "unset": []}
    for container in obj.containers():
        if builds_images_as_root(container) or owns_host_directories(obj, container):
            continue  # kaniko, or a chown of the node's directories: the job needs root
        user, own_user = effective(container, pod_context, "runAsUser")
        non_root, own_non_root = effective(container, pod_context, "runAsNonRoot")
        if user is UNKNOWN:
            continue
        if is_uid(user) and user == 0:
            if not own_user:
                from_pod["root"].append(container)
                continue
            refused = (
                ", while runAsNonRoot is true: the kubelet refuses to start it (CreateContainerConfigError)"
                if non_root is True
                else ""
            )
            yield Violation(
                container.path + ("securityContext", "runAsUser"),
                f"{container.label} runs as root: runAsUser is 0 in its securityContext{refused}",
            )
            continue
        if (is_uid(user) and user > 0 and accept_user) or non_root is True or non_root is UNKNOWN:
            continue
        if non_root is False and own_non_root:
            yield Violation(
                container.path + ("securityContext", "runAsNonRoot"),
                f"{container.label} may run as root: runAsNonRoot is false in its securityContext{also}",
            )
        else:
            from_pod["false" if non_root is False else "unset"].append(container)
    if from_pod["unset"] and openshift_object(obj):
        from_pod["unset"] = []  # OpenShift's restricted SCC gives them a UID of the namespace's range
    # A privileged container's user is part of the decision `pss-privileged` reports:
    # its finding stands at the container, where it folds into that one, and the pod's
    # finding names the others (corpus27's act-runner beside its privileged dind).
    # (One whose `privileged` is not known yet may be so: it stands alone too.)
    privileged = [c for c in from_pod["unset"] if c.get("securityContext", "privileged") in (True, UNKNOWN)]
    if privileged and len(from_pod["unset"]) > 1:
        from_pod["unset"] = [c for c in from_pod["unset"] if c not in privileged]
        for container in privileged:
            yield Violation(
                container.path + ("securityContext", "runAsNonRoot"),
                f"{container.label} may run as root: neither it nor the pod sets {wanted_of(accept_user)}",
            )
    if from_pod["root"]:
        found = from_pod["root"]
        verb = "runs" if len(found) == 1 else "run"
        non_root = pod_context.get("runAsNonRoot") if isinstance(pod_context, Mapping) else None
        refused = ", while runAsNonRoot is true: the kubelet refuses to start them" if non_root is True else ""
        yield Violation(
            pod.path + ("securityContext", "runAsUser"),
            f"{named(found)} {verb} as root: runAsUser is 0 in the pod's securityContext{refused}",
        )
    if from_pod["false"]:
        found = from_pod["false"]
        yield Violation(
            pod.path + ("securityContext", "runAsNonRoot"),
            f"{named(found)} may run as root: runAsNonRoot is false in the pod's securityContext{also}",
        )
    if from_pod["unset"]:
        # `runAsNonRoot: true` on the pod covers them all: at the pod when several lack it.
        found = from_pod["unset"]
        one = len(found) == 1
        where = found[0].path if one else pod.path
        wanted = wanted_of(accept_user)
        said = "neither it nor the pod sets" if one else "neither they nor the pod set"
        yield Violation(where + ("securityContext", "runAsNonRoot"), f"{named(found)} may run as root: {said} {wanted}")


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`runAsNonRoot: true` where it was found missing or false (unsafe: an image whose
    user is root no longer starts). A `runAsUser: 0` is not changed."""
    return set_where_found(check(obj, options), obj, "runAsNonRoot", True)


RULE = Rule(
    name="require-run-as-non-root",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={
        "acceptRunAsUser": {
            "type": "boolean",
            "default": True,
            "description": "Accept a non-zero `runAsUser` (container or pod) without `runAsNonRoot: true`.",
        }
    },
    tags=("cis-5.2.7", "nsa-hardening", "security-context"),
    fix=Fix(fix, Applicability.UNSAFE),
    # A privileged container is there to act on the node as root (Tekton's sysctl
    # DaemonSet, corpus19): its user is part of that one decision, reported with it.
    folds_into={"pss-privileged": "container", "pss-host-path-volumes": "node-agent-writes"},
)
