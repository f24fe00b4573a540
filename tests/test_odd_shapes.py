"""Odd input never makes a rule fail.

Every field of every fixture object is replaced in turn by a value of another shape
(a string, a number, a boolean, null, a list, a mapping) and the object is judged by
every rule. A rule may or may not fire on such an object, but it must never raise:
a failure would only be an error finding, yet it means the object went unjudged.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from policypack.engine import Engine
from policypack.loader import Document, parse_documents
from policypack.model import is_kubernetes_manifest, manifest_objects, resource_from_manifest
from policypack.pulumi_state import is_stack_export, stack_resources
from tests.support.harness import REGISTRY
from tests.test_unknowns import paths

FIXTURES = sorted((Path(__file__).parent / "rules").glob("*/*.yaml"))
ODD_VALUES: list[Any] = ["text", 7, 2.5, True, None, [], ["x", 1], {}, {"a": {"b": 1}}]
ENGINE = Engine(REGISTRY)


def objects(path: Path) -> list[tuple[str, dict]]:
    out = []
    for document in parse_documents(str(path), path.read_text()):
        assert isinstance(document, Document)
        if is_stack_export(document.data):
            out += [(r.type, dict(r.props)) for r, _ in stack_resources(document.data)]
        elif is_kubernetes_manifest(document.data):
            out += [("k8s", dict(m)) for m, _ in manifest_objects(document.data)]
    return out


def judge(token: str, props: dict) -> list:
    from policypack.pulumi_state import pulumi_objects

    if token == "k8s":
        if not is_kubernetes_manifest(props):
            return []
        resources = [resource_from_manifest(props)]
    else:
        resources = [r for r, _ in pulumi_objects(token, props, "urn:pulumi:s::p::t::n")]
    return [f for resource in resources for f in ENGINE.run(resource) if f.error]


def replaced(props: dict, path: tuple, value: Any) -> dict:
    out = copy.deepcopy(props)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = copy.deepcopy(value)
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rules_never_fail_on_odd_shapes(path: Path) -> None:
    for token, props in objects(path):
        for field in paths(props):
            for value in ODD_VALUES:
                failures = judge(token, replaced(props, field, value))
                assert not failures, f"{field} = {value!r}: {[f.message for f in failures]}"


STACK_RULES = {rule.name for rule in REGISTRY if rule.stack}
STACK_FIXTURES = [path for path in FIXTURES if path.parent.name in STACK_RULES]


def _blanked(value: Any, key: str) -> Any:
    """Every `key` field (a name, a label's value) made the mapping YAML reads a
    template's blank as (`name: {name}`, corpus26's deploy scripts)."""
    if isinstance(value, dict):
        return {k: ({"name": None} if k == key else _blanked(v, key)) for k, v in value.items()}
    if isinstance(value, list):
        return [_blanked(item, key) for item in value]
    return value


@pytest.mark.parametrize("key", ["name", "app"])
@pytest.mark.parametrize("path", STACK_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stack_rules_never_fail_on_blanks_read_as_mappings(path: Path, key: str) -> None:
    """Names and label values that are mappings, in every object of a set at once: the
    stack rules index objects by them (corpus26: a set of ClusterRoles failed on one)."""
    from policypack.lint import LintResult, run_stack_rules

    result = LintResult()
    for _, props in objects(path):
        if not is_kubernetes_manifest(props):
            continue
        for resource in [resource_from_manifest(_blanked(props, key))]:
            result.pending.append((resource, None))
    run_stack_rules(ENGINE, result)
    assert not [f.message for f in result.findings if f.error]
