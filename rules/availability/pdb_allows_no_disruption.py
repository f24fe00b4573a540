"""No PodDisruptionBudget forbids every voluntary disruption.

Fires on a PodDisruptionBudget with `maxUnavailable: 0` (or `"0%"`), with
`minAvailable: "100%"`, or with a number `minAvailable` at or above the total
replicas of the Deployments, StatefulSets and ReplicaSets it selects in its namespace
(among the objects linted together, or the stack).

Why it matters:
    A budget that allows no disruption blocks `kubectl drain` forever: node
    upgrades, autoscaler scale-down and maintenance stall, and managed node-group
    upgrades time out or force-evict. Teams then learn to bypass budgets, which
    removes the protection everywhere.

How to fix:
    Allow at least one pod to go at a time, and run enough replicas that this is
    safe:

        spec:
          maxUnavailable: 1

Notes:
    A `minAvailable` number is judged only when every workload the budget selects
    has a known replica count.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack, label_selector_matches
from policypack.values import UNKNOWN

from ._replicas import replicas

WORKLOADS = ("Deployment", "StatefulSet", "ReplicaSet")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for budget in stack.of_kind("PodDisruptionBudget"):
        max_unavailable = budget.get("spec", "maxUnavailable")
        min_available = budget.get("spec", "minAvailable")
        if max_unavailable in (0, "0%"):
            yield StackViolation(budget, ("spec", "maxUnavailable"), "maxUnavailable 0 allows no pod to be evicted")
        elif isinstance(min_available, str) and min_available.strip() == "100%":
            yield StackViolation(budget, ("spec", "minAvailable"), "minAvailable 100% allows no pod to be evicted")
        elif _is_int(min_available) and min_available > 0:
            matches = functools.partial(label_selector_matches, budget.get("spec", "selector"))
            selection = stack.select(stack.namespace_of(budget), matches, *WORKLOADS, near=budget)
            counted = [replicas(w) for w in selection.matched]
            if selection.undecided or not counted or any(c is UNKNOWN or c is None for c in counted):
                continue
            counts = counted
            if all(_is_int(c) for c in counts) and min_available >= sum(counts):
                yield StackViolation(
                    budget,
                    ("spec", "minAvailable"),
                    f"minAvailable {min_available} with {sum(counts)} replicas selected allows no pod to be evicted",
                )


RULE = Rule(
    name="pdb-allows-no-disruption",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"PodDisruptionBudget", *WORKLOADS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object", "upgrades"),
)
