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
