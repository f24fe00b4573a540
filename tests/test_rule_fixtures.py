"""Every rule's fixtures, through the offline linter and through the Pulumi adapter.

A fixture lives in tests/rules/<rule-name>/ and is named bad*.yaml, good*.yaml or
near-miss*.yaml. An offending line ends with `# expect: <rule-name>` (one name per
expected finding, comma-separated), each optionally followed by a quoted text the
finding's message must contain: `# expect: require-pinned-images "no tag"`. A first
line `# options: {...}` sets the rule's options. Each fixture runs with only its
rule enabled, and both modes must report exactly the marked lines and messages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.harness import (
    REGISTRY,
    load_fixture,
    make_servicer,
    missing_messages,
    offline_lines,
    offline_results,
    pulumi_objects_of,
    pulumi_results,
    run_offline,
    single_rule,
)

FIXTURES = Path(__file__).parent / "rules"
FIXTURE_FILES = sorted(FIXTURES.glob("*/*.yaml"))


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=fixture_id)
def test_offline(path: Path) -> None:
    fixture = load_fixture(path, path.parent.name)
    registry, config = single_rule(fixture.rule, fixture.options)
    result = run_offline(fixture.text, registry, config, name=str(path))
    assert not result.errors, result.errors
    assert not result.rule_errors, [f.message for f in result.rule_errors]
    assert offline_lines(result) == fixture.expected
    assert not missing_messages(fixture, offline_results(result))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=fixture_id)
def test_pulumi(path: Path) -> None:
    fixture = load_fixture(path, path.parent.name)
    registry, _ = single_rule(fixture.rule, fixture.options)
    servicer = make_servicer(registry, {fixture.rule: fixture.options} if fixture.options else None)
    objects = pulumi_objects_of(fixture.text, name=str(path))
    assert objects, "the fixture holds no object the Pulumi engine would send"
    results = pulumi_results(objects, servicer)
    assert [(rule, line) for rule, line, _ in results] == fixture.expected
    assert not missing_messages(fixture, results)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=fixture_id)
def test_fixture_is_well_formed(path: Path) -> None:
    fixture = load_fixture(path, path.parent.name)
    assert fixture.rule in REGISTRY, f"fixture folder {path.parent.name} names no rule"
    assert path.name.startswith(("bad", "good", "near-miss")), "name fixtures bad*, good* or near-miss*"
    assert all(rule == fixture.rule for rule, _ in fixture.expected), "a fixture expects only its own rule"
    if path.name.startswith("bad"):
        assert fixture.expected, "a bad fixture marks at least one expected finding"
    else:
        assert not fixture.expected, "good and near-miss fixtures expect nothing"


@pytest.mark.parametrize("rule", sorted(r.name for r in REGISTRY))
def test_every_rule_has_fixtures(rule: str) -> None:
    names = [p.name for p in (FIXTURES / rule).glob("*.yaml")]
    assert any(n.startswith("bad") for n in names), f"{rule} has no bad*.yaml fixture"
    assert any(n.startswith("good") for n in names), f"{rule} has no good*.yaml fixture"
    assert any(n.startswith("near-miss") for n in names), f"{rule} has no near-miss*.yaml fixture"
