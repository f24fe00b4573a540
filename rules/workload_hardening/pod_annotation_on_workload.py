"""Annotations that only a pod reads are written on the pod template, not the workload.

Fires on a Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
Job or CronJob whose own `metadata.annotations` carry an annotation that Kubernetes
(or the cluster autoscaler) reads only from pods, when the pod template does not
carry it too:

- AppArmor's `container.apparmor.security.beta.kubernetes.io/<container>`;
- seccomp's annotations from before `seccompProfile`
  (`seccomp.security.alpha.kubernetes.io/pod`,
  `container.seccomp.security.alpha.kubernetes.io/<container>`);
- `kubectl.kubernetes.io/default-container`;
- `cluster-autoscaler.kubernetes.io/safe-to-evict` and Karpenter's
  `karpenter.sh/do-not-disrupt`;
- Istio's `sidecar.istio.io/inject`.

Why it matters:
    Nothing copies a workload's annotations to its pods. An AppArmor profile written
    on the Deployment confines no container: the team believes the pods run under
    it, and they run unconfined. The other annotations silently do nothing in the
    same way (a pod the autoscaler should not evict is evicted).

How to fix:
    Move the annotation to the pod template:

        spec:
          template:
            metadata:
              annotations:
                container.apparmor.security.beta.kubernetes.io/web: runtime/default

Notes:
    The fix copies the annotation into the pod template (unsafe: a profile that now
    applies may deny what the program does). A value not known yet (preview) is given
    the benefit of the doubt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_unknown

WORKLOAD_KINDS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}
)
POD_ONLY_PREFIXES = (
    "container.apparmor.security.beta.kubernetes.io/",
    "container.seccomp.security.alpha.kubernetes.io/",
)
POD_ONLY_KEYS = frozenset(
    {
        "seccomp.security.alpha.kubernetes.io/pod",
        "kubectl.kubernetes.io/default-container",
        "cluster-autoscaler.kubernetes.io/safe-to-evict",
        "karpenter.sh/do-not-disrupt",
        "sidecar.istio.io/inject",
    }
)


def _misplaced(obj: Resource) -> list[str]:
    """The pod-only annotations on the workload that its pod template lacks."""
    if obj.kind not in WORKLOAD_KINDS or obj.is_custom_resource:
        return []
    own = obj.get("metadata", "annotations")
    path = obj.pod_metadata_path
    if not isinstance(own, Mapping) or path is None:
        return []
    template = obj.get(*path, "annotations")
    if is_unknown(template) or (template is not None and not isinstance(template, Mapping)):
        return []
    template = template or {}
    return [
        key
        for key in own
        if isinstance(key, str)
        and (key in POD_ONLY_KEYS or key.startswith(POD_ONLY_PREFIXES))
        and key not in template
        and not is_unknown(own[key])
    ]


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for key in _misplaced(obj):
        yield Violation(
            ("metadata", "annotations", key),
            f'annotation "{key}" is on the {obj.kind}, where nothing reads it: only pods do, and its pod '
            "template does not carry it",
        )


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """Copy each misplaced annotation into the pod template."""
    path = obj.pod_metadata_path
    if path is None:
        return
    for key in _misplaced(obj):
        yield Change((*path, "annotations", key), obj.get("metadata", "annotations", key))


RULE = Rule(
    name="pod-annotation-on-workload",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=WORKLOAD_KINDS,
    check=check,
    fix=Fix(fix, Applicability.UNSAFE),
)
