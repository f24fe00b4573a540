"""The pre-commit hook, as a repository that uses it runs it: the real pre-commit
clones this project at a commit, installs it into its own virtualenv, and blocks a
commit with a bad manifest until it is fixed.

The hook repository is a throwaway git repository of the current working tree (not
HEAD, so uncommitted changes are tested too). pre-commit pip-installs the project into
a fresh environment: the first run downloads the dependencies (PIP_CONSTRAINT pins them
to constraints.txt, so later runs hit pip's wheel cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

BAD = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  ports: [{port: 80}]
"""
GOOD = BAD.replace(
    "metadata: {name: web, namespace: shop}",
    "metadata:\n  name: web\n  namespace: shop\n  annotations: {networking.gke.io/load-balancer-type: Internal}",
)


def git_env(tmp_path: Path) -> dict[str, str]:
    """A git and pre-commit that ignore the user's configuration and caches."""
    return {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_CONSTRAINT": str(ROOT / "constraints.txt"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_COLOR": "1",
    }


def git(cwd: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=120)


def snapshot_of_this_checkout(target: Path, env: dict[str, str]) -> str:
    """A git repository of the working tree's files (tracked and new, not ignored); its commit."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a deleted but still tracked file is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, env, "init", "-q")
    git(target, env, "add", "-A")
    git(target, env, "commit", "-q", "-m", "snapshot")
    return git(target, env, "rev-parse", "HEAD").stdout.strip()


def test_the_hook_manifest_is_valid() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["policypack-lint"]["entry"] == "policypack lint" and hooks["policypack-lint"]["pass_filenames"]


@pytest.mark.slow  # about 40 s: pre-commit pip-installs the project and its dependencies
def test_pre_commit_blocks_a_bad_manifest_until_it_is_fixed(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    hook_repo = tmp_path / "policypack"
    hook_repo.mkdir()
    rev = snapshot_of_this_checkout(hook_repo, env)

    project = tmp_path / "project"
    (project / "deploy").mkdir(parents=True)
    (project / "chart" / "templates").mkdir(parents=True)
    git(project, env, "init", "-q")
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "policypack-lint"}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    (project / "deploy" / "svc.yaml").write_text(BAD)
    # A Helm template is not YAML until rendered: the hook leaves templates/ alone.
    (project / "chart" / "templates" / "svc.yaml").write_text("metadata:\n  name: {{ .Release.Name }}\n")
    (project / "README.md").write_text("not YAML: not passed to the hook\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git(project, env, "add", "-A")

    blocked = git(project, env, "commit", "-m", "public load balancer", check=False)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "policypack lint" in output and "Failed" in output
    assert "deploy/svc.yaml" in output and "5:3" in output and "no-public-load-balancer" in output
    assert "Gate: failed (exit 1)" in output
    assert "templates" not in output and "Traceback" not in output
    assert git(project, env, "rev-list", "--all", check=False).stdout == ""  # nothing committed
    print(output)  # shown with -s: what a user sees

    (project / "deploy" / "svc.yaml").write_text(GOOD)
    git(project, env, "add", "-A")
    passed = git(project, env, "commit", "-m", "internal load balancer", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout + passed.stderr
