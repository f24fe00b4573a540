"""Run objects through both modes and compare.

Offline: the linter itself (`lint_text`). Pulumi: the SDK's own analyzer servicer,
in-process, fed `AnalyzeRequest`s built the way the engine builds them (props as a
protobuf Struct, so every number becomes a float; unknowns as Pulumi's sentinel
strings). Each Pulumi diagnostic names the field it is about, and the fixture's own
document places that field on a line, so both modes are compared line for line.

The servicer class is private to pulumi-policy; the protocol test
(test_pulumi_protocol.py) covers the real process and gRPC path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy.policy import EnforcementLevel, _PolicyAnalyzerServicer

from policypack.config import PackConfig
from policypack.engine import Engine, Finding
from policypack.lint import LintResult, lint_text, run_stack_rules, with_copies
from policypack.loader import Document, parse_documents
from policypack.model import is_kubernetes_manifest, kubernetes_token
from policypack.pulumi_adapter import build_policies
from policypack.pulumi_state import is_stack_export
from policypack.registry import Registry, build_registry, load_registry
from policypack.values import Path as FieldPath
from policypack.values import parse_path

REGISTRY = load_registry()

_OPTIONS = re.compile(r"^#\s*options:\s*(?P<json>\{.*\})\s*$")
_EXPECT = re.compile(r"#\s*expect:\s*(?P<body>.+?)\s*$")
_EXPECTATION = re.compile(r'(?P<rule>[a-z0-9-]+)(?:\s+"(?P<text>(?:[^"\\]|\\.)*)")?')
# (a quoted key may hold parentheses: `field metadata[")"]`; so may the object's name
# before it, which the API server refuses but a rule still reports: `(CronJob ), field spec)`)
_FIELD = re.compile(r', field (?P<path>(?:[^()"]|"(?:[^"\\]|\\.)*")+)\)$')


@dataclass(frozen=True)
class Fixture:
    path: Path
    rule: str
    text: str
    options: dict[str, Any]
    expected: list[tuple[str, int]]  # (rule, line), one entry per expected finding
    messages: list[tuple[str, int, str]]  # (rule, line, text the message must contain)

    @property
    def name(self) -> str:
        return f"{self.rule}/{self.path.name}"


def load_fixture(path: Path, rule: str) -> Fixture:
    import json

    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    options: dict[str, Any] = {}
    if lines and (match := _OPTIONS.match(lines[0])):
        options = json.loads(match["json"])
    expected, messages = [], []
    for number, line in enumerate(lines, start=1):
        if match := _EXPECT.search(line):
            for item in _EXPECTATION.finditer(match["body"]):
                expected.append((item["rule"], number))
                if item["text"] is not None:
                    messages.append((item["rule"], number, item["text"].replace('\\"', '"')))
    return Fixture(path, rule, text, options, sorted(expected), messages)


def missing_messages(fixture: Fixture, actual: list[tuple[str, int, str]]) -> list[str]:
    """Expected message texts that no finding of that rule on that line contains."""
    problems = []
    for rule, line, text in fixture.messages:
        candidates = [message for r, n, message in actual if r == rule and n == line]
        if not any(text in message for message in candidates):
            problems.append(f"line {line}: no {rule} finding says {text!r} (got {candidates})")
    return problems


def single_rule(name: str, options: Mapping[str, Any] | None = None) -> tuple[Registry, PackConfig]:
    registry = build_registry([REGISTRY.get(name)])
    config = PackConfig.from_mapping({name: dict(options or {})}, registry, "<fixture options>")
    return registry, config


# --- offline ----------------------------------------------------------------


def run_offline(text: str, registry: Registry, config: PackConfig, name: str = "fixture.yaml") -> LintResult:
    result = LintResult()
    engine = Engine(registry, config)
    lint_text(name, text, engine, result)
    run_stack_rules(engine, result)
    return result


def offline_results(result: LintResult) -> list[tuple[str, int, str]]:
    """(rule, line, message) of every finding, with those of its own rule folded under
    it (a rule that reports once per object lists its repeats there, each at its line).
    A finding without a line is a failure, never dropped: the fixture could not say
    where it is, and neither could a user."""
    findings = list(with_copies(result.findings))
    unplaced = [f"{f.rule}: {f.message}" for f in findings if not (f.location and f.location.line)]
    if unplaced:
        raise AssertionError(f"offline findings without a line: {unplaced}")
    return sorted((f.rule, f.location.line, f.message) for f in findings)


def offline_lines(result: LintResult) -> list[tuple[str, int]]:
    return [(rule, line) for rule, line, _ in offline_results(result)]


# --- Pulumi -----------------------------------------------------------------


DEFAULT_PROVIDER = "urn:pulumi:test::fixtures::pulumi:providers:kubernetes::default"


@dataclass
class PulumiObject:
    """One resource as the engine sends it, and where its props sit in the fixture."""

    type: str
    props: dict[str, Any]
    urn: str
    document: Document
    base: FieldPath
    provider: str = DEFAULT_PROVIDER


@dataclass
class Diagnostic:
    policy: str
    message: str
    enforcement: int
    path: FieldPath | None = None
    urn: str | None = None


@dataclass
class PulumiRun:
    diagnostics: list[Diagnostic] = field(default_factory=list)


def pulumi_objects_of(text: str, name: str = "fixture.yaml") -> list[PulumiObject]:
    objects: list[PulumiObject] = []
    urns: set[str] = set()
    for document in parse_documents(name, text):
        if not isinstance(document, Document):
            raise AssertionError(f"fixture does not parse: {document}")
        data = document.data
        if is_stack_export(data):
            for index, entry in enumerate(data["deployment"]["resources"]):
                if str(entry.get("type", "")).startswith("pulumi:"):
                    continue
                base = ("deployment", "resources", index, "inputs")
                provider = str(entry.get("provider", DEFAULT_PROVIDER + "::id")).rsplit("::", 1)[0]
                obj = PulumiObject(entry["type"], entry.get("inputs", {}), entry["urn"], document, base, provider)
                objects.append(obj)
        elif is_kubernetes_manifest(data):
            token = kubernetes_token(data["apiVersion"], data["kind"])
            name_ = (data.get("metadata") or {}).get("name", f"doc{document.index}")
            urn = f"urn:pulumi:test::fixtures::{token}::{name_}"
            if urn in urns:  # the same name in another namespace: URNs must differ
                urn = f"{urn}-{document.index}"
            urns.add(urn)
            objects.append(PulumiObject(token, data, urn, document, ()))
    return objects


def make_servicer(
    registry: Registry, config: Mapping[str, Any] | None = None, cls: type = _PolicyAnalyzerServicer
) -> _PolicyAnalyzerServicer:
    """The SDK's servicer over the registry's policies (or `cls`: the pack's own
    SharedPropsServicer, which the pack runs), configured as the engine would."""
    servicer = cls("kubernetes-playbook", "0.0.1", build_policies(registry), EnforcementLevel.ADVISORY)
    if config:
        request = proto.ConfigureAnalyzerRequest()
        for policy, value in config.items():
            entry = proto.PolicyConfig()
            settings = {"enforcementLevel": value} if isinstance(value, str) else dict(value)
            level = settings.pop("enforcementLevel", None)
            if level:
                entry.enforcementLevel = {
                    "advisory": proto.ADVISORY,
                    "mandatory": proto.MANDATORY,
                    "remediate": proto.REMEDIATE,
                    "disabled": proto.DISABLED,
                }[level]
            if settings:
                entry.properties.update(settings)
            request.policyConfig[policy].CopyFrom(entry)
        servicer.Configure(request, None)
    return servicer


def analyze(servicer: _PolicyAnalyzerServicer, token: str, props: Mapping[str, Any], urn: str) -> list[Diagnostic]:
    properties = struct_pb2.Struct()
    json_format.ParseDict(dict(props), properties)
    request = proto.AnalyzeRequest(type=token, properties=properties, urn=urn, name=urn.rsplit("::", 1)[-1])
    response = servicer.Analyze(request, None)
    out = []
    for diagnostic in response.diagnostics:
        match = _FIELD.search(diagnostic.message)
        out.append(
            Diagnostic(
                diagnostic.policyName,
                diagnostic.message,
                diagnostic.enforcementLevel,
                parse_path(match["path"]) if match else None,
            )
        )
    return out


def analyze_stack(servicer: _PolicyAnalyzerServicer, objects: Iterable[PulumiObject]) -> list[Diagnostic]:
    """The engine's `AnalyzeStack` call: every resource, with its provider."""
    request = proto.AnalyzeStackRequest()
    for obj in objects:
        properties = struct_pb2.Struct()
        json_format.ParseDict(dict(obj.props), properties)
        provider = proto.AnalyzerProviderResource(
            type=obj.provider.split("::")[-2], urn=obj.provider, name=obj.provider.rsplit("::", 1)[-1]
        )
        request.resources.append(
            proto.AnalyzerResource(
                type=obj.type,
                properties=properties,
                urn=obj.urn,
                name=obj.urn.rsplit("::", 1)[-1],
                provider=provider,
            )
        )
    response = servicer.AnalyzeStack(request, None)
    out = []
    for diagnostic in response.diagnostics:
        match = _FIELD.search(diagnostic.message)
        out.append(
            Diagnostic(
                diagnostic.policyName,
                diagnostic.message,
                diagnostic.enforcementLevel,
                parse_path(match["path"]) if match else None,
                diagnostic.urn or None,
            )
        )
    return out


def pulumi_results(objects: Iterable[PulumiObject], servicer: _PolicyAnalyzerServicer) -> list[tuple[str, int, str]]:
    objects = list(objects)
    results = []
    for obj in objects:
        for diagnostic in analyze(servicer, obj.type, obj.props, obj.urn):
            path = obj.base + (diagnostic.path or ())
            results.append((diagnostic.policy, obj.document.locate(path)[0], diagnostic.message))
    by_urn = {obj.urn: obj for obj in objects}
    for diagnostic in analyze_stack(servicer, objects):
        obj = by_urn.get(diagnostic.urn or "")
        if obj is None:
            results.append((diagnostic.policy, 0, diagnostic.message))
            continue
        path = obj.base + (diagnostic.path or ())
        results.append((diagnostic.policy, obj.document.locate(path)[0], diagnostic.message))
    return sorted(results)


def pulumi_lines(objects: Iterable[PulumiObject], servicer: _PolicyAnalyzerServicer) -> list[tuple[str, int]]:
    return [(rule, line) for rule, line, _ in pulumi_results(objects, servicer)]


def findings_of(result: LintResult) -> list[Finding]:
    return list(result.findings)
