"""Every container runs under a seccomp profile: RuntimeDefault or Localhost (PSS Restricted).

From Kubernetes 1.19, fires on a pod or container `securityContext.seccompProfile`
whose `type` is not `RuntimeDefault` or `Localhost`, and on every container, init
container and ephemeral container that sets no profile while the pod sets no valid
one either, as the `seccompProfile_restricted` check of Kubernetes' Pod Security
Admission does. From 1.25, Windows pods (`spec.os.name: windows`) are exempt. Before
1.19 the Restricted level judges seccomp by the Baseline control only
(`pss-seccomp-baseline`), and this rule is silent.

Why it matters:
    Without a profile, containers run with seccomp off (`Unconfined`) unless the
    kubelet's `--seccomp-default` is set, which clusters rarely guarantee. The
    runtime's default profile blocks the system calls behind most container
    escapes at almost no cost.

How to fix:
    Set it once for the whole pod:

        spec:
          securityContext:
            seccompProfile:
              type: RuntimeDefault

Notes:
    A profile unknown at preview time counts as a valid one. When the pod sets no
    profile and several containers set none either, that is one root cause (one
    profile on the pod fixes them all): it is reported once, at the pod, naming the
    containers, as Pod Security admission words it. A privileged container keeps its
    own finding, which folds into `pss-privileged`'s.

    A pod that still sets seccomp by the annotations of Kubernetes before 1.19
    (`seccomp.security.alpha.kubernetes.io/pod`) is judged by its fields, as
    admission judges it; the message says the annotation is ignored (kubelets stopped
    reading it in 1.25).
    A pod that runs only on Windows nodes (by `nodeSelector` or node affinity) but
    does not set `spec.os.name: windows` is judged as admission judges it, as a Linux
    pod; with `require-windows-pod-os` enabled its finding folds into that rule's,
    whose fix (declaring the OS) is the one that applies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN

from .._fixes import value_at, writable
from .._pod_level import named
from . import _pss
from .pss_seccomp_baseline import CONTAINER_ANNOTATION_PREFIX, POD_ANNOTATION


def _privileged(container: Container) -> bool:
    """Privileged, or perhaps (a value unknown during preview): such a container keeps
    its own finding, so that one unknown never moves another container's finding."""
    context = _pss.security_context(container)
    if context is UNKNOWN:
        return True
    return isinstance(context, Mapping) and context.get("privileged") in (True, UNKNOWN)


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or not _pss.at_least(options, 19) or _pss.windows_exempt(pod, options):
        return
    pod_type = _pss.profile_type(pod.get("securityContext"), "seccompProfile")
    # A valid (or not yet known) pod-level profile covers containers that set none.
    pod_covers = pod_type is UNKNOWN or _pss.valid_seccomp_type(pod_type)
    if pod_type is not None and not pod_covers:
        yield Violation(
            _pss.pod_security_context_path(pod) + ("seccompProfile", "type"),
            f"pod must not set securityContext.seccompProfile.type to {_pss.quote(pod_type)}",
        )
    lacking = []
    for container in _pss.containers(obj):
        kind = _pss.profile_type(_pss.security_context(container), "seccompProfile")
        path = container.path + ("securityContext", "seccompProfile", "type")
        if kind is None:
            if pod_covers:
                continue
            if _privileged(container):
                # Its own root cause: this finding folds into pss-privileged's.
                yield Violation(
                    path,
                    f"pod or {container.label} must set securityContext.seccompProfile.type to "
                    '"RuntimeDefault" or "Localhost"',
                )
            else:
                lacking.append(container)
        elif kind is not UNKNOWN and not _pss.valid_seccomp_type(kind):
            yield Violation(
                path, f"{container.label} must not set securityContext.seccompProfile.type to {_pss.quote(kind)}"
            )
    if lacking:
        # One profile on the pod covers them all: one finding, at the pod when several lack it.
        one = len(lacking) == 1
        where = lacking[0].path if one else pod.path
        yield Violation(
            where + ("securityContext", "seccompProfile", "type"),
            f'pod or {named(lacking)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
            + _legacy_annotation_note(obj),
        )


def _legacy_annotation_note(obj: Resource) -> str:
    """What the message adds when the pod sets seccomp by its old annotations, which
    the kubelet no longer reads from Kubernetes 1.25 (corpus46's fluentd DaemonSet:
    a reader took the finding for a mistake)."""
    annotations, _ = _pss.pod_annotations(obj)
    legacy = [
        key
        for key in annotations
        if isinstance(key, str) and (key == POD_ANNOTATION or key.startswith(CONTAINER_ANNOTATION_PREFIX))
    ]
    if not legacy:
        return ""
    return f" (its {legacy[0]} annotation is ignored: kubelets stopped reading seccomp annotations in 1.25)"


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`seccompProfile: {type: RuntimeDefault}` on the pod when containers were found
    without a profile and the pod sets none; a profile someone wrote (`Unconfined`)
    is a decision the fix leaves alone."""
    pod = obj.pod_spec
    if pod is None:
        return
    path = _pss.pod_security_context_path(pod) + ("seccompProfile",)
    if value_at(obj, path) is not None or not writable(obj, path):
        return
    # The pod sets no profile (else we returned above): any container found without one wants it.
    if any(value_at(obj, v.path[:-1]) is None for v in check(obj, options)):
        yield Change(path, {"type": "RuntimeDefault"})


RULE = Rule(
    name="pss-seccomp-restricted",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    folds_into={"pss-privileged": "container", "pss-seccomp-baseline": "field", "require-windows-pod-os": "pod"},
    options=_pss.version_option(),
    tags=("pss-restricted:seccompProfile_restricted",),
    profiles=("pss-restricted",),
    fix=Fix(fix, Applicability.SAFE),
)
