"""Pods and containers do not turn seccomp off (PSS Baseline).

From Kubernetes 1.19, fires on a pod or container `securityContext.seccompProfile`
whose `type` is not `RuntimeDefault` or `Localhost` (that is, `Unconfined`).
Before 1.19, when seccomp was set by annotations, fires on a
`seccomp.security.alpha.kubernetes.io/pod` or
`container.seccomp.security.alpha.kubernetes.io/<container>` annotation whose value
is not `runtime/default`, `docker/default` or `localhost/<profile>`. Leaving seccomp
unset passes. This is the `seccompProfile_baseline` check of Kubernetes' Pod Security
Admission, version by version.

Why it matters:
    Seccomp filters the system calls a container may make; the runtime's default
    profile blocks the ones behind most container escapes (unshare, keyctl,
    bpf, ptrace on old kernels). `Unconfined` hands the whole kernel surface to
    the container.

How to fix:
    Remove the `Unconfined` profile, or ask for the runtime's default:

        securityContext:
          seccompProfile:
            type: RuntimeDefault

Notes:
    Set `kubernetesVersion` to the cluster's version: before 1.19 Kubernetes
    judges the annotations and ignores the fields, from 1.19 the reverse. In the
    Restricted level from 1.19, `pss-seccomp-restricted` takes this control's place
    in Kubernetes; it forbids everything this rule does (except on Windows pods,
    which may not set seccomp at all).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN

from . import _pss

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"


def _allowed_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def _annotations(obj: Resource) -> Iterator[Violation]:
    annotations, path = _pss.pod_annotations(obj)
    keys = [POD_ANNOTATION]
    keys += [CONTAINER_ANNOTATION_PREFIX + c.name for c in _pss.containers(obj) if isinstance(c.name, str)]
    for key in sorted(set(keys)):
        value = annotations.get(key)
        if isinstance(value, str) and not _allowed_annotation(value):
            yield Violation(path + (key,), f"annotation {key} must not set seccomp profile {_pss.quote(value)}")


def _fields(obj: Resource) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    kind = _pss.profile_type(pod.get("securityContext"), "seccompProfile")
    if kind is not None and kind is not UNKNOWN and not _pss.valid_seccomp_type(kind):
        yield Violation(
            _pss.pod_security_context_path(pod) + ("seccompProfile", "type"),
            f"pod must not set securityContext.seccompProfile.type to {_pss.quote(kind)}",
        )
    for container in _pss.containers(obj):
        kind = _pss.profile_type(_pss.security_context(container), "seccompProfile")
        if kind is not None and kind is not UNKNOWN and not _pss.valid_seccomp_type(kind):
            yield Violation(
                container.path + ("securityContext", "seccompProfile", "type"),
                f"{container.label} must not set securityContext.seccompProfile.type to {_pss.quote(kind)}",
            )


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.pod_spec is None:
        return
    yield from (_fields(obj) if _pss.at_least(options, 19) else _annotations(obj))


RULE = Rule(
    name="pss-seccomp-baseline",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options=_pss.version_option(),
    tags=("pss-baseline:seccompProfile_baseline",),
    profiles=("pss-baseline", "pss-restricted"),
)
