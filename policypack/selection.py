"""`lint --select` / `--ignore`: choose the rules of one run on the command line.

Each takes a comma-separated list of rule names, shell-style globs (`rbac-*`) or
areas (`identity`, as in `rules/<area>/`). `--select` runs only those rules
(switching on a selected rule the config turned off, at its default level, or
advisory when that is `disabled`); `--ignore` turns rules off. Both apply after the
profile and the config file, like ruff's flags over pyproject.toml.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterable

from policypack.config import ConfigError, PackConfig
from policypack.hints import did_you_mean
from policypack.registry import Registry
from policypack.rule import Enforcement


def parse_rule_list(values: Iterable[str] | None) -> list[str]:
    """`["a,b", "c"]` (repeated flags, commas) as `["a", "b", "c"]`."""
    return [item.strip() for value in values or () for item in value.split(",") if item.strip()]


def matching_rules(patterns: list[str], registry: Registry, flag: str) -> set[str]:
    """The rule names the patterns name; a pattern that names none is an error."""
    names = [rule.name for rule in registry]
    areas = {rule.area for rule in registry}
    out: set[str] = set()
    for pattern in patterns:
        found = {rule.name for rule in registry if fnmatch.fnmatchcase(rule.name, pattern) or rule.area == pattern}
        if not found:
            suggestion = did_you_mean(pattern, names + sorted(areas))
            raise ConfigError(f"{flag} {pattern!r} names no rule{suggestion}; `policypack rules` lists them")
        out |= found
    return out


def apply_selection(config: PackConfig, registry: Registry, select: list[str], ignore: list[str]) -> PackConfig:
    """`config` with only the selected rules on and the ignored ones off."""
    if not select and not ignore:
        return config
    chosen = matching_rules(select, registry, "--select") if select else {rule.name for rule in registry}
    dropped = matching_rules(ignore, registry, "--ignore") if ignore else set()
    settings = dict(config.settings)
    for rule in registry:
        current = settings[rule.name]
        if rule.name not in chosen or rule.name in dropped:
            settings[rule.name] = dataclasses.replace(current, enforcement=Enforcement.DISABLED)
        elif select and not current.enabled:
            level = rule.enforcement if rule.enforcement is not Enforcement.DISABLED else Enforcement.ADVISORY
            settings[rule.name] = dataclasses.replace(current, enforcement=level)
    return PackConfig(settings)
