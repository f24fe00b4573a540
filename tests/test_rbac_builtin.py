"""Kubernetes' default ClusterRoles as data (rules/identity/builtin_cluster_roles.json)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.identity._builtin_roles import DATA, builtin_cluster_roles, source
from rules.identity._rbac import dangerous_grants, is_aggregated

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "builtin_cluster_roles.py"
UPSTREAM = "plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml"
# A kubernetes/kubernetes checkout next to this one (or the shared folder's), if any.
CANDIDATES = [base / "kubernetes" / UPSTREAM for base in (ROOT.parent, ROOT.parent / "shared")]


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("builtin_cluster_roles", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_data_says_where_it_comes_from() -> None:
    info = source()
    assert info["repository"] == "https://github.com/kubernetes/kubernetes"
    assert info["path"] == UPSTREAM and info["license"] == "Apache-2.0" and info["ref"]


def test_default_roles_are_there_and_aggregate_as_in_kubernetes() -> None:
    roles = builtin_cluster_roles()
    assert {"admin", "edit", "view", "cluster-admin", "system:node", "system:aggregate-to-edit"} <= set(roles)
    for name in ("admin", "edit", "view"):
        assert is_aggregated(roles[name]) is True, name
    assert roles["edit"].labels == {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}
    assert roles["view"].labels == {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}
    edit = {g.capability for g in dangerous_grants(roles["system:aggregate-to-edit"].get("rules"))}
    assert {"secret-read", "pod-exec", "workload-create", "escalation", "token-create"} <= edit
    assert dangerous_grants(roles["system:aggregate-to-view"].get("rules")) == []
    assert dangerous_grants(roles["system:basic-user"].get("rules")) == []


def test_the_script_keeps_rules_aggregation_and_aggregate_labels(tmp_path: Path) -> None:
    script = _script()
    upstream = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {
                    "name": "edit",
                    "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
                    "labels": {
                        "kubernetes.io/bootstrapping": "rbac-defaults",
                        "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                    },
                },
                "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "true"}}]},
                "rules": None,
            }
        ],
    }
    path = tmp_path / "cluster-roles.yaml"
    path.write_text(yaml.safe_dump(upstream), encoding="utf-8")
    out = tmp_path / "out.json"
    assert script.main(["--file", str(path), "--ref", "v1.0.0", "--output", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["source"]["ref"] == "v1.0.0"
    assert data["roles"] == {
        "edit": {
            "labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "true"}}]},
            "rules": [],
        }
    }


def test_stored_data_is_what_the_script_makes_of_upstream(tmp_path: Path) -> None:
    upstream = next((c for c in CANDIDATES if c.is_file()), None)
    if upstream is None:
        pytest.skip("no kubernetes/kubernetes checkout next to this one")
    script = _script()
    out = tmp_path / "out.json"
    script.main(["--file", str(upstream), "--ref", source()["ref"], "--output", str(out)])
    assert out.read_text(encoding="utf-8") == DATA.read_text(encoding="utf-8")
