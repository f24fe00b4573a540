"""Every Service selects the pods of some workload in the set.

A Service with a `selector` must match the pod template labels of at least one
workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
CronJob or Pod) in its namespace, among the objects linted together (or the stack).
Services without a selector (endpoints managed by hand) and `ExternalName` Services
are not judged.

Why it matters:
    A selector that matches nothing gives the Service no endpoints: clients get
    connection refused or time out, and the mistake (a typo in a label, a label
    renamed in one place) survives review because both objects look right alone.

How to fix:
    Make the Service's `spec.selector` a subset of the workload's
    `spec.template.metadata.labels`, in the same namespace:

        spec:
          selector:
            app.kubernetes.io/name: web   # the Deployment's template has this label

Notes:
    Pods the set does not spell out are not judged: a selector on a label that
    controllers add (`statefulset.kubernetes.io/pod-name`, `pod-template-hash`,
    `job-name`, ...), or a namespace holding a custom resource whose operator may
    create the pods (a Prometheus, a database cluster), leaves the verdict open and
    fires nothing, unless the pods it was written for are in the set in another
    namespace (a Service in `kube-system` for a DaemonSet in `monitoring`): a Service
    reaches only its own namespace's pods. So do several alternative copies of the matching workload
    (docs/sets.md). Offline, lint the Service together with its workloads (one run over the folder,
    or the whole rendered chart); a workload that lives in another repository will
    show up here: suppress with a reason. Unknown labels or namespaces during
    preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack, map_selector_matches
from policypack.values import UNKNOWN, is_unknown


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    # (workload, namespace, pod labels, floating), read once, when a Service needs them
    placed_pods: list[tuple[Any, Any, Any, bool]] = []
    for service in stack.of_kind("Service"):
        selector = service.get("spec", "selector")
        kind = service.get("spec", "type")
        if kind is UNKNOWN or kind == "ExternalName" or not isinstance(selector, Mapping) or not selector:
            continue
        if any(value is UNKNOWN or isinstance(value, (Mapping, list)) for value in selector.values()):
            # (a mapping where a label value goes is a template's blank YAML read as one: `{name}`)
            continue
        namespace = stack.namespace_of(service)
        selection = stack.select_map(namespace, selector, *POD_KINDS, near=service)
        if selection.none:
            wanted = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
            message = f"Service selects no pods: no workload in namespace {namespace} has pod labels {wanted}"
            yield StackViolation(service, ("spec", "selector"), message)
        elif not selection.matched and not stack.floating(service) and isinstance(namespace, str):
            # Undecided here (an add-on of kube-system, an operator's pods may match), but
            # the pods it was written for are in the set, in a namespace of their own
            # (corpus43: node-exporter's Service in kube-system, its DaemonSet in
            # monitoring): a Service reaches no pod of another namespace.
            if not placed_pods:
                placed_pods = [
                    (workload, stack.namespace_of(workload), stack.pod_labels(workload), stack.floating(workload))
                    for workload in stack.of_kind(*POD_KINDS)
                ]
            away = _matched_elsewhere(placed_pods, selector, namespace)
            if away is not None:
                message = (
                    f"Service selects no pods in namespace {namespace}: its selector matches the pods of "
                    f"{away.display_name} in namespace {stack.namespace_of(away)}, and a Service reaches only its "
                    "own namespace's pods"
                )
                yield StackViolation(service, ("metadata", "namespace"), message)


def _matched_elsewhere(
    placed_pods: list[tuple[Any, Any, Any, bool]], selector: Mapping[str, Any], namespace: str
) -> Any:
    """The first workload that names another namespace (not floating) and whose pods
    the selector matches, or None, also when a workload's namespace or pod labels are
    not known yet (preview): it may be the one."""
    found = None
    for workload, placed, labels, floating in placed_pods:
        matches = map_selector_matches(selector, labels)
        if is_unknown(placed) or matches is None:
            return None
        if found is None and matches and placed != namespace and not floating:
            found = workload
    return found


RULE = Rule(
    name="service-selects-no-pods",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-services",
    kinds={"Service", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
    profiles=("correctness",),
)
