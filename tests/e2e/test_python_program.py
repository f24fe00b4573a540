"""The pack judging a Python program, as most Pulumi users write them.

tests/e2e/python_program runs through Pulumi's Python language host with
pulumi_kubernetes from PyPI (the `e2e` extra) and the Kubernetes provider that
scripts/pulumi-cli.sh builds, rendering to a folder (no cluster). It makes what Python
programs make: a value computed with `Output.apply` from another resource's id, an
`Output.secret`, a yaml/v2 ConfigGroup and a helm.sh/v4 Chart from a local chart (their
children are judged), `depends_on` and explicit providers, and a Service that selects
no pod of the stack (a stack policy).

One stack, three runs (module-scoped, so the program starts three times, not once per
test): a first preview with the pack, `pulumi up` without it (renders the manifests),
and a second preview with it. The second preview must give the same verdicts as
`policypack lint` of the rendered manifests.

The SDK asks the engine for the `kubernetes` plugin at its own version (4.24.0, in its
pulumi-plugin.json); the provider built next to the CLI is on PATH, and the engine uses
a plugin on PATH whatever its version, so it never downloads one (automatic plugin
acquisition is off in these runs anyway).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CLI_DIR_ENV, HERE, PACK_NAME, ROOT, RUN_TIMEOUT, Pulumi, Run

pytestmark = pytest.mark.e2e

PROGRAM = HERE / "python_program"
SECRET = "correct-horse-battery-staple"

# (rule, kind, namespace, name, enforcement) of a verdict.
Verdict = tuple[str, str, str, str, str]


@dataclasses.dataclass
class Runs:
    work: Path
    first: Run
    up: Run
    second: Run
    export: dict[str, Any]


@pytest.fixture(scope="module")
def runs(preview_pulumi: Pulumi, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    if importlib.util.find_spec("pulumi_kubernetes") is None:
        message = f"the Python program needs pulumi_kubernetes in {sys.prefix}: pip install -e '.[test,e2e]'"
        if os.environ.get(CLI_DIR_ENV):
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("python-program")
    state, work = base / "state", base / "program"
    state.mkdir()
    shutil.copytree(PROGRAM, work)
    # The program runs with the interpreter of these tests (the checkout's .venv).
    project = (work / "Pulumi.yaml").read_text().replace("virtualenv: .venv", f"virtualenv: {sys.prefix}")
    (work / "Pulumi.yaml").write_text(project)
    cli = dataclasses.replace(preview_pulumi, env={**preview_pulumi.env, "PULUMI_BACKEND_URL": state.as_uri()})
    init = cli.run("stack", "init", "dev", cwd=work)
    assert init.returncode == 0, init.explain()
    first = cli.run("preview", "--json", "--policy-pack", str(ROOT), cwd=work)
    up = cli.run("up", "--yes", "--skip-preview", cwd=work)  # no pack: renders the manifests
    assert up.returncode == 0, up.explain()
    second = cli.run("preview", "--json", "--policy-pack", str(ROOT), cwd=work)
    exported = cli.run("stack", "export", cwd=work)
    assert exported.returncode == 0, exported.explain()
    return Runs(work, first, up, second, json.loads(exported.stdout))


def kind_of(urn: str) -> str:
    """`Deployment` of `urn:pulumi:dev::shop-py::...$kubernetes:apps/v1:Deployment::name`."""
    token = urn.split("::")[2].split("$")[-1]
    return token.rsplit(":", 1)[-1]


def objects_by_urn(export: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """URN -> (kind, namespace, name) of every Kubernetes object in the stack."""
    out = {}
    for resource in export["deployment"].get("resources", []):
        metadata = (resource.get("outputs") or {}).get("metadata")
        if resource["type"].startswith("kubernetes:") and isinstance(metadata, dict) and "name" in metadata:
            out[resource["urn"]] = (kind_of(resource["urn"]), metadata.get("namespace") or "", metadata["name"])
    return out


def pulumi_verdicts(run: Run, objects: dict[str, tuple[str, str, str]]) -> set[Verdict]:
    verdicts = set()
    for rule, urn, enforcement in run.violations():
        assert urn in objects, f"{rule} on {urn!r}, which is no Kubernetes object of the stack\n{run.explain()}"
        verdicts.add((rule, *objects[urn], enforcement))
    return verdicts


def lint_verdicts(folder: Path) -> set[Verdict]:
    args = [sys.executable, "-m", "policypack", "lint", "--format", "json", str(folder)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYPACK_")}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    assert done.returncode in (0, 1), f"offline lint failed:\n{done.stdout}\n{done.stderr}"
    # A folded finding is its own policy's violation on its own resource in Pulumi.
    return {
        (e["rule"], e["object"]["kind"], e["object"].get("namespace") or "", e["object"]["name"], e["enforcement"])
        for f in json.loads(done.stdout)["findings"]
        if f["suppression"] is None and not f["ruleError"]
        for e in (f, *f["folded"])
    }


def by_name(run: Run) -> set[tuple[str, str, str]]:
    """(rule, kind, last part of the resource name) of a run's violations."""
    return {
        (rule, kind_of(urn), re.split(r"[/:]", urn.split("::")[-1])[-1]) for rule, urn, _ in run.violations() if urn
    }


