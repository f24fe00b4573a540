"""Pods and containers must run as a non-root user: runAsNonRoot: true (PSS Restricted).

Fires on a pod or container `securityContext.runAsNonRoot: false`, and on every
container, init container and ephemeral container that does not set
`runAsNonRoot: true` while the pod does not set it either, as the `runAsNonRoot`
check of Kubernetes' Pod Security Admission does. From Kubernetes 1.35, pods in
their own user namespace (`spec.hostUsers: false`) are exempt: root inside them is
an unprivileged user on the node.

Why it matters:
    `runAsNonRoot: true` makes the kubelet refuse to start a container whose user
    would be root (UID 0), whatever the image's `USER` says. Root in a container
    is root on the node's kernel: one escape or one writable host mount away from
    owning the node.

How to fix:
    Set it once for the pod, and build images that run as a numeric non-root
    user (or set `runAsUser`):

        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001

Notes:
    This is the Pod Security Standards control, exactly as Kubernetes applies it.
    A value unknown at preview time counts as true.

    Off in the default `playbook` profile, where require-run-as-non-root reports the same
    containers (and goes further); on, mandatory, in `pss-restricted` and `strict`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN

from .._fixes import set_where_found
from .._pod_level import named
from . import _pss


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or _pss.user_namespace_exempt(pod, options):
        return
    pod_value = pod.get("securityContext", "runAsNonRoot")
    if pod_value is False:
        yield Violation(
            _pss.pod_security_context_path(pod) + ("runAsNonRoot",),
            "pod must not set securityContext.runAsNonRoot=false",
        )
    # The pod's `false` is the root cause of the containers that set nothing: its finding stands for them.
    pod_covers = pod_value is True or pod_value is UNKNOWN or pod_value is False
    lacking = []
    for container in _pss.containers(obj):
        value = container.get("securityContext", "runAsNonRoot")
        path = container.path + ("securityContext", "runAsNonRoot")
        if value is False:
            yield Violation(path, f"{container.label} must not set securityContext.runAsNonRoot=false")
        elif value is None and not pod_covers:
            lacking.append(container)
    if lacking:
        # One line on the pod covers them all: at the pod when several lack it
        # (rules/_pod_level.py), where require-run-as-non-root reports the same.
        where = lacking[0].path if len(lacking) == 1 else pod.path
        yield Violation(
            where + ("securityContext", "runAsNonRoot"),
            f"pod or {named(lacking)} must set securityContext.runAsNonRoot=true",
        )


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`runAsNonRoot: true` where it was found missing or false (unsafe: an image whose
    user is root no longer starts). A `runAsUser: 0` is not changed."""
    return set_where_found(check(obj, options), obj, "runAsNonRoot", True)


RULE = Rule(
    name="pss-run-as-non-root",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.DISABLED,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    folds_into={"require-run-as-non-root": "field"},
    options=_pss.version_option(),
    tags=("pss-restricted:runAsNonRoot",),
    profiles=("pss-restricted",),
    fix=Fix(fix, Applicability.UNSAFE),
)
