"""The rule contract: what every rule must carry, checked for all of them."""

from __future__ import annotations

import re

import jsonschema
import pytest

from policypack.model import CUSTOM_RESOURCES
from policypack.registry import RegistryError, build_registry, load_registry
from policypack.rule import AREAS, Enforcement, Rule, Severity, parse_doc

REGISTRY = load_registry()
RULES = list(REGISTRY)


def test_rules_are_found() -> None:
    assert {
        "no-public-load-balancer",
        "require-resource-limits",
        "require-pinned-images",
        "no-rbac-wildcards",
        "no-cluster-admin-binding",
        "no-iam-admin-wildcards",
    } <= set(REGISTRY.rules)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_contract(rule: Rule) -> None:
    assert rule.problems() == []
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.name)
    assert rule.area in AREAS
    assert rule.title and not rule.title.endswith(":")
    assert len(rule.why) > 80 and len(rule.how_to_fix) > 40


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_option_defaults_satisfy_their_schema(rule: Rule) -> None:
    jsonschema.Draft7Validator.check_schema(rule.options_schema)
    jsonschema.validate(rule.defaults, rule.options_schema)
    assert set(rule.defaults) == set(rule.all_options)


# Packages that group the rules of one standard instead of one area, with the area
# their rules belong to (the Pod Security Standards are workload hardening).
STANDARD_PACKAGES = {"pod_security": "workload-hardening"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_module_path_matches_name_and_area(rule: Rule) -> None:
    module = rule.check.__module__
    *_, package, name = module.split(".")
    assert name == rule.name.replace("-", "_")
    assert package == rule.area.replace("-", "_") or STANDARD_PACKAGES.get(package) == rule.area


def _rule(**overrides) -> Rule:
    fields = dict(
        name="some-rule",
        doc="Title.\n\nWhat it checks.\n\nWhy it matters:\n    Reasons.\n\nHow to fix:\n    Steps.\n",
        severity=Severity.LOW,
        area="identity",
        kinds={"Pod"},
        check=lambda obj, options: iter(()),
    )
    fields.update(overrides)
    return Rule(**fields)


def test_registry_refuses_duplicates() -> None:
    with pytest.raises(RegistryError, match="defined twice"):
        build_registry([_rule(), _rule()])


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"doc": "Title only."}, "'Why it matters:'"),
        ({"doc": "Title.\n\nWhat.\n\nWhy it matters:\n    x\n"}, "'How to fix:'"),
        ({"doc": None}, "no title"),
        ({"name": "Not_Kebab"}, "kebab-case"),
        ({"name": "all"}, "reserved"),
        ({"area": "elsewhere"}, "area"),
        ({"kinds": set()}, "targets nothing"),
        ({"options": {"x": {"type": "boolean", "description": "d"}}}, "no default"),
        ({"options": {"x": {"type": "boolean", "default": True}}}, "no description"),
        ({"options": {"enforcementLevel": {"type": "string", "default": "", "description": "d"}}}, "reserved"),
        ({"enforcement": Enforcement.REMEDIATE}, "advisory, mandatory or disabled"),
        ({"profiles": ("pss-strictest",)}, "profile 'pss-strictest'"),
        ({"profiles": ("playbook",)}, "profile 'playbook'"),
        ({"options": {"exemptions": {"type": "array", "default": [], "description": "d"}}}, "reserved"),
        ({"folds_into": {"other-rule": "line"}}, "folds_into 'other-rule'"),
        ({"folds_into": {"some-rule": "field"}}, "folds_into 'some-rule'"),
    ],
)
def test_registry_refuses_incomplete_rules(overrides: dict, problem: str) -> None:
    with pytest.raises(RegistryError) as raised:
        build_registry([_rule(**overrides)])
    assert problem in str(raised.value)


def test_registry_refuses_folding_across_stack_and_resource_rules() -> None:
    stack_rule = _rule(name="stack-rule", stack=True, check=lambda stack, options: iter(()))
    with pytest.raises(RegistryError, match="one is a stack rule"):
        build_registry([_rule(folds_into={"stack-rule": "field"}), stack_rule])
    build_registry([_rule(folds_into={"absent-rule": "field"})])  # a subset registry: nothing folds


def test_extra_rule_modules_are_loaded() -> None:
    registry = load_registry(extra_modules=["tests.support.raising_rule"])
    assert "test-raising-rule" in registry


def test_extra_module_without_rule_is_refused() -> None:
    with pytest.raises(RegistryError, match="defines no RULE"):
        load_registry(extra_modules=["tests.support.harness"])


def test_docstring_sections_parse() -> None:
    sections = parse_doc(
        """Title line.

        Paragraph about what it checks.

        Why it matters:
            Because.

        How to fix:
            Like this:

                code: block

        Notes:
            A note.
        """
    )
    assert sections["title"] == "Title line."
    assert sections["description"] == "Paragraph about what it checks."
    assert sections["Why it matters"] == "Because."
    assert sections["How to fix"] == "Like this:\n\n    code: block"
    assert sections["Notes"] == "A note."


def test_rules_for_uses_kinds_and_types() -> None:
    for kind, token in [
        ("Service", "kubernetes:core/v1:Service"),
        (None, "aws:iam/policy:Policy"),
        ("ConfigMap", "kubernetes:core/v1:ConfigMap"),
        ("Widget", "kubernetes:example.com/v1:Widget"),
    ]:
        custom = kind == "Widget"  # a custom resource: seen by the rules that name CUSTOM_RESOURCES
        expected = sorted(
            r.name
            for r in REGISTRY
            if token in r.types or (kind is not None and kind in r.kinds) or (custom and CUSTOM_RESOURCES in r.kinds)
        )
        assert [r.name for r in REGISTRY.rules_for(kind, token)] == expected
    assert "no-public-load-balancer" in [r.name for r in REGISTRY.rules_for("Service", "kubernetes:core/v1:Service")]
    # Only stack rules see custom resources (an operator's objects are context, never judged).
    widget = REGISTRY.rules_for("Widget", "kubernetes:example.com/v1:Widget")
    assert widget and all(r.stack and CUSTOM_RESOURCES in r.kinds for r in widget)
    assert REGISTRY.rules_for("Widget", "kubernetes:apps/v1:Widget") == []


def test_rule_modules_lists_what_pkgutil_finds() -> None:
    # rule_modules lists directories itself (start-up time); it must find what
    # Python's own walk finds, helpers included.
    import importlib
    import pkgutil

    from policypack.registry import rule_modules, rules_package

    package = rules_package()
    root = importlib.import_module(package)
    walked = sorted(i.name for i in pkgutil.walk_packages(root.__path__, prefix=f"{package}.") if not i.ispkg)
    assert rule_modules() == walked
