"""Preview-time unknowns in stack rules: with any one field of any object unknown, no
stack rule fails and none reports more than it did with everything known (an unknown
selector, name or namespace matches nothing and fires nothing)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from tests.support.harness import REGISTRY, analyze_stack, load_fixture, make_servicer, pulumi_objects_of
from tests.test_unknowns import paths, replaced

STACK_RULES = {rule.name for rule in REGISTRY if rule.stack}
FIXTURES = sorted(p for p in (Path(__file__).parent / "rules").glob("*/*.yaml") if p.parent.name in STACK_RULES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_unknown_field_never_adds_stack_findings(path: Path) -> None:
    fixture = load_fixture(path, path.parent.name)
    options = dict(fixture.options)
    options.setdefault("enforcementLevel", "advisory")  # rules that are off by default
    servicer = make_servicer(REGISTRY, {fixture.rule: options})
    objects = pulumi_objects_of(fixture.text, name=str(path))

    def counts(diagnostics) -> Counter:
        return Counter(d.policy for d in diagnostics if d.policy in STACK_RULES)

    baseline = counts(analyze_stack(servicer, objects))
    for index, obj in enumerate(objects):
        for field in paths(obj.props):
            if field[:1] in (("apiVersion",), ("kind",)):
                continue
            changed = dataclasses.replace(obj, props=replaced(obj.props, field))
            diagnostics = analyze_stack(servicer, [*objects[:index], changed, *objects[index + 1 :]])
            where = f"{obj.urn} with {field} unknown"
            assert not [d.message for d in diagnostics if "could not judge" in d.message], where
            grew = {p: n for p, n in counts(diagnostics).items() if n > baseline[p]}
            assert not grew, f"{where}: more findings than with the value known: {grew}"
