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
    its finding names every container it decides.)
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
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import repository_name, split_image
from policypack.model import POD_KINDS, Container, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, is_unknown

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
        if builds_images_as_root(container):
            continue  # kaniko unpacks image filesystems into its own root: it must be root
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
    folds_into={"pss-privileged": "container"},
)
