"""The pack in the real Pulumi engine: `pulumi policy analyze` of a stack export.

The CLI loads the pack the way `pulumi preview --policy-pack` does (PulumiPolicy.yaml,
its virtualenv, the analyzer handshake, GetAnalyzerInfo, the engine's validation of
--policy-pack-config against each policy's schema, Configure) and then sends every
resource's inputs to Analyze and the stack's outputs to AnalyzeStack. Each scenario
is checked twice: against findings written down here, and against `policypack lint`
of the same export with the same config file (both modes must agree).

stack-export.json holds violating and compliant Kubernetes resources and AWS IAM
policies, with their providers, as `pulumi stack export` writes them. The engine
gives resource policies a resource's inputs but stack policies its outputs, which
here carry live state (status, server-side defaults) as the Kubernetes provider
records it; offline, `policypack lint` reads the inputs for both.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import HERE, PACK_NAME, ROOT, Pulumi, offline_lint

pytestmark = pytest.mark.e2e

EXPORT = HERE / "stack-export.json"
URN = "urn:pulumi:prod::shop::"
WORKER = URN + "kubernetes:apps/v1:Deployment::worker"
API = URN + "kubernetes:apps/v1:Deployment::api"
STOREFRONT = URN + "kubernetes:core/v1:Service::storefront"
LEGACY_LB = URN + "kubernetes:core/v1:Service::legacy-lb"  # annotated: ignore.policypack.io/no-public-load-balancer
INTERNAL_LB = URN + "kubernetes:core/v1:Service::api-internal"
CI_ADMIN = URN + "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::ci-admin"
SUPPORT_VIEW = URN + "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::support-view"
IAM_ADMIN = URN + "aws:iam/policy:Policy::admin"
IAM_READ_LOGS = URN + "aws:iam/policy:Policy::read-logs"

# The mandatory findings of the default config, each on the resource that breaks it.
DEFAULT_MANDATORY = {
    ("require-pinned-images", WORKER),
    ("require-resource-limits", WORKER),
    ("no-public-load-balancer", STOREFRONT),
    ("no-cluster-admin-binding", CI_ADMIN),
    ("no-iam-admin-wildcards", IAM_ADMIN),
}
MANDATORY_FAILURE = "one or more mandatory policy violations were found"


def write_config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "pack-config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def by_level(violations: set[tuple[str, str, str]], level: str) -> set[tuple[str, str]]:
    return {(rule, urn) for rule, urn, enforcement in violations if enforcement == level}


def assert_same_as_offline(run, config: Path | None) -> None:
    """The engine reports exactly what `policypack lint` reports, at the same levels,
    and fails exactly when the offline gate fails on a mandatory finding."""
    offline_fails, offline = offline_lint(EXPORT, config)
    assert run.violations() == offline, run.explain()
    assert (run.returncode != 0) == offline_fails, run.explain()


def test_default_config_fails_on_the_mandatory_violations(pulumi: Pulumi) -> None:
    run = pulumi.analyze(EXPORT, None, "--json")
    assert run.returncode != 0, run.explain()
    assert MANDATORY_FAILURE in run.stderr, run.explain()
    violations = run.violations()
    assert by_level(violations, "mandatory") >= DEFAULT_MANDATORY, run.explain()
    # Advisory findings are reported too (stack rules included) ...
    assert ("network-policy-coverage", API) in by_level(violations, "advisory"), run.explain()
    assert ("pdb-missing", WORKER) in by_level(violations, "advisory"), run.explain()
    # ... compliant resources draw nothing, and an annotated suppression holds.
    flagged = {urn for _, urn, _ in violations}
    for compliant in (INTERNAL_LB, SUPPORT_VIEW, IAM_READ_LOGS, LEGACY_LB):
        assert compliant not in flagged, run.explain()
    assert_same_as_offline(run, None)


def test_human_output_names_the_rules_and_the_offending_resources(pulumi: Pulumi) -> None:
    run = pulumi.analyze(EXPORT)
    assert run.returncode != 0, run.explain()
    assert PACK_NAME in run.output, run.explain()
    for rule, urn in DEFAULT_MANDATORY:
        assert rule in run.output, run.explain()
        assert urn.rsplit("::", 1)[1] in run.output, run.explain()
    # The message says what and where (the adapter names the field: no lines here).
    assert 'statement #0 allows "*" on "*": administrator access' in run.output, run.explain()
    assert 'ClusterRole "cluster-admin" to ServiceAccount ci/deployer' in run.output, run.explain()


def test_advisory_findings_alone_do_not_fail(pulumi: Pulumi, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"all": "advisory"})
    run = pulumi.analyze(EXPORT, config, "--json")
    assert run.returncode == 0, run.explain()
    assert MANDATORY_FAILURE not in run.output, run.explain()
    violations = run.violations()
    assert not by_level(violations, "mandatory"), run.explain()
    assert by_level(violations, "advisory") >= DEFAULT_MANDATORY, run.explain()
    assert_same_as_offline(run, config)


def test_config_changes_levels_and_options(pulumi: Pulumi, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "no-iam-admin-wildcards": "disabled",
            "network-policy-coverage": "disabled",
            # advisory now, and a tag is no longer enough: the api Deployment breaks it too
            "require-pinned-images": {"enforcementLevel": "advisory", "requireDigest": True},
        },
    )
    run = pulumi.analyze(EXPORT, config, "--json")
    assert run.returncode != 0, run.explain()  # cluster-admin, the public LB and the limits still fail it
    violations = run.violations()
    assert not {v for v in violations if v[0] in ("no-iam-admin-wildcards", "network-policy-coverage")}, run.explain()
    assert {("require-pinned-images", WORKER), ("require-pinned-images", API)} <= by_level(violations, "advisory")
    assert "require-pinned-images" not in {rule for rule, _ in by_level(violations, "mandatory")}, run.explain()
    assert ("no-cluster-admin-binding", CI_ADMIN) in by_level(violations, "mandatory"), run.explain()
    assert_same_as_offline(run, config)


def test_a_rule_entry_wins_over_all(pulumi: Pulumi, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"all": "disabled", "no-public-load-balancer": "mandatory"})
    run = pulumi.analyze(EXPORT, config, "--json")
    assert run.returncode != 0, run.explain()
    # Only the public Service: the annotated one stays suppressed, the internal one passes.
    assert run.violations() == {("no-public-load-balancer", STOREFRONT, "mandatory")}, run.explain()
    assert_same_as_offline(run, config)


def test_config_exemptions_reach_the_rules(pulumi: Pulumi, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "no-cluster-admin-binding": {
                "exemptions": [{"kind": "ClusterRoleBinding", "name": "ci-*", "reason": "INFRA-7: CI bootstrap"}]
            },
            "no-iam-admin-wildcards": {"exemptions": [{"urn": "*::admin", "reason": "break-glass role"}]},
        },
    )
    run = pulumi.analyze(EXPORT, config, "--json")
    flagged = {(rule, urn) for rule, urn, _ in run.violations()}
    assert ("no-cluster-admin-binding", CI_ADMIN) not in flagged, run.explain()
    assert ("no-iam-admin-wildcards", IAM_ADMIN) not in flagged, run.explain()
    assert ("no-public-load-balancer", STOREFRONT) in flagged, run.explain()
    assert_same_as_offline(run, config)


def test_the_engine_rejects_a_config_that_breaks_an_option_schema(pulumi: Pulumi, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"require-pinned-images": {"requireDigest": "yes"}})
    run = pulumi.analyze(EXPORT, config, "--json")
    assert run.returncode != 0, run.explain()
    assert not run.events, run.explain()  # refused before anything was analyzed
    assert f'validating policy config for "{PACK_NAME}"' in run.stderr, run.explain()
    assert "require-pinned-images" in run.stderr and "requireDigest" in run.stderr, run.explain()
    assert "boolean" in run.stderr, run.explain()
    assert MANDATORY_FAILURE not in run.output, run.explain()


def test_unknown_names_pass_the_engine_silently_but_not_check_config(pulumi: Pulumi, tmp_path: Path) -> None:
    """A trap the README warns about: Pulumi ignores a misspelt rule or option name,
    so the rule keeps its default. `policypack check-config` is the guard."""
    config = write_config(tmp_path, {"require-pinned-imagez": "disabled", "require-resource-limits": {"requireCpu": 1}})
    run = pulumi.analyze(EXPORT, config, "--json")
    assert run.returncode != 0, run.explain()
    rules = {rule for rule, _, _ in run.violations()}
    assert {"require-pinned-images", "require-resource-limits"} <= rules, run.explain()
    check = subprocess.run(
        [sys.executable, "-m", "policypack", "check-config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 2, check.stdout + check.stderr
    assert "require-pinned-imagez" in check.stdout + check.stderr


@pytest.mark.parametrize("profile", sorted(p.name for p in (ROOT / "profiles").glob("*.json")))
def test_every_shipped_profile_is_accepted_and_agrees_with_lint(pulumi: Pulumi, profile: str) -> None:
    config = ROOT / "profiles" / profile
    run = pulumi.analyze(EXPORT, config, "--json")
    assert "validating policy config" not in run.stderr, run.explain()
    assert_same_as_offline(run, config)


def test_redacted_secrets_are_unknown_as_offline(pulumi: Pulumi, tmp_path: Path) -> None:
    """An export whose secrets the CLI cannot decrypt (a passphrase provider whose salt
    does not match PULUMI_CONFIG_PASSPHRASE): the CLI warns and redacts every secret to
    the string "[secret]", whatever its type. The api Deployment's image is a secret."""
    export = json.loads(EXPORT.read_text())
    export["deployment"]["secrets_providers"] = {
        "type": "passphrase",
        "state": {"salt": "v1:fozI5u6B030=:v1:F+6ZduL9xemplnBz:bm90IHRoZSBwYXNzcGhyYXNlIHNhbHQ="},
    }
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:AAAA:BBBB"}
    for resource in export["deployment"]["resources"]:
        if resource["urn"] == API:
            for state in ("inputs", "outputs"):
                resource[state]["spec"]["template"]["spec"]["containers"][0]["image"] = secret
    path = tmp_path / "secret-export.json"
    path.write_text(json.dumps(export))
    run = pulumi.analyze(path, None, "--json")
    assert "could not decrypt secrets" in run.stderr, run.explain()  # the case this test is about
    _, offline = offline_lint(path)
    assert ("require-pinned-images", API) not in {(rule, urn) for rule, urn, _ in offline}
    assert ("require-pinned-images", API, "mandatory") not in run.violations(), run.explain()
    assert run.violations() == offline, run.explain()
