"""Replicated Deployments and StatefulSets are covered by a PodDisruptionBudget.

A Deployment or StatefulSet with more than one replica needs a PodDisruptionBudget in
its namespace whose selector matches its pod template labels (among the objects linted
together, or the stack). Workloads whose replicas an HPA sets (no `replicas` field)
count as one replica here.

Why it matters:
    Node drains (upgrades, autoscaler scale-down, spot reclaim) evict pods without
    looking at your availability: without a budget, a drain can take every replica
    of a service down at once. A budget makes the drain wait for replacements.

How to fix:
    Add a budget that allows one pod at a time to go:

        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: web, namespace: shop}
        spec:
          maxUnavailable: 1
          selector: {matchLabels: {app: web}}

Notes:
    Workloads of a namespace or an `environment` label that names a dev, test or
    demo environment, or whose images are `imagePullPolicy: Never` (loaded onto one
    local node), from a `localhost` registry or tagged `local`, are not judged
    unless `judgeNonProduction` is set: as for
    `require-multiple-replicas`, availability there is the team's choice
    (corpus44's reviewers held such findings debatable).
    Budgets that allow no disruption at all are pdb-allows-no-disruption's business.
    A workload that an autoscaler of the set may scale below two pods (an HPA's
    `minReplicas` of 1, a KEDA `ScaledObject`'s `minReplicaCount` of 0, another
    autoscaler's floor the rule cannot read) is not judged by the `replicas` it
    writes, which the autoscaler overrides (corpus41: `replicas: 2` on a worker KEDA
    scales from 0); one whose autoscaler keeps two or more is.
    Unknown replicas, labels or selectors during preview fire nothing.
    Replicas that all mount one claim the set defines as ReadWriteOnce cannot leave
    its node, so a budget cannot keep any of them through a drain:
    `no-replicas-on-exclusive-claim` reports that, and this rule leaves them alone,
    as it does replicas on a claim the set does not show (its mode may be the same).
    Nor are the workloads of a namespace where a budget selects no pod: that budget
    may be meant for any of them, and `pdb-selects-no-pods` reports it.
    Nor are replicas of a Redis or Valkey server that nothing links (no init
    container, configuration file, replication, cluster or Sentinel argument or
    variable, nor a second container): they are separate servers with a quorum to
    keep, and what they lack is replication (corpus30's `redis-server --appendonly
    yes` times three).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack

from ._autoscalers import Autoscalers
from ._disruption import budgets_selecting_nothing
from ._environment import JUDGE_NON_PRODUCTION, non_production
from ._unlinked import unlinked_store_pods
from .no_replicas_on_exclusive_claim import may_share_exclusive_claim


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    # A budget that selects nothing may be meant for any workload of its namespace:
    # `pdb-selects-no-pods` reports it, the one root cause. (One that may select
    # nothing, its pods not known yet, leaves the namespace open too.)
    broken = {stack.namespace_of(budget) for budget in budgets_selecting_nothing(stack, maybe=True)}
    autoscalers = Autoscalers(stack)  # read once: a set may hold thousands of workloads
    for workload in stack.of_kind("Deployment", "StatefulSet"):
        if stack.namespace_of(workload) in broken:
            continue
        replicas = workload.get("spec", "replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas <= 1:
            continue
        if autoscalers.may_scale_below(stack, workload, 2) is not False:
            continue  # an autoscaler may take it to one pod or none (corpus41's KEDA worker, 0 to 20)
        if may_share_exclusive_claim(stack, workload):
            continue  # its replicas cannot leave one node (or may not: a claim's mode is unseen)
        if unlinked_store_pods(workload) is not False:
            continue  # separate Redis servers, not one store that keeps a quorum (or not known yet)
        if (
            options["judgeNonProduction"] is not True
            and non_production(workload, stack.namespace_of(workload)) is not False
        ):
            continue  # a dev, test or demo environment, or images loaded onto one local node (or not known yet)
        if stack.covered(workload, "PodDisruptionBudget", "spec", "selector") is False:
            yield StackViolation(
                workload,
                ("spec", "replicas"),
                f"{workload.display_name} runs {replicas} replicas and no PodDisruptionBudget selects its pods",
            )


RULE = Rule(
    name="pdb-missing",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={
        "PodDisruptionBudget",
        "PersistentVolumeClaim",
        CUSTOM_RESOURCES,
        *POD_KINDS,
        "HorizontalPodAutoscaler",  # an autoscaler that may scale it below two pods
    },
    check=check,
    stack=True,
    options={**NAMESPACE_OPTION, "judgeNonProduction": JUDGE_NON_PRODUCTION},
    tags=("cross-object", "upgrades"),
)
