"""The index of cloud-only rules (policypack/rule_index.py): rules built from it are
the rules their modules define, a stale entry is never used, and a lint of
Kubernetes manifests imports none of those modules."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

from policypack import rule_index
from policypack.registry import load_registry, package_directory, rules_package

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = rules_package()
DIRECTORY = package_directory(PACKAGE)


def _fields(rule) -> dict:
    return {
        "name": rule.name,
        "doc": rule.doc,
        "severity": rule.severity,
        "area": rule.area,
        "kinds": rule.kinds,
        "types": rule.types,
        "enforcement": rule.enforcement,
        "options": rule.options,
        "tags": rule.tags,
        "profiles": rule.profiles,
        "stack": rule.stack,
        "folds_into": rule.folds_into,
        "fix": None if rule.fix is None else (rule.fix.applicability, rule.fix.function.__doc__),
        "module": rule.check.__module__,
    }


def test_deferred_rules_are_the_modules_rules() -> None:
    deferred = rule_index.deferred_rules(PACKAGE, DIRECTORY)
    assert len(deferred) >= 40  # the EKS, GKE, AKS, ECR and IAM rules
    for module, rule in deferred.items():
        assert _fields(rule) == _fields(importlib.import_module(module).RULE), module


def test_every_cloud_only_rule_is_in_the_index() -> None:
    registry = load_registry()
    deferrable = {rule.name for rule in registry if rule_index.is_deferrable(rule)}
    assert deferrable == {rule.name for rule in rule_index.deferred_rules(PACKAGE, DIRECTORY).values()}


def test_a_stale_or_broken_entry_is_not_used(tmp_path: Path) -> None:
    index = json.loads((Path(DIRECTORY) / rule_index.INDEX_NAME).read_text())
    first, second = index["rules"][0], index["rules"][1]
    first["crc32"] += 1  # the module was edited after the index was written
    del second["types"]  # a malformed entry
    (tmp_path / rule_index.INDEX_NAME).write_text(json.dumps(index))
    for entry in (first, second):
        target = tmp_path / (entry["module"].replace(".", "/") + ".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((Path(DIRECTORY) / (entry["module"].replace(".", "/") + ".py")).read_bytes())
    found = rule_index.deferred_rules(PACKAGE, str(tmp_path))
    assert found == {}
    assert rule_index.deferred_rules(PACKAGE, str(tmp_path / "missing")) == {}


def test_a_kubernetes_lint_imports_no_cloud_rule(tmp_path: Path) -> None:
    deferred = [module.rsplit(".", 1)[-1] for module in rule_index.deferred_rules(PACKAGE, DIRECTORY)]
    code = (
        "import sys\n"
        "from policypack.cli import main\n"
        "code = main(['lint', sys.argv[1]])\n"
        "names = set(sys.argv[2].split(','))\n"
        "cloud = sorted(m for m in sys.modules if m.rsplit('.', 1)[-1] in names)\n"
        "print(code, 'policypack.iam' in sys.modules, cloud)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "examples" / "manifests" / "shop.yaml"), ",".join(deferred)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert out.strip().endswith("1 False []"), out
