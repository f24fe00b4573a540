"""A HorizontalPodAutoscaler keeps at least the availability minimum of replicas.

Fires when `spec.minReplicas` (1 when absent) is below the `minReplicas` option
(default 2).

Why it matters:
    At night the autoscaler scales down to its minimum; with one replica a node
    drain, a crash or a rollout is an outage, and the budget (PodDisruptionBudget)
    cannot help with a single pod.

How to fix:
    Set `spec.minReplicas: 2` (or more), and a PodDisruptionBudget with
    `maxUnavailable: 1`.

Notes:
    An autoscaler whose `scaleTargetRef` names a workload kind in another API group
    (`apps.openshift.io/v1` `Deployment`) scales nothing: `hpa-target-missing`
    reports that, and this rule stays quiet.

    An autoscaler whose namespace or `environment`/`env` label names a
    non-production environment (`dev`, `ndc-dev`, `test`, `demo`, `sandbox`, `temp`,
    `local`, ...; not staging) is not judged: a floor of one there is the team's
    choice (corpus25's `ndc-dev`). `judgeNonProduction: true` judges it too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_unknown

from ._autoscalers import names_kind_group
from ._environment import JUDGE_NON_PRODUCTION, non_production


def check(hpa: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    minimum = options["minReplicas"]
    ref = hpa.get("spec", "scaleTargetRef")
    if is_unknown(ref) or (isinstance(ref, Mapping) and names_kind_group(ref) is not True):
        return  # it scales nothing (hpa-target-missing reports the target's API group), or may not
    if options["judgeNonProduction"] is not True and non_production(hpa, hpa.namespace) is not False:
        return  # a dev, test or demo environment (or not known yet): a floor of one is the team's choice
    value = hpa.get("spec", "minReplicas")
    if value is None and isinstance(hpa.get("spec"), Mapping):
        yield Violation(("spec", "minReplicas"), f"minReplicas is not set (1 by default); the minimum is {minimum}")
    elif isinstance(value, int) and not isinstance(value, bool) and value < minimum:
        yield Violation(("spec", "minReplicas"), f"minReplicas {value} is below the minimum of {minimum}")


RULE = Rule(
    name="hpa-min-replicas",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds={"HorizontalPodAutoscaler"},
    check=check,
    options={
        "minReplicas": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": "The fewest replicas an autoscaler may scale a workload down to.",
        },
        "judgeNonProduction": JUDGE_NON_PRODUCTION,
    },
)
