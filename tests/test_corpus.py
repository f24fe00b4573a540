"""The real-world corpus (../shared/corpus/real-world): nothing crashes, the five Go
templates are parse errors with their place, and everything else is linted."""

from __future__ import annotations

from pathlib import Path

import pytest

from policypack.engine import Engine
from policypack.lint import lint_paths
from policypack.registry import load_registry
from policypack.report import Gate

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real-world"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")

GO_TEMPLATES = {
    "_archived_newrelic-infrastructure_newrelic-config-template.yaml",
    "_archived_newrelic_newrelic-config-template.yaml",
    "_archived_storage_vitess_etcd-controller-template.yaml",
    "_archived_storage_vitess_etcd-service-template.yaml",
    "_archived_storage_vitess_vtgate-controller-template.yaml",
}


def test_real_world_corpus() -> None:
    result = lint_paths([str(CORPUS)], Engine(load_registry()))
    assert not result.rule_errors, [f.message for f in result.rule_errors]
    parse_errors = {Path(e.file).name: e for e in result.errors if "YAML parse error" in e.message}
    assert set(parse_errors) == GO_TEMPLATES
    assert all(e.line and e.column for e in parse_errors.values())
    assert all("render it first" in e.message for e in parse_errors.values())
    # Every other problem is a duplicate key, reported and linted anyway.
    others = [e for e in result.errors if Path(e.file).name not in GO_TEMPLATES]
    assert others and all("duplicate key" in e.message for e in others)
    # The CRD with the YAML 1.1 `=` value is read.
    crd = "manifests_setup_0alertmanagerConfigCustomResourceDefinition.yaml"
    assert not [e for e in result.errors if e.file.endswith(crd)]
    assert result.files > 360 and result.objects > 750
    assert result.findings and all(f.location and f.location.line for f in result.findings)
    assert Gate().exit_code(result) == 2
