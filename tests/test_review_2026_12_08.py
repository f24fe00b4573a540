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


HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: {name}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: vllm-gemma-deployment}}
  maxReplicas: 4
"""


def test_two_hpas_in_two_files_may_be_alternatives(tmp_path: Path) -> None:
    # The shared corpus's vLLM example offers one HPA on request count and one on GPU
    # use, each in its own file, to apply one of: not judged. In one file they are
    # deployed together, and fight.
    (tmp_path / "requests-hpa.yaml").write_text(HPA.format(name="gemma-server-hpa"))
    (tmp_path / "gpu-hpa.yaml").write_text(HPA.format(name="gemma-server-gpu-hpa"))
    engine = Engine(*single_rule("autoscalers-conflict"))
    assert not lint_paths([str(tmp_path)], engine).findings
    (tmp_path / "gpu-hpa.yaml").unlink()
    (tmp_path / "requests-hpa.yaml").write_text(
        HPA.format(name="gemma-server-hpa") + "---\n" + HPA.format(name="gemma-server-gpu-hpa")
    )
    (finding,) = lint_paths([str(tmp_path)], engine).findings
    assert "which HorizontalPodAutoscaler gemma-server-gpu-hpa also scales" in finding.message
