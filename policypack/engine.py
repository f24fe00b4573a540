"""The engine: run the rules that target a resource, with their options, in isolation.

A rule that raises on odd input does not take anything else down: its exception
becomes an error finding for that rule and that object, and every other rule's
verdict stands. Both modes call `run_rule`; offline calls `run` for all rules.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policypack import ROOT
from policypack.config import PackConfig
from policypack.model import Resource
from policypack.registry import Registry
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import Path

log = logging.getLogger("policypack")


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class ObjectRef:
    """Names the judged object: Kubernetes identity, and the URN in Pulumi mode."""

    type: str
    kind: str | None = None
    api_version: str | None = None
    namespace: str | None = None
    name: str | None = None
    urn: str | None = None

    @classmethod
    def of(cls, resource: Resource) -> ObjectRef:
        def text(value: Any) -> str | None:
            return value if isinstance(value, str) else None

        if resource.is_kubernetes:
            return cls(
                type=resource.type,
                kind=resource.kind,
                api_version=resource.api_version,
                namespace=text(resource.namespace),
                name=text(resource.name),
                urn=resource.urn,
            )
        return cls(type=resource.type, name=resource.logical_name, urn=resource.urn)

    def describe(self) -> str:
        if self.kind:
            name = self.name or "<unnamed>"
            return f"{self.kind} {self.namespace}/{name}" if self.namespace else f"{self.kind} {name}"
        return f"{self.type} {self.name}" if self.name else self.type


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count: an annotation on the object, or a config exemption."""

    kind: str  # "annotation" or "exemption"
    reason: str
    source: str  # the annotation key, or "<config file>: <rule>.exemptions[i]"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    enforcement: Enforcement
    message: str
    path: Path  # of the offending field, from the object's root
    object: ObjectRef
    container: str | None = None
    location: Location | None = None
    error: bool = False  # True when the rule failed instead of judging
    suppression: Suppression | None = None  # set when suppressed: reported, never gating

    @property
    def blocks(self) -> bool:
        return self.enforcement.blocks and self.suppression is None


class Engine:
    def __init__(self, registry: Registry, config: PackConfig | None = None) -> None:
        self.registry = registry
        self.config = config or PackConfig.default(registry)
        # Enabled rules per (kind, type), computed once per target.
        self._cache: dict[tuple[str | None, str], list[Rule]] = {}

    def rules_for(self, resource: Resource) -> list[Rule]:
        key = (resource.kind, resource.type)
        rules = self._cache.get(key)
        if rules is None:
            rules = [r for r in self.registry.rules_for(*key) if self.config.for_rule(r).enabled]
            self._cache[key] = rules
        return rules

    def run(self, resource: Resource, object_ref: ObjectRef | None = None) -> list[Finding]:
        ref = object_ref or ObjectRef.of(resource)
        findings: list[Finding] = []
        for rule in self.rules_for(resource):
            settings = self.config.for_rule(rule)
            findings.extend(run_rule(rule, resource, settings.options, settings.enforcement, ref))
        return findings


def run_rule(
    rule: Rule,
    resource: Resource,
    options: Mapping[str, Any],
    enforcement: Enforcement,
    ref: ObjectRef,
) -> list[Finding]:
    """One rule on one resource; never raises."""
    findings: list[Finding] = []
    try:
        for violation in rule.check(resource, options):
            findings.append(_finding(rule, resource, violation, enforcement, ref))
    except Exception as error:  # noqa: BLE001 - isolation is the point
        # The exception's text may quote data from the object (a secret, say), so the
        # finding names only its type and where in the rule it happened; the full
        # traceback goes to the debug log (`policypack lint --debug`).
        log.debug("rule %s failed on %s:\n%s", rule.name, ref.describe(), traceback.format_exc())
        findings.append(
            Finding(
                rule=rule.name,
                severity=rule.severity,
                enforcement=enforcement,
                message=(
                    f"the rule failed on this object and could not judge it "
                    f"({type(error).__name__} at {_where_raised(error)}); please report this with the object"
                ),
                path=(),
                object=ref,
                error=True,
            )
        )
    return findings


def _where_raised(error: BaseException) -> str:
    """`rules/identity/x.py:42`: the innermost frame, relative to this checkout."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "an unknown place"
    path = os.path.abspath(frames[-1].filename)
    if path.startswith(ROOT + os.sep):
        path = os.path.relpath(path, ROOT)
    else:
        path = os.path.join(*path.split(os.sep)[-2:])
    return f"{path.replace(os.sep, '/')}:{frames[-1].lineno}"


def _finding(rule: Rule, resource: Resource, violation: Violation, enforcement: Enforcement, ref: ObjectRef) -> Finding:
    if not isinstance(violation, Violation):
        raise TypeError(f"check yielded {type(violation).__name__}, not a Violation")
    container = resource.container_at(violation.path)
    return Finding(
        rule=rule.name,
        severity=rule.severity,
        enforcement=enforcement,
        message=violation.message,
        path=tuple(violation.path),
        object=ref,
        container=container.name if container and isinstance(container.name, str) else None,
    )
