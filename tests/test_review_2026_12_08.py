"""Regressions from corpus45's fresh review (2026-12-08) that fixture expectations
cannot state: a message that must not name a cause the set contradicts."""

from __future__ import annotations

from pathlib import Path

from policypack.engine import Engine
from policypack.lint import lint_paths
from tests.support.harness import single_rule

FIXTURES = Path(__file__).parent / "rules"


def test_an_operator_running_two_replicas_is_a_workload_that_runs_two() -> None:
    # corpus45's Prow monitoring: the folded cause said no workload of the namespace
    # ran two replicas, beside a Prometheus at 2 and an Alertmanager at 3.
    fixture = FIXTURES / "require-multiple-replicas" / "bad-operator-runs-replicas.yaml"
    result = lint_paths([str(fixture)], Engine(*single_rule("require-multiple-replicas")))
    messages = [f.message for f in result.findings]
    assert len(messages) == 2
    assert not [m for m in messages if "one sizing choice" in m]
