"""Stack rules over a set split across files (a chart rendered to a folder)."""

from __future__ import annotations

from pathlib import Path

from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import lint_paths
from policypack.registry import load_registry

REGISTRY = load_registry()

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
          ports: [{name: http, containerPort: 8080}]
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {app}
  ports:
    - port: 80
      targetPort: {port}
"""

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
"""


def test_objects_in_different_files_are_one_set(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "service.yaml").write_text(SERVICE.format(name="web", app="web", port="http"))
    (tmp_path / "nested" / "typo.yaml").write_text(SERVICE.format(name="typo", app="wbe", port="http"))
    (tmp_path / "pdb.yaml").write_text(PDB)
    rules = ("service-selects-no-pods", "service-target-port-undeclared", "pdb-missing")
    config = PackConfig.from_mapping({"all": "disabled", **dict.fromkeys(rules, "advisory")}, REGISTRY)
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, config))
    found = [(f.rule, Path(f.location.file).name, f.location.line) for f in result.findings]
    assert found == [("service-selects-no-pods", "typo.yaml", 6)]


def test_without_the_other_files_the_same_service_is_flagged(tmp_path: Path) -> None:
    (tmp_path / "service.yaml").write_text(SERVICE.format(name="web", app="web", port="http"))
    config = PackConfig.from_mapping({"all": "disabled", "service-selects-no-pods": "advisory"}, REGISTRY)
    result = lint_paths([str(tmp_path / "service.yaml")], Engine(REGISTRY, config))
    assert [(f.rule, f.location.line) for f in result.findings] == [("service-selects-no-pods", 6)]
