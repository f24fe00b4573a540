"""Pods and containers do not turn AppArmor off or pick an arbitrary profile (PSS Baseline).

Fires on a pod or container `securityContext.appArmorProfile` whose `type` is not
`RuntimeDefault` or `Localhost` (so `Unconfined`, or a profile without a type), and
on every `container.apparmor.security.beta.kubernetes.io/<container>` annotation of
the pod whose value is not empty, `runtime/default` or `localhost/<profile>` (so
`unconfined`), as the `appArmorProfile` check of Kubernetes' Pod Security Admission
does. For a workload, the annotations are those of its pod template.

Why it matters:
    AppArmor confines what a container may do even as root: mounts, raw sockets,
    writes under /proc and /sys. `unconfined` removes that layer, which is what
    container-escape exploits count on.

How to fix:
    Leave the profile unset (the runtime's default applies), or ask for it
    explicitly:

        securityContext:
          appArmorProfile:
            type: RuntimeDefault

    A custom profile loaded on the nodes is `type: Localhost` with
    `localhostProfile: <name>`.

Notes:
    The `securityContext.appArmorProfile` fields exist from Kubernetes 1.30 and the
    annotations are deprecated since; Pod Security Admission checks both at every
    version, and so does this rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, Path

from . import _pss

ALLOWED_TYPES = frozenset({"RuntimeDefault", "Localhost"})
ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def _bad_type(security_context: Any) -> Any:
    """The forbidden profile type a security context sets ("" for a profile without
    one), or None when it sets none, an allowed one, or one not known yet."""
    kind = _pss.profile_type(security_context, "appArmorProfile")
    if kind is None or kind is UNKNOWN or (isinstance(kind, str) and kind in ALLOWED_TYPES):
        return None
    return kind


def _allowed_annotation(value: str) -> bool:
    return value in ("", "runtime/default") or value.startswith("localhost/")


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    path: Path
    bad = _bad_type(pod.get("securityContext"))
    if bad is not None:
        path = _pss.pod_security_context_path(pod) + ("appArmorProfile", "type")
        yield Violation(path, f"pod must not set AppArmor profile type to {_pss.quote(bad)}")
    for container in _pss.containers(obj):
        bad = _bad_type(_pss.security_context(container))
        if bad is not None:
            path = container.path + ("securityContext", "appArmorProfile", "type")
            yield Violation(path, f"{container.label} must not set AppArmor profile type to {_pss.quote(bad)}")
    annotations, annotations_path = _pss.pod_annotations(obj)
    for key in sorted(k for k in annotations if isinstance(k, str) and k.startswith(ANNOTATION_PREFIX)):
        value = annotations[key]
        if isinstance(value, str) and not _allowed_annotation(value):
            yield Violation(
                annotations_path + (key,),
                f"annotation {key} must not set AppArmor profile {_pss.quote(value)}",
            )


RULE = Rule(
    name="pss-apparmor",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    tags=("pss-baseline:appArmorProfile",),
    profiles=("pss-baseline", "pss-restricted"),
)
