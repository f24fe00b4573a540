"""The real Pulumi CLI, built from its Go modules by scripts/pulumi-cli.sh, with Pulumi's
own Python language host (built from ../shared/vendor/pulumi-language-python), which
starts the pack as it does for every user.

The tests skip (saying how to enable them) when no CLI has been built. When
POLICYPACK_PULUMI_CLI_DIR is set, the CLI is expected there and a missing one fails
the run instead: CI sets it only after building, so a broken build cannot pass as a
skip.

Every run is hermetic: a fresh PULUMI_HOME, a local file backend, a fixed passphrase,
no update check, no plugin downloads, and no PULUMI_* or POLICYPACK_* variable from
the caller's environment (no access token, no cloud backend).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CLI_DIR_ENV = "POLICYPACK_PULUMI_CLI_DIR"
PACK_NAME = "kubernetes-playbook"
RUN_TIMEOUT = 300
PREVIEW_PLUGINS = ("pulumi-language-yaml", "pulumi-resource-kubernetes")
HOW_TO_ENABLE = (
    "run `scripts/pulumi-cli.sh` (needs Go; builds the Pulumi CLI into .cache/pulumi-cli/<version>/), "
    f"or set {CLI_DIR_ENV} to a folder with `pulumi`, `pulumi-language-python` and `pulumi-language-python-exec`"
)


def pinned_version() -> str:
    """The CLI version scripts/pulumi-cli/go.mod pins (the cache folder's name)."""
    text = (ROOT / "scripts" / "pulumi-cli" / "go.mod").read_text()
    match = re.search(r"^\s*github\.com/pulumi/pulumi/pkg/v3 (v\S+)", text, re.MULTILINE)
    assert match, "scripts/pulumi-cli/go.mod names no github.com/pulumi/pulumi/pkg/v3 version"
    return match.group(1)


@dataclass
class Run:
    """One CLI run: exit code, output, and the policy events of a `--json` run."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def violations(self) -> set[tuple[str, str, str]]:
        """(policy, resource URN, enforcement level) of every reported violation."""
        return {
            (e["policyName"], e.get("resourceUrn", ""), e["enforcementLevel"])
            for e in self.events
            if e.get("policyPackName") == PACK_NAME
        }

    def explain(self) -> str:
        return f"$ {' '.join(self.args)}\nexit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@dataclass
class Pulumi:
    binary: Path
    env: dict[str, str]
    workdir: Path

    def run(self, *args: str, cwd: Path | None = None) -> Run:
        command = [str(self.binary), *args]
        done = subprocess.run(
            command,
            cwd=cwd or self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        run = Run(command, done.returncode, done.stdout, done.stderr)
        if "--json" in args:
            for line in done.stdout.splitlines():
                line = line.strip()
                if line.startswith("{"):
                    event = json.loads(line)
                    if "policyEvent" in event:
                        run.events.append(event["policyEvent"])
        return run

    def analyze(self, export: Path, config: Path | None = None, *extra: str) -> Run:
        """`pulumi policy analyze` of a stack export with this checkout as the pack."""
        args = ["policy", "analyze", "--file", str(export), "--policy-pack", str(ROOT), *extra]
        if config is not None:
            args += ["--policy-pack-config", str(config)]
        return self.run(*args)


@pytest.fixture(scope="session")
def cli_dir() -> Path:
    explicit = os.environ.get(CLI_DIR_ENV)
    folder = Path(explicit) if explicit else ROOT / ".cache" / "pulumi-cli" / pinned_version()
    needed = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec")
    missing = [name for name in needed if not os.access(folder / name, os.X_OK)]
    if missing:
        message = f"no {' or '.join(missing)} in {folder}: {HOW_TO_ENABLE}"
        if explicit:
            pytest.fail(f"{CLI_DIR_ENV} is set but {message}")
        pytest.skip(f"end-to-end tests need the Pulumi CLI; {message}")
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip(f"the pack runs with {ROOT / '.venv'} (PulumiPolicy.yaml), which does not exist")
    return folder


@pytest.fixture(scope="session")
def pulumi(cli_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Pulumi:
    base = tmp_path_factory.mktemp("pulumi")
    home, state, work = base / "home", base / "state", base / "work"
    for folder in (home, state, work):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "POLICYPACK_"))}
    env.update(
        PATH=os.pathsep.join([str(cli_dir), env.get("PATH", os.defpath)]),
        PULUMI_HOME=str(home),
        PULUMI_BACKEND_URL=state.as_uri(),
        PULUMI_CONFIG_PASSPHRASE="x",
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_SKIP_CONFIRMATIONS="true",
        # `preview --json` then prints engine events as they happen, policy events included
        PULUMI_ENABLE_STREAMING_JSON_PREVIEW="true",
        NO_COLOR="1",
    )
    return Pulumi(cli_dir / "pulumi", env, work)


@pytest.fixture(scope="session")
def preview_pulumi(pulumi: Pulumi, cli_dir: Path) -> Pulumi:
    """The CLI with the plugins a `pulumi preview` of tests/e2e/program needs."""
    missing = [name for name in PREVIEW_PLUGINS if not os.access(cli_dir / name, os.X_OK)]
    if missing:
        message = f"no {' or '.join(missing)} in {cli_dir}: {HOW_TO_ENABLE}"
        if os.environ.get(CLI_DIR_ENV):
            pytest.fail(f"{CLI_DIR_ENV} is set but {message}")
        pytest.skip(f"the preview tests need Pulumi's YAML language host and Kubernetes provider; {message}")
    return pulumi


def offline_lint(export: Path, config: Path | None = None) -> tuple[bool, set[tuple[str, str, str]]]:
    """`policypack lint` of the same export and config: whether its gate fails (exit
    1), and the (rule, URN, enforcement) of every finding that is not suppressed
    (Pulumi never sees suppressed findings)."""
    args = [sys.executable, "-m", "policypack", "lint", "--format", "json", str(export)]
    if config is not None:
        args += ["--config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYPACK_")}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    assert done.returncode in (0, 1), f"offline lint failed:\n{done.stdout}\n{done.stderr}"
    report = json.loads(done.stdout)
    # A finding folded into another (same root cause) is still its own policy's
    # violation in Pulumi, which reports per policy and per resource: a finding of
    # one cause on several objects is each object's (docs/architecture.md).
    findings = {
        (entry["rule"], entry.get("object", f["object"])["urn"], entry["enforcement"])
        for f in report["findings"]
        if f["suppression"] is None and not f["ruleError"]
        for entry in (f, *f.get("folded", ()))
    }
    return done.returncode == 1, findings
