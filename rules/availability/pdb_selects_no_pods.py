"""Every PodDisruptionBudget selects the pods of some workload in the set.

A PodDisruptionBudget's `spec.selector` must match the pod template labels of at
least one workload (Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob or Pod) in its namespace, among the objects
linted together (or the stack).

Why it matters:
    A budget that selects no pod protects nothing: a node drain or a cluster
    upgrade evicts every replica of the workload it was written for at once, and
    the budget looks fine in review because both objects look right alone (a label
    renamed in one place, `app: zk` where the pods say `component: zookeeper`).

How to fix:
    Make the selector match the workload's `spec.template.metadata.labels`, in the
    same namespace:

        spec:
          selector:
            matchLabels: {app: bookkeeper, component: zookeeper}

Notes:
    While a budget of a namespace selects no pod, `pdb-missing` leaves that
    namespace's workloads alone: the broken budget is the one root cause, and it may
    be meant for any of them. An empty selector (`{}`) is not judged (`policy/v1`
    reads it as every pod of the namespace). Pods the set does not spell out (labels
    controllers add, a custom resource whose operator may create pods, alternative
    copies) leave the verdict open and fire nothing, as for Services
    (docs/sets.md). Unknown values during preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack

from ._disruption import budgets_selecting_nothing


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for budget in budgets_selecting_nothing(stack):
        yield StackViolation(
            budget,
            ("spec", "selector"),
            f"PodDisruptionBudget selects no pods: no workload in namespace {stack.namespace_of(budget)} has pod "
            "labels its selector matches, so it protects nothing during drains",
        )


RULE = Rule(
    name="pdb-selects-no-pods",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"PodDisruptionBudget", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object", "upgrades"),
    profiles=("correctness",),
)
