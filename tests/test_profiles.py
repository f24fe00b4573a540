"""Profiles: shipped config files, `--profile`, `--kubernetes-version`, `policypack profile`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policypack.config import PackConfig
from policypack.profiles import PROFILES_DIR, ProfileError, profile_config, with_kubernetes_version
from policypack.registry import load_registry
from policypack.rule import PROFILES, Enforcement
from tests.test_cli import core_only, run, write

REGISTRY = load_registry()

UNPINNED = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    ignore.policypack.io/require-pinned-images: "we like latest"
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: app
      image: nginx
      resources: {limits: {cpu: 100m, memory: 64Mi}}
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""


@pytest.mark.parametrize("name", list(PROFILES))
def test_every_profile_is_shipped_and_valid(name: str) -> None:
    path = PROFILES_DIR / f"{name}.json"
    data = json.loads(path.read_text())
    assert set(data) == set(REGISTRY.rules), "a profile names every rule explicitly"
    config = PackConfig.from_mapping(data, REGISTRY, str(path))
    enabled = {rule.name for rule in REGISTRY if config.for_rule(rule).enabled}
    assert enabled == {rule.name for rule in REGISTRY if rule.in_profile(name)}


def test_strict_makes_every_rule_mandatory_and_unsuppressible() -> None:
    config = PackConfig.from_mapping(profile_config("strict", REGISTRY), REGISTRY)
    for rule in REGISTRY:
        settings = config.for_rule(rule)
        assert settings.enforcement is Enforcement.MANDATORY
        assert settings.options["allowSuppression"] is False


def test_lint_with_a_profile_and_a_config_over_it(tmp_path: Path) -> None:
    pod = write(tmp_path, "pod.yaml", UNPINNED)
    core = write(tmp_path, "core.json", json.dumps(core_only()))
    assert run("lint", "--config", core, pod)[0] == 0  # the annotation suppresses the only finding
    code, out = run("lint", "--profile", "strict", "--config", core, pod)
    assert code == 1 and "cannot be suppressed by annotation" in out
    relaxed = write(tmp_path, "c.json", json.dumps(core_only(**{"require-pinned-images": {"allowSuppression": True}})))
    assert run("lint", "--profile", "strict", "--config", relaxed, pod)[0] == 0


def test_kubernetes_version_is_validated(tmp_path: Path, capsys) -> None:
    pod = write(tmp_path, "pod.yaml", UNPINNED)
    assert run("lint", "--kubernetes-version", "1.30.x", pod)[0] == 2
    assert "Kubernetes version must look like 1.30" in capsys.readouterr().err
    with pytest.raises(ProfileError):
        with_kubernetes_version({}, REGISTRY, "1.x")


def test_the_version_reaches_every_rule_that_has_the_option() -> None:
    versioned = [rule for rule in REGISTRY if "kubernetesVersion" in rule.options]
    data = with_kubernetes_version(profile_config("playbook", REGISTRY), REGISTRY, "1.25")
    config = PackConfig.from_mapping(data, REGISTRY)
    for rule in versioned:
        assert config.for_rule(rule).options["kubernetesVersion"] == "1.25"
    printed = profile_config("pss-restricted", REGISTRY, "1.25")
    assert versioned and all(
        printed[rule.name]["kubernetesVersion"] == "1.25" for rule in versioned if rule.in_profile("pss-restricted")
    )


def test_profile_command_prints_a_pulumi_config(capsys) -> None:
    code, out = run("profile", "strict", "--kubernetes-version", "1.31")
    assert code == 0
    assert json.loads(out) == profile_config("strict", REGISTRY, "1.31")
    assert run("profile", "strict", "--kubernetes-version", "latest")[0] == 2


def test_a_config_over_a_profile_changes_only_what_it_names(tmp_path: Path) -> None:
    from policypack.cli import merge_config

    profile = profile_config("pss-baseline", REGISTRY)
    exemptions = {"exemptions": [{"namespace": "legacy", "reason": "migrating"}]}
    merged = merge_config(profile, {"require-pinned-images": exemptions})
    assert merged["require-pinned-images"] == {"enforcementLevel": "disabled", **exemptions}
    strict = profile_config("strict", REGISTRY)
    merged = merge_config(strict, {"require-pinned-images": "advisory"})
    assert merged["require-pinned-images"] == {"enforcementLevel": "advisory", "allowSuppression": False}
    merged = merge_config(profile, {"all": "advisory"})
    assert merged["pss-privileged"]["enforcementLevel"] == "advisory"
    assert merged["require-pinned-images"] == "disabled" and "all" not in merged


def test_an_exemptions_file_does_not_turn_on_rules_a_profile_turned_off(tmp_path: Path) -> None:
    pod = write(
        tmp_path,
        "pod.yaml",
        UNPINNED.replace('    ignore.policypack.io/require-pinned-images: "we like latest"\n', "    a: b\n"),
    )
    exemptions = {"require-pinned-images": {"exemptions": [{"namespace": "legacy", "reason": "migrating"}]}}
    config = write(tmp_path, "ex.json", json.dumps(exemptions))
    _, out = run("lint", "--profile", "pss-baseline", "--config", config, pod)
    assert "require-pinned-images" not in out


def test_a_malformed_version_or_entry_is_a_clear_error(tmp_path: Path, capsys) -> None:
    pod = write(tmp_path, "pod.yaml", UNPINNED)
    config = write(tmp_path, "c.json", json.dumps({"pss-sysctls": [1]}))
    assert run("lint", "--config", config, "--kubernetes-version", "1.29", pod)[0] == 2
    assert "internal error" not in capsys.readouterr().err
    assert run("lint", "--kubernetes-version", "1.29\n", pod)[0] == 2
