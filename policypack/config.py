"""Rule configuration in Pulumi's policy-pack-config format, for both modes.

The file maps a rule name (or `all`) to an enforcement level, or to an object with an
optional `enforcementLevel` and the rule's options:

    {
      "all": "mandatory",
      "require-resource-limits": {"enforcementLevel": "advisory", "requireCpuLimit": false},
      "no-public-load-balancer": "disabled"
    }

`pulumi preview --policy-pack-config FILE` reads it (the engine validates it against
each policy's schema); `policypack lint --config FILE` reads the same file, JSON or
YAML, and validates it against the same schemas. A specific rule's entry wins over
`all`, which wins over the rule's default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from policypack.hints import closest, did_you_mean
from policypack.registry import Registry
from policypack.rule import Enforcement, Rule

LEVELS = tuple(level.value for level in Enforcement)
#: YYYY-MM-DD only (Python 3.11's fromisoformat also takes 20270301 and 2027-W05-1).
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_iso_date(text: str) -> date:
    """A YYYY-MM-DD date (an exemption's or a baseline's expiry); ValueError otherwise."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


class ConfigError(Exception):
    """The configuration is invalid; the message names the file, key and reason."""


@dataclass(frozen=True)
class RuleSettings:
    enforcement: Enforcement
    options: Mapping[str, Any]

    @property
    def enabled(self) -> bool:
        return self.enforcement is not Enforcement.DISABLED


@dataclass(frozen=True)
class PackConfig:
    settings: Mapping[str, RuleSettings]

    def for_rule(self, rule: Rule) -> RuleSettings:
        return self.settings[rule.name]

    @classmethod
    def default(cls, registry: Registry) -> PackConfig:
        return cls({rule.name: RuleSettings(rule.enforcement, rule.defaults) for rule in registry})

    @classmethod
    def load(cls, path: str | Path, registry: Registry) -> PackConfig:
        return cls.from_mapping(load_config_mapping(path), registry, str(path))

    @classmethod
    def from_mapping(cls, data: Any, registry: Registry, source: str = "<config>") -> PackConfig:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: the config must be a mapping of rule names to settings")
        base = {rule.name: rule.enforcement for rule in registry}
        overrides: dict[str, dict[str, Any]] = {}
        if "all" in data:
            level, options = _split_entry(data["all"], f"{source}: 'all'")
            if options:
                raise ConfigError(
                    f"{source}: 'all' takes only an enforcement level, not options ({', '.join(options)})"
                )
            if level is not None:
                base = dict.fromkeys(base, level)
        for key, value in data.items():
            if key == "all":
                continue
            if key not in registry:
                raise ConfigError(f"{source}: unknown rule {key!r}{did_you_mean(str(key), registry.rules)}")
            level, options = _split_entry(value, f"{source}: rule {key!r}")
            if level is not None:
                base[key] = level
            overrides[key] = options
        settings = {}
        for rule in registry:
            options = {**rule.defaults, **overrides.get(rule.name, {})}
            if overrides.get(rule.name):
                validate_options(rule, options, source)
            settings[rule.name] = RuleSettings(base[rule.name], options)
        return cls(settings)


def load_config_mapping(path: str | Path) -> Any:
    """A config file's content (JSON or YAML), not yet validated."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: cannot read the config file: {error}") from None
    return parse_config_text(text, source)


def parse_config_text(text: str, source: str) -> Any:
    """A `.json` file as strict JSON, as `pulumi --policy-pack-config` reads it (no
    trailing commas, no comments: what passes here must pass there); anything else as
    JSON or else YAML (a superset) for hand-written files. A key given twice is refused
    in both: the second would silently replace the first."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except DuplicateKey as error:
        raise ConfigError(f"{source}: {error}") from None
    except RecursionError:
        raise ConfigError(f"{source}: the config is nested too deeply to be a config") from None
    except (NotJson, json.JSONDecodeError) as error:
        if source.lower().endswith(".json"):
            where = f":{error.lineno}:{error.colno}" if isinstance(error, json.JSONDecodeError) else ""
            message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            raise ConfigError(
                f"{source}{where}: invalid JSON: {message} "
                "(Pulumi reads a .json config as strict JSON; name the file .yaml for YAML)"
            ) from None
    import yaml  # only for YAML configs

    try:
        return yaml.load(text, Loader=_config_loader())  # a SafeLoader subclass: constructs no objects
    except DuplicateKey as error:
        raise ConfigError(f"{source}: {error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: the config is neither valid JSON nor valid YAML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{source}: the config is nested too deeply to be a config") from None
    except (ValueError, TypeError, OverflowError) as error:  # a constructor's own error: never a traceback
        raise ConfigError(f"{source}: the config is not valid YAML: {type(error).__name__}: {error}") from None


