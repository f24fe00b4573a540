"""The mutants that survived the mutation run of issue 14 stay killed: each small wrong
change to a rule makes at least one of the rule's fixtures fail (offline; the
fixture tests check Pulumi mode agrees). `scripts/mutate.py` finds new ones."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from policypack.config import PackConfig
from policypack.registry import build_registry
from tests.support.harness import load_fixture, missing_messages, offline_lines, offline_results, run_offline

ROOT = Path(__file__).resolve().parent.parent

# (module, original text, mutated text): the survivors the issue lists.
MUTANTS = [
    ("application_delivery/ecr_scan_on_push.py", "if scan is None or scan is False:", "if scan is False:"),
    ("application_delivery/workload_selector_mismatch.py", "empty_matches_all=False", "empty_matches_all=True"),
    (
        "application_services/service_target_port_undeclared.py",
        "workload.containers(init=False, ephemeral=False)",
        "workload.containers(init=True, ephemeral=False)",
    ),
    ("availability/pdb_allows_no_disruption.py", 'max_unavailable in (0, "0%")', "max_unavailable in (0,)"),
    (
        "cluster_services/network_policy_default_deny.py",
        'covers_ingress = types is None or "Ingress" in as_list(types)',
        "covers_ingress = True",
    ),
    (
        "identity/no_cluster_admin_binding.py",
        'binding.get("roleRef", "name") != "cluster-admin"',
        'binding.get("roleRef", "name") not in ("cluster-admin", "admin")',
    ),
    (
        "identity/rbac_no_secret_read.py",
        '{grant.detail}{where(role)}")\n',
        '{grant.detail}{where(role)}")\n        return  # only the first grant\n',
    ),
    ("identity/rbac_no_secret_read.py", 'request.verb in ("list", "watch")', 'request.verb in ("list",)'),
    (
        "pod_security/pss_host_ports.py",
        "for container in _pss.containers(obj):",
        "for container in obj.containers(ephemeral=False):",
    ),
]


def mutated_rule(module: str, old: str, new: str):
    path = ROOT / "rules" / module
    source = path.read_text()
    assert source.count(old) == 1, f"{module}: the code changed; update this mutant"
    name = "rules." + module.removesuffix(".py").replace("/", ".")
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    mutant = importlib.util.module_from_spec(spec)
    mutant.__file__ = str(path)
    previous = sys.modules.get(name)
    sys.modules[name] = mutant
    try:
        exec(compile(source.replace(old, new), str(path), "exec"), mutant.__dict__)  # our own module, changed
    finally:
        if previous is not None:
            sys.modules[name] = previous
        else:
            del sys.modules[name]
    return mutant.RULE


def fixture_failures(rule) -> list[str]:
    registry = build_registry([rule])
    failures = []
    for path in sorted((ROOT / "tests" / "rules" / rule.name).glob("*.yaml")):
        fixture = load_fixture(path, rule.name)
        options = {**fixture.options, "enforcementLevel": fixture.options.get("enforcementLevel", "advisory")}
        config = PackConfig.from_mapping({rule.name: options}, registry, "<fixture options>")
        result = run_offline(fixture.text, registry, config, name=str(path))
        wrong = result.rule_errors or offline_lines(result) != fixture.expected
        if wrong or missing_messages(fixture, offline_results(result)):
            failures.append(path.name)
    return failures


@pytest.mark.parametrize(("module", "old", "new"), MUTANTS, ids=[f"{m}:{new[:30]}" for m, _, new in MUTANTS])
def test_the_fixtures_kill_the_mutant(module: str, old: str, new: str) -> None:
    assert fixture_failures(mutated_rule(module, old, old)) == []  # the original passes
    assert fixture_failures(mutated_rule(module, old, new)), f"{module}: no fixture notices {new!r}"
