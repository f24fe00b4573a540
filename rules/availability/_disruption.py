"""PodDisruptionBudgets of the set whose selector is known to select no pod."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from policypack.model import POD_KINDS, Resource
from policypack.stack import Stack, label_selector_matches
from policypack.values import UNKNOWN


def selected_workloads(stack: Stack, budget: Resource) -> list[Resource] | None:
    """The workloads of its namespace (nearest the budget) whose pod templates the
    budget's selector matches; None when that is open (copies, labels controllers add,
    operators' pods, values not known yet) or the selector is empty or malformed (not
    judged: `policy/v1` reads `{}` as every pod of the namespace, `v1beta1` as none)."""
    selector = budget.get("spec", "selector")
    if not isinstance(selector, Mapping):
        return None
    labels, expressions = selector.get("matchLabels"), selector.get("matchExpressions")
    if labels is UNKNOWN or expressions is UNKNOWN or not (labels or expressions):
        return None
    matches = functools.partial(label_selector_matches, selector)
    selection = stack.select(stack.namespace_of(budget), matches, *POD_KINDS, near=budget)
    return None if selection.undecided else selection.matched


def selects_no_pods(stack: Stack, budget: Resource) -> bool | None:
    """Whether the budget's selector matches the pod template of no workload in its
    namespace: True, False, or None when that is open. An empty selector is not judged
    (False)."""
    selector = budget.get("spec", "selector")
    if selector is UNKNOWN:
        return None
    if not isinstance(selector, Mapping):
        return False
    labels, expressions = selector.get("matchLabels"), selector.get("matchExpressions")
    if labels is UNKNOWN or expressions is UNKNOWN:
        return None
    if not (labels or expressions):
        return False
    selected = selected_workloads(stack, budget)
    return None if selected is None else not selected


def budgets_selecting_nothing(stack: Stack, maybe: bool = False) -> list[Resource]:
    """The set's PodDisruptionBudgets known to select no pod (with `maybe`, also those
    that may: what is open leaves a workload's budget open too)."""
    return [
        budget
        for budget in stack.of_kind("PodDisruptionBudget")
        if (verdict := selects_no_pods(stack, budget)) is True or (maybe and verdict is None)
    ]
