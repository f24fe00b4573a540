"""No pod is selected by more than one PodDisruptionBudget.

Fires on a PodDisruptionBudget whose selector matches the pod template labels of a
workload in its namespace that an earlier budget of the set also selects (a budget
per app beside one per tier: `app: db-redis` and `role: backend` both on the Redis
pods).

Why it matters:
    The eviction API refuses to evict a pod that more than one budget selects
    ("This pod has more than one PodDisruptionBudget, which the eviction subresource
    does not support"). `kubectl drain`, the cluster autoscaler and managed node
    upgrades all evict through it, so a node running such a pod never drains: the
    upgrade stalls until someone deletes the pod by hand.

How to fix:
    Give each pod one budget: narrow the selectors so they do not meet (add the
    app's label to the tier's budget, or drop one of them), and keep the two
    workloads' labels apart.

Notes:
    Only a surely shared workload counts: both selectors match its pod labels as
    written. Labels controllers add, values unknown during a preview, and
    alternative copies of a workload leave the overlap open and fire nothing; each
    budget is matched against the workloads nearest it (docs/sets.md), so two apps'
    budgets side by side in one run are not compared with each other's pods. An empty
    selector (`{}`, every pod of the namespace in `policy/v1`) is not judged. One
    finding per budget, naming the first workload it shares and with which budget.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack

from ._disruption import selected_workloads


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    seen: list[tuple[Resource, list[Resource]]] = []
    for budget in stack.of_kind("PodDisruptionBudget"):
        if budget.is_custom_resource:
            continue
        selected = selected_workloads(stack, budget)
        if not selected:
            continue
        namespace = stack.namespace_of(budget)
        shared = None
        for earlier, theirs in seen:
            if stack.namespace_of(earlier) != namespace or earlier.name == budget.name:
                continue  # another namespace, or a copy of this budget (an alternative)
            both = [workload for workload in selected if any(workload is other for other in theirs)]
            if both:
                shared = (earlier, both[0])
                break
        seen.append((budget, selected))
        if shared is None:
            continue
        earlier, workload = shared
        yield StackViolation(
            budget,
            ("spec", "selector"),
            f"PodDisruptionBudget selects the pods of {workload.kind} {workload.name}, which PodDisruptionBudget "
            f'"{earlier.name}" also selects: the eviction API refuses to evict a pod with two budgets, so node '
            "drains stall on them",
        )


RULE = Rule(
    name="pdb-overlap",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"PodDisruptionBudget", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object", "upgrades"),
)
