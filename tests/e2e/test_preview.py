"""The pack in a real `pulumi preview --policy-pack`, with a real program and provider.

tests/e2e/program is a Pulumi YAML program run by Pulumi's YAML language host, with
Kubernetes objects created through the real Kubernetes provider configured to render
manifests to a folder (`renderYamlToDirectory`), so no cluster is needed. Both plugins
are built by scripts/pulumi-cli.sh next to the CLI.

What this adds to test_policy_analyze.py: the engine's preview path (Analyze during
step generation, stack policies at the end), the provider's checked inputs rather than
recorded state, and values that are unknown during preview: the worker's image is
computed from another resource's id, so a first preview must not judge it, and once
that resource exists (after an update without the pack) the image is known and is.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import HERE, PACK_NAME, ROOT, Pulumi, Run

pytestmark = pytest.mark.e2e

PROGRAM = HERE / "program"
URN = "urn:pulumi:dev::shop::"
WORKER = URN + "kubernetes:apps/v1:Deployment::worker"
API = URN + "kubernetes:apps/v1:Deployment::api"
STOREFRONT = URN + "kubernetes:core/v1:Service::storefront"
CI_ADMIN = URN + "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::ciAdmin"
SIZED_AND_PINNED = ("require-pinned-images", "require-resource-limits")


@pytest.fixture
def cli(preview_pulumi: Pulumi, tmp_path: Path) -> Pulumi:
    """The CLI with a file backend of this test's own."""
    state = tmp_path / "state"
    state.mkdir()
    return dataclasses.replace(preview_pulumi, env={**preview_pulumi.env, "PULUMI_BACKEND_URL": state.as_uri()})


@pytest.fixture
def stack(cli: Pulumi, tmp_path: Path) -> Path:
    """A copy of the program with a fresh stack `dev`."""
    work = tmp_path / "program"
    shutil.copytree(PROGRAM, work)
    run = cli.run("stack", "init", "dev", cwd=work)
    assert run.returncode == 0, run.explain()
    return work


def preview(pulumi: Pulumi, work: Path, config: dict | None = None) -> Run:
    args = ["preview", "--json", "--policy-pack", str(ROOT)]
    if config is not None:
        path = work / "pack-config.json"
        path.write_text(json.dumps(config))
        args += ["--policy-pack-config", str(path)]
    return pulumi.run(*args, cwd=work)


def pairs(run: Run, level: str) -> set[tuple[str, str]]:
    return {(rule, urn) for rule, urn, enforcement in run.violations() if enforcement == level}


def test_preview_fails_on_mandatory_violations_and_skips_unknown_values(cli: Pulumi, stack: Path) -> None:
    run = preview(cli, stack)
    assert run.returncode != 0, run.explain()
    mandatory = pairs(run, "mandatory")
    assert {
        ("require-resource-limits", WORKER),
        ("no-public-load-balancer", STOREFRONT),
        ("no-cluster-admin-binding", CI_ADMIN),
    } <= mandatory, run.explain()
    # The worker's image is unknown during this preview: nothing is said about it.
    assert ("require-pinned-images", WORKER) not in mandatory, run.explain()
    # The api Deployment pins its image and sizes its container (other rules may still
    # ask more of it as the playbook grows).
    assert not {v for v in run.violations() if v[1] == API and v[0] in SIZED_AND_PINNED}, run.explain()
    assert f"{PACK_NAME}" in run.output, run.explain()


def test_advisory_config_lets_the_preview_pass(cli: Pulumi, stack: Path) -> None:
    run = preview(cli, stack, {"all": "advisory"})
    assert run.returncode == 0, run.explain()
    assert ("no-cluster-admin-binding", CI_ADMIN) in pairs(run, "advisory"), run.explain()
    assert not pairs(run, "mandatory"), run.explain()


def test_the_engine_refuses_a_bad_config_before_previewing(cli: Pulumi, stack: Path) -> None:
    run = preview(cli, stack, {"require-resource-limits": {"requireCpuLimit": "no"}})
    assert run.returncode != 0, run.explain()
    assert "require-resource-limits" in run.output and "requireCpuLimit" in run.output, run.explain()
    assert not run.events, run.explain()


def test_a_value_known_after_an_update_is_judged(cli: Pulumi, stack: Path) -> None:
    up = cli.run("up", "--yes", "--skip-preview", cwd=stack)  # no pack: only renders manifests
    assert up.returncode == 0, up.explain()
    assert (stack / "rendered").is_dir(), up.explain()
    run = preview(cli, stack)
    assert run.returncode != 0, run.explain()
    assert ("require-pinned-images", WORKER) in pairs(run, "mandatory"), run.explain()
    assert "registry.example.com/shop/worker" in run.output, run.explain()


def test_the_stack_configuration_reaches_the_pack(cli: Pulumi, stack: Path) -> None:
    """Pulumi's Python host passes the stack's configuration to the pack's process
    (PULUMI_CONFIG and friends; see tests/support/stack_config_rule.py). The playbook's
    rules do not read it: their settings come from --policy-pack-config only."""
    for args in (["config", "set", "shop:tier", "gold"], ["config", "set", "--secret", "shop:token", "s3cr3t"]):
        done = cli.run(*args, cwd=stack)
        assert done.returncode == 0, done.explain()
    env = {**cli.env, "POLICYPACK_RULE_MODULES": "tests.support.stack_config_rule"}
    run = dataclasses.replace(cli, env=env).run("preview", "--json", "--policy-pack", str(ROOT), cwd=stack)
    reported = [e["message"] for e in run.events if e.get("policyName") == "test-stack-config"]
    assert reported, run.explain()
    seen, _ = json.JSONDecoder().raw_decode(reported[0].split("stack configuration: ", 1)[1])
    assert seen["stack"] == "dev" and seen["project"] == "shop" and seen["dryRun"] == "true", run.explain()
    assert seen["config"]["shop:tier"] == "gold", run.explain()
    # A secret arrives as the string "[secret]", never decrypted.
    assert seen["config"]["shop:token"] == "[secret]", run.explain()
    assert "s3cr3t" not in run.output, run.explain()


def test_a_pack_directory_written_by_init_pack_gives_the_same_verdicts(
    cli: Pulumi, stack: Path, tmp_path: Path
) -> None:
    """What a team that installed the wheel runs: `policypack init-pack DIR`, then
    `--policy-pack DIR`. Its __main__.py imports the installed package (here the
    editable install, which serves the rules as policypack.rules, as a wheel does)."""
    pack = tmp_path / "pack"
    done = subprocess.run(
        [sys.executable, "-m", "policypack", "init-pack", str(pack), "--virtualenv", sys.prefix],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config = pack / "pack-config.json"
    installed = cli.run("preview", "--json", "--policy-pack", str(pack), "--policy-pack-config", str(config), cwd=stack)
    checkout = cli.run("preview", "--json", "--policy-pack", str(ROOT), "--policy-pack-config", str(config), cwd=stack)
    assert installed.returncode != 0 and checkout.returncode != 0, installed.explain()
    assert installed.violations() and installed.violations() == checkout.violations(), installed.explain()