def test_first_preview_judges_children_and_stack_and_skips_unknown_values(runs: Runs) -> None:
    run = runs.first
    assert run.returncode != 0, run.explain()  # mandatory violations fail the preview
    seen = by_name(run)
    assert {
        ("require-resource-limits", "Deployment", "worker"),  # a plain resource
        ("require-resource-limits", "Deployment", "cache-redis"),  # a helm.sh/v4 Chart's child
        ("no-public-load-balancer", "Service", "storefront"),  # a yaml/v2 ConfigGroup's child
        ("no-cluster-admin-binding", "ClusterRoleBinding", "ci-admin"),
        ("service-selects-no-pods", "Service", "legacy"),  # a stack policy
    } <= seen, run.explain()
    # worker's image comes from the namespace's id, unknown before the first update.
    assert ("require-pinned-images", "Deployment", "worker") not in seen, run.explain()
    assert not {v for v in seen if v[2] == "api" and v[0] in ("require-pinned-images", "require-resource-limits")}
    assert SECRET not in run.output, "the secret leaked into the preview's output"


def test_after_an_update_the_pack_and_the_linter_agree_on_the_rendered_manifests(runs: Runs) -> None:
    rendered = runs.work / "rendered"
    assert rendered.is_dir(), runs.up.explain()
    objects = objects_by_urn(runs.export)
    pulumi = pulumi_verdicts(runs.second, objects)
    offline = lint_verdicts(rendered)
    assert ("require-pinned-images", "Deployment", "shop", "worker", "mandatory") in pulumi, runs.second.explain()
    assert len(offline) > 20, offline  # about 30 findings over the 9 rendered manifests
    # The one difference by design: db's password is an Output.secret, which Pulumi keeps
    # encrypted (the pack sees the engine's secret mark), while the rendered file holds it
    # in plain text, where it is a literal credential like any other.
    rendered_secret = ("no-plaintext-secret-values", "Secret", "shop", "db", "advisory")
    assert rendered_secret in offline and rendered_secret not in pulumi
    offline.discard(rendered_secret)
    assert pulumi == offline, (
        f"only Pulumi: {sorted(pulumi - offline)}\nonly lint: {sorted(offline - pulumi)}\n{runs.second.explain()}"
    )
    assert SECRET not in runs.second.output


def test_the_pack_reports_under_its_name(runs: Runs) -> None:
    assert PACK_NAME in runs.second.output, runs.second.explain()


def test_the_engine_uses_the_provider_built_next_to_the_cli(runs: Runs) -> None:
    """The SDK asks for kubernetes 4.24.0; the built provider on PATH serves it and no
    plugin is downloaded or installed."""
    package = Path(importlib.util.find_spec("pulumi_kubernetes").origin).parent
    sdk_plugin = json.loads((package / "pulumi-plugin.json").read_text())
    assert sdk_plugin["version"] == "4.24.0"
    for run in (runs.first, runs.up, runs.second):
        assert "using pulumi-resource-kubernetes from $PATH" in run.output, run.explain()
        assert "downloading" not in run.output.lower() and "installing plugin" not in run.output.lower()
