"""The registry: every rule module under `rules/`, checked when it is loaded.

Rules are found by walking the rules package: a module that defines `RULE` is a
rule. In a checkout the folder `rules/` is the top-level package `rules`; an installed
wheel (or an editable install used from another directory) has it as
`policypack.rules` (pyproject.toml maps the folder), so nothing named `rules` is
installed into site-packages. Rule modules import each other relatively, so they work
under either name. Extra rule modules (an organisation's own rules) can be named, comma-separated,
in the environment variable `POLICYPACK_RULE_MODULES`; they must be importable and
follow the same contract. Loading refuses a duplicate name, a rule without its
documentation sections, and an option without a default, listing every problem.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from policypack import rule_index
from policypack.folding import check_declarations
from policypack.model import CUSTOM_RESOURCES, canonical_type, is_custom_api_version, parse_kubernetes_token
from policypack.rule import Rule

EXTRA_MODULES_ENV = "POLICYPACK_RULE_MODULES"
CHECKOUT_RULES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")


def rules_package() -> str:
    """The import name of the rule folder: `rules` when this `policypack` runs from a
    checkout whose `rules/` is importable as that (the same files, not another
    project's `rules`), else `policypack.rules` (a wheel or an editable install)."""
    spec = importlib.util.find_spec("rules") if os.path.isdir(CHECKOUT_RULES) else None
    if spec is not None and spec.origin and os.path.dirname(os.path.abspath(spec.origin)) == CHECKOUT_RULES:
        return "rules"
    return "policypack.rules"


class RegistryError(Exception):
    """A rule definition is invalid; the message lists every problem found."""


@dataclass
class Registry:
    rules: dict[str, Rule]
    _by_kind: dict[str, list[Rule]] = field(default_factory=dict, repr=False)
    _by_type: dict[str, list[Rule]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for rule in self.rules.values():
            for kind in rule.kinds:
                self._by_kind.setdefault(kind, []).append(rule)
            for token in rule.types:
                self._by_type.setdefault(token, []).append(rule)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, name: object) -> bool:
        return name in self.rules

    def get(self, name: str) -> Rule:
        return self.rules[name]

    def rules_for(self, kind: str | None, type_token: str) -> list[Rule]:
        """The rules that target a resource, in name order (versioned azure-native
        tokens find the rules of their default token)."""
        matched = list(self._by_type.get(canonical_type(type_token), ()))
        if kind is not None:
            matched.extend(r for r in self._by_kind.get(kind, ()) if r not in matched)
            parsed = parse_kubernetes_token(type_token)
            if parsed is not None and is_custom_api_version(parsed[0]):
                matched.extend(r for r in self._by_kind.get(CUSTOM_RESOURCES, ()) if r not in matched)
        return sorted(matched, key=lambda r: r.name)


def rule_modules(package: str | None = None) -> list[str]:
    """Every module of the rule package and its sub-packages, by import name, sorted.
    A directory listing, not pkgutil.walk_packages, which cost a tenth of a one-file
    lint's start-up (issue 15)."""
    package = package or rules_package()
    root = importlib.import_module(package)
    names: list[str] = []
    pending = [(directory, package) for directory in root.__path__]
    while pending:
        directory, prefix = pending.pop()
        for entry in os.scandir(directory):
            if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                pending.append((entry.path, f"{prefix}.{entry.name}"))
            elif entry.name.endswith(".py") and entry.name != "__init__.py" and entry.name[:-3].isidentifier():
                names.append(f"{prefix}.{entry.name[:-3]}")
    return sorted(names)


def build_registry(rules: Iterable[Rule], trusted_docs: Collection[str] = ()) -> Registry:
    """Check every rule and index them; raise RegistryError listing all problems.
    The docstrings of the rules named in `trusted_docs` are not parsed here: the
    pack's own rules are checked by the test suite (tests/test_registry.py), and
    parsing 110 docstrings at every start-up cost a fifth of a one-file lint."""
    problems: list[str] = []
    by_name: dict[str, Rule] = {}
    for rule in rules:
        problems.extend(f"rule {rule.name!r}: {p}" for p in rule.problems(docs=rule.name not in trusted_docs))
        if rule.name in by_name:
            problems.append(f"rule {rule.name!r} is defined twice")
        by_name[rule.name] = rule
    problems.extend(check_declarations(by_name))
    if problems:
        raise RegistryError("invalid rule definitions:\n  " + "\n  ".join(problems))
    return Registry(dict(sorted(by_name.items())))


#: Set to import every rule module at start-up, the index of cloud rules unused.
EAGER_ENV = "POLICYPACK_IMPORT_ALL_RULES"


def package_directory(package: str) -> str:
    return os.path.dirname(importlib.import_module(package).__file__ or "")


def load_registry(package: str | None = None, extra_modules: Iterable[str] | None = None) -> Registry:
    """Every rule module's rule, checked: imported, or, for the pack's own rules that
    judge only cloud resources, built from the index without importing the module
    (policypack/rule_index.py)."""
    if extra_modules is None:
        extra_modules = [m.strip() for m in os.environ.get(EXTRA_MODULES_ENV, "").split(",") if m.strip()]
    rules: list[Rule] = []
    own: set[str] = set()  # the pack's own rules, whose docstrings the tests check
    deferred: dict[str, Rule] = {}
    if package is None and not os.environ.get(EAGER_ENV):
        default = rules_package()
        deferred = rule_index.deferred_rules(default, package_directory(default))
    for module_name in [*rule_modules(package), *extra_modules]:
        if module_name in deferred and module_name not in extra_modules:
            rules.append(deferred[module_name])
            own.add(deferred[module_name].name)
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # any import failure is reported the same way
            source = f" (from {EXTRA_MODULES_ENV})" if module_name in extra_modules else ""
            raise RegistryError(f"cannot import rule module {module_name!r}{source}: {error}") from error
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
            if module_name not in extra_modules:
                own.add(rule.name)
        elif module_name in extra_modules:
            raise RegistryError(f"module {module_name!r} (from {EXTRA_MODULES_ENV}) defines no RULE")
    return build_registry(rules, trusted_docs=own if package is None else ())
