"""The Pulumi adapter: every rule as a pulumi-policy `ResourceValidationPolicy`.

Thin on purpose: it turns the SDK's arguments into a `Resource` (the same conversion
the offline stack-export reader uses), runs the rule through the engine, and reports
each finding. Facts about the SDK that shape it (pulumi-policy 1.21):

- `args.props` is a read-only mapping proxy that raises `UnknownValueError` when an
  unknown (preview-time) value is read, and the SDK then drops the whole policy for
  that resource. We read the proxy key by key and turn each unknown into `UNKNOWN`,
  so a rule judges everything that is known.
- Every number arrives as a float (`replicas: 3.0`); whole floats become ints.
- Any other exception from a validator fails the engine's whole `Analyze` call;
  the engine isolates rule failures, and this module guards its own conversion.
- The SDK calls every resource policy for every resource, and deserialises the props
  once per policy, before it calls the policy: with ~60 rules that was most of the
  cost of `Analyze`. `SharedPropsServicer` (what `serve()` runs) converts them once
  per request and shares the result with every rule's policy; `may_apply` decides
  from the type token alone, before any work.
- A rule with a fix gets a `remediate` callback (policypack/pulumi_remediate.py).
- `PolicyPack(...)` never returns. Only `serve()` builds it, and only the pack's
  `__main__.py` calls `serve()`.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import traceback
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path as FsPath
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PulumiSeverity
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.policy import _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from policypack import ROOT, __version__
from policypack.engine import Finding, ObjectRef, judges_pods, log, run_rule, settle, stack_findings
from policypack.engine import targets as judged_in
from policypack.folding import fold_note
from policypack.model import (
    CUSTOM_RESOURCES,
    Resource,
    canonical_type,
    is_custom_api_version,
    parse_kubernetes_token,
)
from policypack.pulumi_state import MASKED_SECRET, mark_secrets, pulumi_objects, secret_paths
from policypack.registry import Registry, load_registry
from policypack.rule import Rule
from policypack.stack import DEFAULT_NAMESPACE, Stack, clusters
from policypack.values import UNKNOWN, format_path

PACK_NAME = "kubernetes-playbook"
DOCS_URL_ENV = "POLICYPACK_DOCS_BASE_URL"


def docs_url(rule: Rule) -> str:
    """Where the rule's generated doc lives: `$POLICYPACK_DOCS_BASE_URL/<name>.md`
    (set it to your fork's docs/rules URL), else the file in this checkout."""
    base = os.environ.get(DOCS_URL_ENV)
    if base:
        return f"{base.rstrip('/')}/{rule.name}.md"
    return (FsPath(ROOT) / "docs" / "rules" / f"{rule.name}.md").as_uri()


def plain(value: Any) -> Any:
    """The SDK's props proxy -> plain data with UNKNOWN for unknown values."""
    if isinstance(value, Mapping):
        out = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == MASKED_SECRET:
        # `pulumi policy analyze --file` hands policies this string for a secret it
        # cannot decrypt (whatever its type): unknown, as an encrypted secret offline.
        return UNKNOWN
    return value


def violation_message(finding: Finding, prefix: tuple = ()) -> str:
    """What Pulumi shows under the policy's title. There are no line numbers here, so
    the message names the field."""
    if finding.error:
        return finding.message
    path = format_path(prefix + finding.path)
    where = f"{finding.object.describe()}" + (f", field {path}" if path else "")
    return f"{finding.message} ({where})"


def may_apply(rule: Rule, token: str) -> bool:
    """Whether the rule can judge something in a resource of this type, decided from
    the type token alone so the props of other resources are never converted."""
    if canonical_type(token) in rule.types:
        return True
    parsed = parse_kubernetes_token(token)
    if parsed is not None:
        api_version, kind = parsed
        if judges_pods(rule) and is_custom_api_version(api_version):
            return True  # a custom resource may hold pod templates
        if CUSTOM_RESOURCES in rule.kinds and is_custom_api_version(api_version):
            return True  # a stack rule that must see custom resources (may create pods)
        return kind in rule.kinds or kind.endswith("List")  # a List's items may be targets
    return False


def not_judged(rule: Rule, token: str) -> str:
    """The not-applicable reason of a rule that cannot judge resources of this type."""
    return f"{rule.name} does not judge {token} resources"


def make_validate(rule: Rule, registry: Registry | None = None):
    applies: dict[str, bool] = {}  # may_apply per type token: the SDK calls every policy

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        # Saying "not applicable" (rather than returning) keeps Pulumi Cloud from
        # recording a pass for, say, a Service rule on an IAM policy.
        token = args.resource_type
        if token not in applies:
            applies[token] = may_apply(rule, token)
        if not applies[token]:
            args.not_applicable(not_judged(rule, token))
        shared = _CURRENT_REQUEST.get()
        try:
            if shared is not None:
                objects = shared.objects()
            else:  # called by the SDK's own servicer (tests, or a pack built another way)
                objects = list(pulumi_objects(args.resource_type, plain(args.props), args.urn))
            config = plain(args.get_config() or {})  # whole floats back to ints, as offline
            options = {**rule.defaults, **{k: v for k, v in config.items() if k != "enforcementLevel"}}
        except Exception as error:  # noqa: BLE001 - never fail the engine's Analyze call
            log.debug("reading %s failed:\n%s", args.urn, traceback.format_exc())
            report_violation(f"could not read the resource's properties ({type(error).__name__})", None)
            return
        # The resource itself, or for a pod rule each pod template of a custom resource.
        targets = [(target, prefix) for resource, prefix in objects for target in judged_in(rule, resource)]
        if not targets:
            args.not_applicable(f"{rule.name} found nothing to judge in this resource")
        today = datetime.now(timezone.utc).date()
        for resource, prefix in targets:
            ref = shared.ref(resource) if shared is not None else ObjectRef.of(resource)
            # Enforcement is applied by the SDK; the finding's own level is not used here.
            for finding in run_rule(rule, resource, options, rule.enforcement, ref, anchors=False):
                finding = settle(finding, rule, resource, options, today)
                if finding.suppression is None:  # Pulumi has no place for suppressed findings
                    if rule.folds_into and registry is not None and not finding.error:
                        # Each policy reports alone here: say what the finding follows from.
                        memo = shared.primary_checks if shared is not None else None
                        note = fold_note(rule, resource, finding.path, registry, memo)
                        if note:
                            finding = dataclasses.replace(finding, message=f"{finding.message}; {note}")
                    report_violation(violation_message(finding, prefix), None)

    return validate


def make_validate_stack(rule: Rule):
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        try:
            config = plain(args.get_config() or {})  # whole floats back to ints, as offline
            options = {**rule.defaults, **{k: v for k, v in config.items() if k != "enforcementLevel"}}
            members: list[Resource] = []
            prefixes: dict[int, tuple] = {}
            for policy_resource in args.resources:
                if not may_apply(rule, policy_resource.resource_type):
                    continue
                provider = policy_resource.provider.urn if policy_resource.provider is not None else None
                shared = _CURRENT_STACK.get()
                props = shared.props(policy_resource.urn) if shared is not None else plain(policy_resource.props)
                for resource, prefix in pulumi_objects(policy_resource.resource_type, props, policy_resource.urn):
                    if rule.applies_to(resource):
                        resource.cluster = provider if resource.is_kubernetes else None
                        prefixes[id(resource)] = prefix
                        members.append(resource)
        except Exception as error:  # noqa: BLE001 - never fail the engine's AnalyzeStack call
            log.debug("reading the stack failed:\n%s", traceback.format_exc())
            report_violation(f"could not read the stack's resources ({type(error).__name__})", None)
            return
        today = datetime.now(timezone.utc).date()
        for group in clusters(members):
            stack = Stack(group, default_namespace=options.get("defaultNamespace", DEFAULT_NAMESPACE))
            found = stack_findings(rule, stack, options, rule.enforcement, today, anchors=False, fold=False)
            for finding, resource in found:
                if resource is None:
                    report_violation(finding.message, None)
                    continue
                if finding.suppression is None:
                    report_violation(violation_message(finding, prefixes.get(id(resource), ())), resource.urn)

    return validate


class RulePolicy(ResourceValidationPolicy):
    """The resource policy of one rule (one per rule: its name, config and enforcement
    are the user's handles in Pulumi). Its validate reads the request's shared props
    when there are some (see SharedPropsServicer)."""

    def __init__(self, rule: Rule, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule


class RuleStackPolicy(StackValidationPolicy):
    """The stack policy of one stack rule; its validate reads the stack's props
    converted once per `AnalyzeStack` request (see SharedPropsServicer). A rule that
    judges each object by its own check first (`Rule.object_check`) remediates with
    `object_remediate`, which SharedPropsServicer.Remediate calls (the SDK gives stack
    policies no remediate callback)."""

    def __init__(self, rule: Rule, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.object_remediate = lazy_remediate(rule) if rule.stack and rule.remediates else None


def lazy_remediate(rule: Rule):
    """The rule's remediate callback, importing the fix machinery on the first call: a
    preview without `remediate` policies never needs it (5 ms of the pack's start-up)."""
    made: list[Any] = []

    def remediate(args: ResourceValidationArgs) -> Any:
        if not made:
            from policypack.pulumi_remediate import make_remediate

            made.append(make_remediate(rule))
        return made[0](args)

    return remediate


def build_policies(registry: Registry) -> list[Policy]:
    """One policy per rule: a resource policy, or a stack policy for a stack rule."""
    policies: list[Policy] = []
    for rule in registry:
        common: dict[str, Any] = {
            "name": rule.name,
            "description": rule.title,
            "enforcement_level": EnforcementLevel(rule.enforcement.value),
            "config_schema": PolicyConfigSchema(properties={k: dict(v) for k, v in rule.all_options.items()}),
            "severity": PulumiSeverity(rule.severity.value),
            "tags": [rule.area, *rule.tags],
            "remediation_steps": rule.how_to_fix,
            "url": docs_url(rule),
        }
        if rule.stack:
            policies.append(RuleStackPolicy(rule, validate=make_validate_stack(rule), **common))
        else:
            if rule.fix is not None:  # its fix remediates under `remediate` (policypack/pulumi_remediate.py)
                common["remediate"] = lazy_remediate(rule)
            policies.append(RulePolicy(rule, validate=make_validate(rule, registry), **common))
    return policies


# --- one conversion of the props per request ---------------------------------


class _SharedRequest:
    """The props of one `Analyze` request, converted on first use (exactly as the SDK
    converts them for each policy, then by `plain`) and shared by every policy."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self._objects: list[tuple[Resource, tuple]] | None = None
        self._error: Exception | None = None
        self._refs: dict[int, ObjectRef] = {}
        # Primary rules' violations per resource, for the fold notes (folding.fold_note).
        self.primary_checks: dict[tuple[str, int], tuple[Resource, list]] = {}

    def ref(self, resource: Resource) -> ObjectRef:
        """The resource's ObjectRef, made once per request rather than once per rule."""
        ref = self._refs.get(id(resource))
        if ref is None:
            ref = self._refs[id(resource)] = ObjectRef.of(resource)
        return ref

    def objects(self) -> list[tuple[Resource, tuple]]:
        if self._objects is None and self._error is None:
            try:
                raw = json_format.MessageToDict(self.request.properties)
                props = unknown_checking_proxy(deserialize_properties(raw))
                self._objects = list(pulumi_objects(self.request.type, plain(props), self.request.urn))
                secrets = secret_paths(raw)  # which values the engine marks secret
                for resource, prefix in self._objects if secrets else ():
                    mark_secrets(resource, prefix, secrets)
            except Exception as error:  # noqa: BLE001 - each policy reports it, as before
                self._error = error
        if self._error is not None:
            raise self._error
        return self._objects  # type: ignore[return-value]


class _SharedStack:
    """The props of every resource of one `AnalyzeStack` request, each converted on
    first use as the SDK converts them (then by `plain`) and shared by every stack
    policy. The SDK converts every resource once per stack policy: 11 times per
    resource, most of AnalyzeStack's time on a large stack."""

    def __init__(self, request: Any) -> None:
        self._resources = {r.urn: r for r in request.resources}
        self._props: dict[str, Any] = {}

    def props(self, urn: str) -> Any:
        if urn not in self._props:
            raw = json_format.MessageToDict(self._resources[urn].properties)
            self._props[urn] = plain(unknown_checking_proxy(deserialize_properties(raw)))
        return self._props[urn]


_CURRENT_STACK: contextvars.ContextVar[_SharedStack | None] = contextvars.ContextVar("policypack_stack", default=None)

# The request being analysed by this thread (the SDK's gRPC server runs several).
_CURRENT_REQUEST: contextvars.ContextVar[_SharedRequest | None] = contextvars.ContextVar(
    "policypack_request", default=None
)


class SharedPropsServicer(_PolicyAnalyzerServicer):
    """The SDK's analyzer, except that a resource's props are converted once per request.

    The SDK's `Analyze` deserialises `request.properties` (protobuf -> dict -> unknown-
    checking proxy) for every policy before calling it; our policies then turned that
    into plain data again, each on its own. Here the SDK gets the request without its
    properties (so its per-policy work is on an empty Struct), and every `RulePolicy`
    reads the props converted once for the request. Everything else (enforcement,
    config, not-applicable, diagnostics) stays the SDK's. A pack with a resource policy
    that is not a `RulePolicy` would see empty props, so such a pack keeps the SDK's
    behaviour. Stack policies are not called by `Analyze` (`AnalyzeStack` is the SDK's).
    """

    def __init__(self, name: str, version: str, policies: list, *args: Any, **kwargs: Any) -> None:
        super().__init__(name, version, policies, *args, **kwargs)
        self._share = all(
            isinstance(policy, RulePolicy) for policy in policies if isinstance(policy, ResourceValidationPolicy)
        )
        self._resource_policies = [p for p in policies if isinstance(p, ResourceValidationPolicy)]
        self._applies: dict[str, list[bool]] = {}  # per type token: may_apply of each resource policy
        stack_policies = [p for p in policies if isinstance(p, StackValidationPolicy)]
        self._share_stack = all(isinstance(p, RuleStackPolicy) for p in stack_policies)
        # Stack policies that remediate each resource by its own check (Rule.object_check).
        self._object_remediators = [p for p in stack_policies if getattr(p, "object_remediate", None) is not None]
        self._remediating: bool | None = None  # whether any policy is at `remediate`; reset by Configure

    def Configure(self, request: Any, context: Any) -> Any:
        self._remediating = None  # enforcement levels change here (and only here)
        return super().Configure(request, context)

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        """As Analyze: the SDK gets the resources without their props, and the stack
        policies read them converted once for the request (_SharedStack)."""
        if not self._share_stack:
            return super().AnalyzeStack(request, context)
        stripped = type(request)()
        stripped.CopyFrom(request)
        for resource in stripped.resources:
            resource.ClearField("properties")
        token = _CURRENT_STACK.set(_SharedStack(request))
        try:
            return super().AnalyzeStack(stripped, context)
        finally:
            _CURRENT_STACK.reset(token)

    def Remediate(self, request: Any, context: Any) -> Any:
        """The engine calls Remediate before Analyze for every resource. The SDK first
        deserialises the props, then skips every policy whose enforcement is not
        `remediate`; with none at that level (the usual case) the answer is empty, so
        give it without the conversion (measured in docs/performance.md, "Preview")."""
        if self._remediating is None:
            self._remediating = any(
                self._get_enforcement_level(p) == EnforcementLevel.REMEDIATE
                for p in (*self._resource_policies, *self._object_remediators)
            )
        if not self._remediating:
            return analyzer_pb2.RemediateResponse()
        response = super().Remediate(request, context)
        remediators = [
            p for p in self._object_remediators if self._get_enforcement_level(p) == EnforcementLevel.REMEDIATE
        ]
        if remediators:
            self._remediate_by_object_checks(request, response, remediators)
        return response

    def _remediate_by_object_checks(self, request: Any, response: Any, policies: list[RuleStackPolicy]) -> None:
        """The SDK's remediation loop for the stack policies that remediate each
        resource by its own check, after the resource policies' (whose last new
        inputs they start from), answering as the SDK answers for a resource policy."""
        properties = request.properties
        for remediation in response.remediations:
            if remediation.HasField("properties"):
                properties = remediation.properties
        for policy in policies:
            props = unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(properties), True))
            args = ResourceValidationArgs(
                request.type,
                props,
                request.urn,
                request.name,
                self._get_resource_options(request),
                self._get_provider_resource(request),
                self._get_policy_config(policy.name),
                getattr(self, "_PolicyAnalyzerServicer__stack_tags", None),
            )
            new = policy.object_remediate(args)  # never raises (pulumi_remediate.make_remediate)
            if not new:
                continue
            properties = struct_pb2.Struct()
            for key, value in serialize_properties(new).items():
                properties[key] = value
            response.remediations.append(
                analyzer_pb2.Remediation(
                    policyName=policy.name,
                    policyPackName=self._PolicyAnalyzerServicer__policy_pack_name,
                    policyPackVersion=self._PolicyAnalyzerServicer__policy_pack_version,
                    description=policy.description,
                    properties=properties,
                )
            )

    def Analyze(self, request: Any, context: Any) -> Any:
        """The SDK's `Analyze` loop, with two differences that leave the answer unchanged.
        The props are converted once for the request (`_SharedRequest`) and every policy
        sees the empty props of a request without them. A policy whose rule cannot judge
        the resource's type (`may_apply`, once per type token) gets the not-applicable
        entry its validate would raise, without the SDK's per-policy set-up (arguments,
        options, provider props, config): 63 of the 98 resource policies on a
        Deployment, a third of the call (docs/performance.md, "Preview")."""
        if not self._share:
            return super().Analyze(request, context)
        self._configure_runtime_settings()
        response = analyzer_pb2.AnalyzeResponse()
        token = request.type
        applies = self._applies.get(token)
        if applies is None:
            applies = self._applies[token] = [may_apply(p.rule, token) for p in self._resource_policies]
        stripped = type(request)()
        stripped.CopyFrom(request)
        stripped.ClearField("properties")
        # Set by ConfigureStack (empty until then); the SDK passes it to every policy.
        stack_tags = getattr(self, "_PolicyAnalyzerServicer__stack_tags", None)
        # What the SDK builds for each policy, built once: no policy reads the props proxy
        # (they share the converted props), and options and provider are read-only.
        shared_args: tuple[Any, Any, Any] | None = None
        current = _CURRENT_REQUEST.set(_SharedRequest(request))
        try:
            for policy, may in zip(self._resource_policies, applies, strict=True):
                level = self._get_enforcement_level(policy)
                if level == EnforcementLevel.DISABLED:
                    continue
                if not may:
                    response.not_applicable.append(
                        analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=not_judged(policy.rule, token))
                    )
                    continue
                if level == EnforcementLevel.REMEDIATE:
                    level = EnforcementLevel.MANDATORY  # as the SDK: a violation left after remediation
                report_violation = self._create_report_violation(
                    response, policy.name, policy.description, level, policy.severity
                )
                if shared_args is None:
                    shared_args = (
                        unknown_checking_proxy(deserialize_properties({})),
                        self._get_resource_options(stripped),
                        self._get_provider_resource(stripped),
                    )
                props, options, provider = shared_args
                args = ResourceValidationArgs(
                    token,
                    props,
                    request.urn,
                    request.name,
                    options,
                    provider,
                    self._get_policy_config(policy.name),
                    stack_tags,
                )
                try:
                    policy.validate(args, report_violation)  # a RulePolicy's validate is synchronous
                except UnknownValueError as error:  # as the SDK (plain() keeps it from happening)
                    response.diagnostics.append(
                        analyzer_pb2.AnalyzeDiagnostic(
                            policyName=policy.name,
                            policyPackName=self._PolicyAnalyzerServicer__policy_pack_name,
                            policyPackVersion=self._PolicyAnalyzerServicer__policy_pack_version,
                            message=(
                                f"can't run policy '{policy.name}' from policy pack "
                                f"'{self._PolicyAnalyzerServicer__policy_pack_name}"
                                f"@v{self._PolicyAnalyzerServicer__policy_pack_version}' during preview: "
                                f"{error.message}"
                            ),
                            urn="",
                            description=policy.description,
                            enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
                        )
                    )
                except _NotApplicableError as error:
                    response.not_applicable.append(
                        analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
                    )
        finally:
            _CURRENT_REQUEST.reset(current)
        return response


def serve() -> None:  # pragma: no cover - runs forever; exercised by the protocol test
    """Start the policy pack's gRPC server (blocks). Call only from the pack's entry point."""
    from pulumi_policy import PolicyPack, policy

    registry = load_registry()
    # PolicyPack builds its servicer from this module attribute and then serves forever;
    # there is no other way to hand it ours. It checks its arguments as usual.
    policy._PolicyAnalyzerServicer = SharedPropsServicer
    PolicyPack(
        name=PACK_NAME,
        policies=build_policies(registry),
        enforcement_level=EnforcementLevel.ADVISORY,
        description=(
            f"Kubernetes playbook policy pack {__version__}: workload hardening, least privilege, "
            "exposure and delivery rules for Kubernetes and the cloud around it."
        ),
    )
