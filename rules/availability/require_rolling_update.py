"""Workloads are updated by rolling update, not all at once or by hand.

Fires on a Deployment whose `spec.strategy.type` is `Recreate` (every old pod is
killed before any new one starts), and on a StatefulSet or DaemonSet whose
`spec.updateStrategy.type` is `OnDelete` (new pods start only when someone deletes
the old ones). A missing strategy is `RollingUpdate`, the default in `apps/v1`.

Why it matters:
    `Recreate` turns every release into downtime for the whole workload. `OnDelete`
    leaves pods on the old template until someone deletes them by hand, so a
    security fix that "was deployed" may not be running anywhere, and the rollout's
    progress is not visible to `kubectl rollout status`.

How to fix:
    Use a rolling update; tune it rather than turning it off:

        spec:
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxUnavailable: 0, maxSurge: 1}

Notes:
    Advisory: `Recreate` is the right choice for a workload that must never run two
    versions at once or whose ReadWriteOnce volume cannot be mounted twice. Suppress
    the rule on that object and say so in the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

# kind -> (path of the strategy type, the value that is not a rolling update, what it means)
STRATEGIES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "Deployment": (
        ("spec", "strategy", "type"),
        "Recreate",
        "every pod is stopped before the new ones start, so each release is an outage",
    ),
    "StatefulSet": (
        ("spec", "updateStrategy", "type"),
        "OnDelete",
        "pods keep the old template until someone deletes them by hand",
    ),
    "DaemonSet": (
        ("spec", "updateStrategy", "type"),
        "OnDelete",
        "pods keep the old template until someone deletes them by hand",
    ),
}


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    path, offending, consequence = STRATEGIES[obj.kind or ""]
    if obj.get(*path) == offending:
        yield Violation(path, f"{obj.kind} updates with {'.'.join(path[1:])} {offending}: {consequence}")


RULE = Rule(
    name="require-rolling-update",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds=frozenset(STRATEGIES),
    check=check,
    options={},
    tags=("rollout",),
)
