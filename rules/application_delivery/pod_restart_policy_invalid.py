"""A workload's pod template uses a restartPolicy its controller accepts.

Fires on a Deployment, ReplicaSet, StatefulSet, DaemonSet or ReplicationController
whose pod template sets `restartPolicy` to anything but `Always`, and on a Job or a
CronJob's job template that sets it to `Always` or leaves it out (a pod's default is
`Always`, which a Job refuses).

Why it matters:
    The API server refuses such a workload (`spec.template.spec.restartPolicy:
    Unsupported value: "OnFailure": supported values: "Always"`), so the apply fails
    at deploy time, often halfway through a release of several objects. The field
    is usually copied from a Job or a bare Pod, where other values are right.

How to fix:
    Leave `restartPolicy` out of a long-running workload's template (it defaults to
    `Always`), and give a Job's pods `OnFailure` or `Never`:

        spec:
          template:
            spec:
              restartPolicy: OnFailure   # a Job; a Deployment takes only Always

Notes:
    A bare Pod accepts all three values and is not judged; neither is a sidecar's
    container-level `restartPolicy: Always` (an init container that keeps running).
    Custom resources are not judged: their controllers decide. A value unknown
    during a preview fires nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

#: kind -> the values its pods may use.
ACCEPTED = {
    "Deployment": ("Always",),
    "ReplicaSet": ("Always",),
    "StatefulSet": ("Always",),
    "DaemonSet": ("Always",),
    "ReplicationController": ("Always",),
    "Job": ("OnFailure", "Never"),
    "CronJob": ("OnFailure", "Never"),
}


def check(workload: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if workload.is_custom_resource or workload.kind not in ACCEPTED:
        return
    pod = workload.pod_spec
    if pod is None:
        return
    policy = pod.get("restartPolicy")
    accepted = ACCEPTED[workload.kind]
    if policy is None and "Always" not in accepted and "restartPolicy" not in pod.spec:
        # A Job's pods default to Always too, which a Job refuses (corpus41's CronJob).
        yield Violation(
            pod.path + ("restartPolicy",),  # (missing: placed at the pod spec; a patch that writes it decides)
            f"{workload.kind} pod template sets no restartPolicy, so it is Always, which the API server refuses "
            f"for a {workload.kind}'s pods: set OnFailure or Never",
        )
        return
    if isinstance(policy, str) and policy not in accepted:
        allowed = " or ".join(accepted)
        yield Violation(
            pod.path + ("restartPolicy",),
            f'{workload.kind} pod template sets restartPolicy "{policy}": the API server accepts only {allowed} '
            f"for a {workload.kind}'s pods and refuses it",
        )


RULE = Rule(
    name="pod-restart-policy-invalid",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds=set(ACCEPTED),
    check=check,
    profiles=("correctness",),
)