class DuplicateKey(ValueError):
    """A mapping in the config names a key twice."""


class NotJson(ValueError):
    """A value Python's JSON parser accepts and JSON does not (NaN, Infinity)."""


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (Python's parser accepts them; Pulumi's does not)."""
    raise NotJson(f"{name} is not a JSON value")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(f"{key!r} is given twice (the second would replace the first)")
        out[key] = value
    return out


_LOADER: Any = None


def _config_loader() -> Any:
    """A SafeLoader that refuses duplicate keys (with their line) and keeps dates as
    the text written: `expires: 2027-03-01` unquoted is the date's ISO text, as in JSON,
    and `2027-13-01` reaches the date check (a clear error) instead of failing in
    PyYAML's date constructor."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    class ConfigLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *base`: keys written beside it override the base's
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key; the base class says so
                    break
                if duplicate:
                    mark = key_node.start_mark
                    raise DuplicateKey(
                        f"line {mark.line + 1}, column {mark.column + 1}: "
                        f"{key!r} is given twice (the second would replace the first)"
                    )
            return super().construct_mapping(node, deep=deep)

    ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    _LOADER = ConfigLoader
    return _LOADER


def _split_entry(value: Any, where: str) -> tuple[Enforcement | None, dict[str, Any]]:
    if isinstance(value, str):
        return _level(value, where), {}
    if isinstance(value, Mapping):
        options = {k: v for k, v in value.items() if k != "enforcementLevel"}
        level = _level(value["enforcementLevel"], where) if "enforcementLevel" in value else None
        return level, options
    raise ConfigError(f"{where}: expected an enforcement level ({', '.join(LEVELS)}) or an object, got {value!r}")


def _level(value: Any, where: str) -> Enforcement:
    if value not in LEVELS:
        raise ConfigError(f"{where}: enforcement level must be one of {', '.join(LEVELS)}, got {value!r}")
    return Enforcement(value)


def validate_options(rule: Rule, options: Mapping[str, Any], source: str) -> None:
    """Check options against the rule's JSON Schema; raise ConfigError naming the key."""
    for key in options:
        if key not in rule.all_options:
            hint = closest(str(key), rule.all_options)
            known = ", ".join(rule.all_options) or "none"
            suggestion = f"did you mean {hint!r}? " if hint else ""
            raise ConfigError(
                f"{source}: rule {rule.name!r}: unknown option {key!r} ({suggestion}its options: {known})"
            )
    import jsonschema  # imported only when there is something to validate

    validator = jsonschema.Draft7Validator(rule.options_schema)
    errors = sorted(validator.iter_errors(dict(options)), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = ".".join(str(p) for p in error.absolute_path)
        key = f"option {where!r}" if where else "options"
        raise ConfigError(f"{source}: rule {rule.name!r}: {key}: {error.message}")
    for index, exemption in enumerate(options.get("exemptions") or ()):
        expires = exemption.get("expires")
        try:
            if expires is not None:
                parse_iso_date(expires)
        except ValueError:
            where = f"option 'exemptions.{index}.expires'"
            raise ConfigError(
                f"{source}: rule {rule.name!r}: {where}: {expires!r} is not a date (YYYY-MM-DD, e.g. 2027-03-01)"
            ) from None
