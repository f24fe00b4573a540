"""Checks that nothing the user wrote was silently ignored (offline runs).

A suppression that names no rule or no container, or an exemption that suppressed
nothing, looks like it works and does not: like ruff's unused-`noqa` check, each gives
a warning. Warnings do not change the exit code, except under `--profile strict`,
where a suppression annotation that names nothing fails the gate (it may be an
attempt to annotate a mandatory check away that happens to be misspelt today and
right tomorrow; either way it should not be merged).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from policypack.engine import ANNOTATION_PREFIX, Finding
from policypack.hints import did_you_mean
from policypack.registry import Registry
from policypack.values import Path, as_mapping


@dataclass(frozen=True)
class LintWarning:
    """Something the user wrote that had no effect."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    strict: bool = False  # fails the gate under `--profile strict`


def annotation_warnings(
    resource: Any, registry: Registry, file: str, locate: Callable[[Path], tuple[int | None, int | None]]
) -> list[LintWarning]:
    """Suppression annotations on an object (or its pod template) that name no rule,
    or a container the object does not have. `locate` places a path of the object."""
    # What holds pods: the object, or each pod template of a custom resource.
    holders = [resource] if resource.pod_spec is not None else resource.pod_views()
    places: list[Path] = [("metadata", "annotations")]
    for holder in holders:
        pod_metadata = holder.pod_metadata_path
        if pod_metadata is not None and pod_metadata != ("metadata",):
            places.append((*pod_metadata, "annotations"))
    out = []
    for place in places:
        annotations = as_mapping(resource.get(*place))
        for key in annotations:
            if not isinstance(key, str) or not key.startswith(ANNOTATION_PREFIX):
                continue
            problem = _annotation_problem(key[len(ANNOTATION_PREFIX) :], resource, holders, registry)
            if problem:
                line, column = locate((*place, key))
                out.append(
                    LintWarning(file, f"annotation {key} suppresses nothing: {problem}", line, column, strict=True)
                )
    return out


def _annotation_problem(name: str, resource: Any, holders: list[Any], registry: Registry) -> str | None:
    if name in registry:
        return None
    rule, dot, container = name.partition(".")
    if not dot or rule not in registry:
        return f"no rule {rule!r}" + did_you_mean(rule, registry.rules)
    if not holders:
        return f"{resource.kind or 'this object'} has no containers (drop .{container})"
    names = [c.spec.get("name") for holder in holders for c in holder.containers()]
    if any(not isinstance(n, str) for n in names):
        return None  # a name not known yet (Pulumi) or malformed: cannot tell
    if container in names:
        return None
    hint = did_you_mean(container, names)
    return f"no container {container!r} in {resource.kind} {resource.name}" + (
        hint or f" (containers: {', '.join(names) or 'none'})"
    )


def unused_exemptions(
    findings: Iterable[Finding], registry: Registry, settings: Mapping[str, Any], source: str, today: str
) -> list[LintWarning]:
    """Config exemptions (of enabled rules) that suppressed no finding in this run.
    `today` is the engine's date (YYYY-MM-DD), to leave out expired ones."""
    used = {f.suppression.source for f in findings if f.suppression is not None and f.suppression.kind == "exemption"}
    out = []
    for rule in registry:
        setting = settings[rule.name]
        if not setting.enabled:
            continue
        for index, exemption in enumerate(setting.options.get("exemptions") or ()):
            name = f"{rule.name}.exemptions[{index}]"
            expires = exemption.get("expires")
            if name in used or (isinstance(expires, str) and expires < today):
                continue  # an expired one is named in the findings it no longer suppresses
            selectors = ", ".join(f"{k}={exemption[k]}" for k in ("kind", "namespace", "name", "urn") if k in exemption)
            out.append(
                LintWarning(
                    source, f"exemption {name} ({selectors}) suppressed no finding in this run: remove it if stale"
                )
            )
    return out
