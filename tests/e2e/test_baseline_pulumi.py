"""A baseline in the real Pulumi engine: `policypack baseline to-config` turns the
findings of yesterday's stack into exemptions, and `pulumi policy analyze` of today's
stack with that config reports only what is new (as `policypack lint --baseline` does)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, Pulumi, offline_lint
from tests.e2e.test_policy_analyze import EXPORT, WORKER

pytestmark = pytest.mark.e2e


def policypack(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "policypack", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_baseline_as_exemptions_leaves_only_new_findings(pulumi: Pulumi, tmp_path: Path) -> None:
    # Yesterday's stack: everything but the worker Deployment.
    yesterday = json.loads(EXPORT.read_text())
    resources = yesterday["deployment"]["resources"]
    yesterday["deployment"]["resources"] = [r for r in resources if r["urn"] != WORKER]
    (tmp_path / "yesterday.json").write_text(json.dumps(yesterday))
    written = policypack("lint", "--write-baseline", "baseline.json", "yesterday.json", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    made = policypack("baseline", "to-config", "baseline.json", "-o", "pack-config.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    config = tmp_path / "pack-config.json"

    run = pulumi.analyze(EXPORT, config, "--json")
    assert "validating policy config" not in run.stderr, run.explain()
    flagged = {(rule, urn) for rule, urn, _ in run.violations()}
    assert flagged and {urn for _, urn in flagged} == {WORKER}, run.explain()
    assert run.returncode != 0, run.explain()  # the worker's unpinned image is mandatory
    # `policypack lint` with the same config agrees, and so does the baseline itself.
    offline_fails, offline = offline_lint(EXPORT, config)
    assert run.violations() == offline and offline_fails, run.explain()
    gate = policypack("lint", "--baseline", str(tmp_path / "baseline.json"), "-f", "json", str(EXPORT), cwd=ROOT)
    report = json.loads(gate.stdout)
    assert gate.returncode == 1
    assert {f["object"]["urn"] for f in report["findings"] if f["baseline"] == "new"} == {WORKER}
