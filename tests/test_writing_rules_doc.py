"""docs/writing-rules.md works as written: its template rule and fixtures, copied out
of the page, pass the contract tests every shipped rule passes."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from policypack.docs import render_rule
from policypack.registry import build_registry
from policypack.rule import Rule
from tests import test_registry
from tests.support.harness import (
    load_fixture,
    make_servicer,
    missing_messages,
    offline_lines,
    offline_results,
    pulumi_objects_of,
    pulumi_results,
    run_offline,
)

PAGE = Path(__file__).resolve().parent.parent / "docs" / "writing-rules.md"
TEXT = PAGE.read_text()
_BLOCK = re.compile(r"```(?P<lang>python|yaml)\n(?P<body>.*?)```", re.S)
_FIXTURE_NAME = re.compile(r"`tests/rules/(?P<rule>[a-z0-9-]+)/(?P<file>[a-z-]+\.yaml)`:\s*$")


def template_module(tmp_path: Path) -> Rule:
    """The page's Python block, imported as the module the page tells you to create."""
    source = next(m["body"] for m in _BLOCK.finditer(TEXT) if m["lang"] == "python")
    name = re.search(r'name="(?P<name>[a-z0-9-]+)"', source)["name"]
    area = re.search(r'area="(?P<area>[a-z-]+)"', source)["area"]
    module_name = f"rules.{area.replace('-', '_')}.{name.replace('-', '_')}"
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[module_name]
    return module.RULE


def page_fixtures(tmp_path: Path) -> list[Path]:
    """Each YAML block the page introduces with its file name, written there."""
    out = []
    for match in _BLOCK.finditer(TEXT):
        if match["lang"] != "yaml":
            continue
        before = TEXT[: match.start()].rstrip().splitlines()[-1]
        named = _FIXTURE_NAME.search(before)
        if named is None:
            continue
        path = tmp_path / named["rule"] / named["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(match["body"])
        out.append(path)
    return out


def test_the_template_passes_the_rule_contract(tmp_path: Path) -> None:
    rule = template_module(tmp_path)
    assert rule.name not in test_registry.REGISTRY, "the template must not be a shipped rule"
    test_registry.test_rule_contract(rule)
    test_registry.test_option_defaults_satisfy_their_schema(rule)
    test_registry.test_module_path_matches_name_and_area(rule)
    assert build_registry([rule]).get(rule.name) is rule  # the registry accepts it
    assert rule.title in render_rule(rule)  # its page renders


def test_the_fixtures_on_the_page_pass_in_both_modes(tmp_path: Path) -> None:
    rule = template_module(tmp_path)
    fixtures = page_fixtures(tmp_path)
    assert sorted(p.name for p in fixtures) == ["bad.yaml", "good.yaml", "near-miss.yaml"]
    registry = build_registry([rule])
    from policypack.config import PackConfig

    for path in fixtures:
        assert path.parent.name == rule.name
        fixture = load_fixture(path, rule.name)
        config = PackConfig.from_mapping({rule.name: dict(fixture.options)}, registry, "<page>")
        result = run_offline(fixture.text, registry, config, name=str(path))
        assert not result.errors and not result.rule_errors, path.name
        assert offline_lines(result) == fixture.expected, path.name
        assert not missing_messages(fixture, offline_results(result)), path.name
        servicer = make_servicer(registry, {rule.name: fixture.options} if fixture.options else None)
        results = pulumi_results(pulumi_objects_of(fixture.text, name=str(path)), servicer)
        assert [(r, line) for r, line, _ in results] == fixture.expected, path.name
        if path.name.startswith("bad"):
            assert fixture.expected and fixture.messages
        else:
            assert not fixture.expected


@pytest.mark.parametrize("section", ["Why it matters", "How to fix"])
def test_the_page_states_the_section_lengths_the_contract_demands(section: str) -> None:
    source = Path(test_registry.__file__).read_text()
    minimum = {"Why it matters": "len(rule.why) > 80", "How to fix": "len(rule.how_to_fix) > 40"}[section]
    assert minimum in source, "the contract changed: update docs/writing-rules.md and this test"
    number = minimum.rsplit(" ", 1)[1]
    assert re.search(rf"`{section}:` of more than {number}|`{section}:`[^.]*more than {number}", TEXT)
