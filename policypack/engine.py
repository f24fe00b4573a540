"""The engine: run the rules that target a resource, with their options, in isolation.

A rule that raises on odd input does not take anything else down: its exception
becomes an error finding for that rule and that object, and every other rule's
verdict stands. Both modes call `run_rule`; offline calls `run` for all rules.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from policypack import ROOT
from policypack.baseline import Anchor, anchor_of
from policypack.config import PackConfig
from policypack.debuglog import log
from policypack.folding import fold
from policypack.model import CLUSTER_SCOPED_KINDS, POD_KINDS, Resource
from policypack.registry import Registry
from policypack.rule import Enforcement, Rule, Severity, StackViolation, Violation
from policypack.stack import DEFAULT_NAMESPACE, Stack, clusters
from policypack.values import UNKNOWN, Path, as_mapping


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding does not count: an annotation on the object, or a config exemption."""

    kind: str  # "annotation" or "exemption"
    reason: str
    source: str  # the annotation key, or "<config file>: <rule>.exemptions[i]"


@dataclass(frozen=True, slots=True)
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
    anchor: Anchor | None = None  # the object and field, line-free (baseline.py); None for a rule failure
    # Findings of other rules that follow from this one, on the same object (see
    # policypack/folding.py): listed under it, not reported on their own.
    folded: tuple[Finding, ...] = ()

    @property
    def blocks(self) -> bool:
        return self.enforcement.blocks and self.suppression is None


# Path keys that name a structure, not a field a finding is about: a finding placed
# on one (a missing field reported at its parent) is not decided by a patch below it.
_STRUCTURE_KEYS = frozenset({"spec", "template", "metadata", "jobTemplate"})


def overlay_writes(resource: Resource, path: Path) -> bool:
    """Whether a kustomize patch of the run writes the field a finding names (or inside
    it, or replaces what holds it): as deployed that field is the overlay's, which
    the pack does not merge, so the finding is unknown (corpus21: Rocket.Chat's
    production patch drops ALL capabilities the base leaves). A finding placed on a
    container or a structure (`spec`) is kept: a patch of one of its fields (the
    container's `resources`) says nothing of the field it misses. Offline only."""
    if not path or not isinstance(path[-1], str) or path[-1] in _STRUCTURE_KEYS:
        return False
    return resource.patched(*path) or resource.patched(*_pod_level(path))


# Security settings a pod's securityContext gives every container that does not set its own.
_POD_LEVEL_SETTINGS = frozenset(
    {"seccompProfile", "runAsNonRoot", "runAsUser", "runAsGroup", "seLinuxOptions", "appArmorProfile", "windowsOptions"}
)


def _pod_level(path: Path) -> Path:
    """For a container's security setting that the pod may set for all its containers
    (`...containers[0].securityContext.seccompProfile`), the pod's own
    (`...spec.securityContext.seccompProfile`): a patch that writes it there decides
    the container's too (corpus21: Rocket.Chat's production patch). Else the path."""
    for index in range(len(path) - 3):
        if path[index] in ("containers", "initContainers") and isinstance(path[index + 1], int):
            rest = path[index + 2 :]
            if len(rest) >= 2 and rest[0] == "securityContext" and rest[1] in _POD_LEVEL_SETTINGS:
                return (*path[:index], *rest)
    return path


class Engine:
    def __init__(self, registry: Registry, config: PackConfig | None = None, today: date | None = None) -> None:
        self.registry = registry
        self.config = config or PackConfig.default(registry)
        self.today = today or datetime.now(timezone.utc).date()  # for exemption expiry
        # Enabled rules per (kind, type), computed once per target.
        self._cache: dict[tuple[str | None, str], tuple[list[Rule], list[Rule]]] = {}

    def _rules(self, resource: Resource) -> tuple[list[Rule], list[Rule]]:
        key = (resource.kind, resource.type)
        found = self._cache.get(key)
        if found is None:
            enabled = [r for r in self.registry.rules_for(*key) if self.config.for_rule(r).enabled]
            found = ([r for r in enabled if not r.stack], [r for r in enabled if r.stack])
            self._cache[key] = found
        return found

    def rules_for(self, resource: Resource) -> list[Rule]:
        """The enabled resource rules that judge this resource."""
        return self._rules(resource)[0]

    def stack_rules_for(self, resource: Resource) -> list[Rule]:
        """The enabled stack rules that need to see this resource."""
        return self._rules(resource)[1]

    def run(self, resource: Resource, object_ref: ObjectRef | None = None) -> list[Finding]:
        ref = object_ref or ObjectRef.of(resource)
        findings: list[Finding] = []
        for target, rules in self.judged(resource):
            annotated = _has_suppression_annotations(target)
            for rule in rules:
                settings = self.config.for_rule(rule)
                raw = run_rule(rule, target, settings.options, settings.enforcement, ref)
                if target.patched_paths and not rule.reads_overlays:
                    raw = [f for f in raw if f.error or not overlay_writes(target, f.path)]
                if annotated or settings.options.get("exemptions"):
                    raw = [settle(f, rule, target, settings.options, self.today) for f in raw]
                findings.extend(raw)  # else settle would return them as they are
        return fold(findings, resource, self.registry)

    def judged(self, resource: Resource) -> list[tuple[Resource, list[Rule]]]:
        """The resource with the rules that judge it, then for a custom resource each
        of its pod templates (`Resource.pod_views`) with the rules that judge pods."""
        views = resource.pod_views()  # none but for a custom resource's pod templates
        if not views:
            return [(resource, self.rules_for(resource))]
        # A pod rule judges the templates, not the object (a custom kind may share a
        # built-in kind's name: Volcano's Job); as `targets` decides in Pulumi mode.
        own = [rule for rule in self.rules_for(resource) if not judges_pods(rule)]
        return [(resource, own), *((view, self._pod_rules()) for view in views)]

    def _pod_rules(self) -> list[Rule]:
        """The enabled resource rules that judge every pod (see `judges_pods`)."""
        found = self._cache.get((None, "(pods)"))
        if found is None:
            rules = [r for r in self.registry if judges_pods(r) and self.config.for_rule(r).enabled]
            found = self._cache[(None, "(pods)")] = (rules, [])
        return found[0]

    def run_stack(
        self,
        resources: Iterable[Resource],
        unreadable: Iterable[str] = (),
        place: Callable[[Finding, Resource], Finding] | None = None,
    ) -> Iterator[tuple[Finding, Resource | None]]:
        """Every enabled stack rule over the resources it targets, one cluster at a
        time. Each finding comes with the resource it is about (None for a rule failure),
        as it is made (a large run's findings need not all exist at once). `unreadable`:
        the files of the run with a document that could not be read (Stack). `place`
        gives a finding its location (offline), before findings of one cause fold."""
        unreadable = tuple(unreadable)
        targets: dict[str, list[Resource]] = {}
        for resource in resources:
            for rule in self.stack_rules_for(resource):
                targets.setdefault(rule.name, []).append(resource)
        # Rules that target the same objects share one Stack (its indexes are built
        # once): the pdb-* rules, say. A Stack is read-only to the rules.
        built: dict[tuple[Any, ...], Stack] = {}
        for name, members in targets.items():
            rule = self.registry.get(name)
            settings = self.config.for_rule(rule)
            for group in clusters(members):
                default = settings.options.get("defaultNamespace", DEFAULT_NAMESPACE)
                key = (default, *map(id, group))
                stack = built.get(key)
                if stack is None:
                    stack = built[key] = Stack(group, default_namespace=default, unreadable=unreadable)
                yield from stack_findings(rule, stack, settings.options, settings.enforcement, self.today, place=place)


def judges_pods(rule: Rule) -> bool:
    """A resource rule that targets exactly the pod-bearing kinds (`kinds=POD_KINDS`)
    judges a pod spec, whatever holds it: it also judges each pod template of a custom
    resource (`Resource.pod_views`). Rules that target some workload kinds only
    (replicas, probes, rollout strategy) depend on what the controller does with its
    pods, which a custom kind does not tell, and do not."""
    return not rule.stack and rule.kinds == POD_KINDS


def targets(rule: Rule, resource: Resource) -> list[Resource]:
    """What the rule judges in this resource: the resource itself, or for a pod rule
    the pod template views of a custom resource; [] when nothing."""
    views = resource.pod_views() if judges_pods(rule) else []
    if views:
        return views
    return [resource] if rule.applies_to(resource) else []


def run_rule(
    rule: Rule,
    resource: Resource,
    options: Mapping[str, Any],
    enforcement: Enforcement,
    ref: ObjectRef,
    anchors: bool = True,
) -> list[Finding]:
    """One rule on one resource; never raises. `anchors`: give each finding its
    line-free anchor (what a baseline matches: baseline.py); Pulumi mode has no
    baseline to match, and skips that cost (about a fifth of an Analyze call)."""
    findings: list[Finding] = []
    try:
        for violation in rule.check(resource, options):
            findings.append(_finding(rule, resource, violation, enforcement, ref, anchors))
    except Exception as error:  # noqa: BLE001 - isolation is the point
        # The exception's text may quote data from the object (a secret, say), so the
        # finding names only its type and where in the rule it happened; the full
        # traceback goes to the debug log (`policypack lint --debug`).
        log.debug("rule %s failed on %s:\n%s", rule.name, ref.describe(), traceback.format_exc())
        findings.append(_failure(rule, error, enforcement, ref))
    return findings


def stack_findings(
    rule: Rule,
    stack: Stack,
    options: Mapping[str, Any],
    enforcement: Enforcement,
    today: date,
    anchors: bool = True,
    place: Callable[[Finding, Resource], Finding] | None = None,
    fold: bool = True,
) -> Iterator[tuple[Finding, Resource | None]]:
    """One stack rule's findings as both modes report them: a field an overlay writes
    left out (offline), each settled (exemptions, annotations), placed (`place`,
    offline), then the findings that name one cause folded under the first of them
    (`StackViolation.cause`). Pulumi, where each resource's violations are its own,
    asks `fold=False`: each finding of such a cause is reported, naming the cause and
    the others (as a folded finding there carries a `follows from` note)."""
    held: dict[str, list[tuple[Finding, Resource]]] = {}
    for finding, resource, cause in _stack_rule_findings(rule, stack, options, enforcement, anchors):
        if resource is not None and resource.stand_in:
            continue  # a refused object's stand-in: context for the others, never judged
        if resource is not None:
            if (
                resource.patched_paths
                and not rule.reads_overlays
                and not finding.error
                and overlay_writes(resource, finding.path)
            ):
                continue  # as deployed, the field is the overlay's (see overlay_writes)
            finding = settle(finding, rule, resource, options, today)
            if place is not None:
                finding = place(finding, resource)
            if cause is not None and finding.suppression is None:
                held.setdefault(cause, []).append((finding, resource))
                continue  # a suppressed finding is its own: it neither folds nor is a primary
        yield finding, resource
    for cause, found in held.items():
        if len(found) == 1:
            yield found[0]
            continue
        found = sorted(found, key=lambda pair: _identity(pair[0].object))
        if fold:
            yield _one_cause(cause, found)
            continue
        for finding, resource in found:
            others = _names([other for other, _ in found if other is not finding])
            yield dataclasses.replace(finding, message=f"{finding.message} ({cause}; also on {others})"), resource


def _one_cause(cause: str, found: list[tuple[Finding, Resource]]) -> tuple[Finding, Resource]:
    """The findings of one cause as one: the first by object identity (so the same one
    whatever the order of the input: a baseline survives documents moved around) with
    the others folded under it, each kept with its own object, field and line (a
    baseline records each)."""
    (primary, resource), others = found[0], [finding for finding, _ in found[1:]]
    message = f"{primary.message} ({cause}; also on {_names(others)})"
    return dataclasses.replace(primary, message=message, folded=(*primary.folded, *others)), resource


def _names(findings: list[Finding]) -> str:
    """`Deployment api, StatefulSet search and 2 more`: the objects of findings."""
    names = list(dict.fromkeys(" ".join(filter(None, (f.object.kind, f.object.name))) for f in findings))
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _identity(ref: ObjectRef) -> tuple[str, ...]:
    return tuple(str(part or "") for part in (ref.namespace, ref.kind, ref.name, ref.urn))


def run_stack_rule(
    rule: Rule, stack: Stack, options: Mapping[str, Any], enforcement: Enforcement, anchors: bool = True
) -> list[tuple[Finding, Resource | None]]:
    """One stack rule on one cluster's resources; never raises (`anchors`: as run_rule)."""
    return list(iter_stack_rule(rule, stack, options, enforcement, anchors))


def iter_stack_rule(
    rule: Rule, stack: Stack, options: Mapping[str, Any], enforcement: Enforcement, anchors: bool = True
) -> Iterator[tuple[Finding, Resource | None]]:
    """`run_stack_rule`, its findings made as they are asked for (offline, a rule over
    a large set may find tens of thousands; they need not all exist at once). Raw:
    not settled, and findings of one cause not folded (see `stack_findings`)."""
    for finding, resource, _ in _stack_rule_findings(rule, stack, options, enforcement, anchors):
        yield finding, resource


def _stack_rule_findings(
    rule: Rule, stack: Stack, options: Mapping[str, Any], enforcement: Enforcement, anchors: bool
) -> Iterator[tuple[Finding, Resource | None, str | None]]:
    try:
        for violation in rule.check(stack, options):
            if not isinstance(violation, StackViolation):
                raise TypeError(f"check yielded {type(violation).__name__}, not a StackViolation")
            resource = violation.resource
            found = _finding(rule, resource, Violation(violation.path, violation.message), enforcement, anchors=anchors)
            yield found, resource, violation.cause if isinstance(violation.cause, str) else None
    except Exception as error:  # noqa: BLE001 - isolation is the point
        log.debug("stack rule %s failed:\n%s", rule.name, traceback.format_exc())
        yield _failure(rule, error, enforcement, STACK_REF), None, None


#: Names "the whole set" in a stack rule's failure.
STACK_REF = ObjectRef(type="(all objects)")


def _failure(rule: Rule, error: BaseException, enforcement: Enforcement, ref: ObjectRef) -> Finding:
    return Finding(
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


# --- Suppressions ------------------------------------------------------------

#: `ignore.policypack.io/<rule>: "reason"` suppresses a rule for the object (and, on a
#: workload, its pods); `ignore.policypack.io/<rule>.<container>` for one container.
ANNOTATION_PREFIX = "ignore.policypack.io/"


def settle(finding: Finding, rule: Rule, resource: Resource, options: Mapping[str, Any], today: date) -> Finding:
    """Apply the config's exemptions, then the object's annotations, to one finding.

    A suppressed finding keeps its place with `suppression` set: reports list it, the
    gate ignores it. Any valid exemption or annotation suppresses. When none does, an
    expired exemption, an annotation without a reason (or whose value is not known
    yet), or an annotation on a rule that does not allow them leaves the finding as
    it was, with a note saying why."""
    if finding.error:
        return finding
    notes: list[str] = []
    for index, exemption in enumerate(options.get("exemptions") or ()):
        if not _exemption_matches(exemption, resource, options):
            continue
        reason = str(exemption.get("reason", "")).strip()
        expires = exemption.get("expires")
        if isinstance(expires, str) and _expired(expires, today):
            notes.append(f"exemption expired on {expires}: {reason}")
        elif not reason:
            notes.append(f"exemption {rule.name}.exemptions[{index}] must give a reason")
        else:
            source = f"{rule.name}.exemptions[{index}]"
            return dataclasses.replace(finding, suppression=Suppression("exemption", reason, source))
    for key, value in _annotations_for(finding, rule, resource):
        if options.get("allowSuppression", True) is not True:
            notes.append(f"annotation {key} ignored: {rule.name} cannot be suppressed by annotation here")
            break
        if value is UNKNOWN:
            notes.append(f"annotation {key} is not known yet")
        elif not isinstance(value, str) or not value.strip():
            notes.append(f"not suppressed: annotation {key} must give a reason")
        else:
            return dataclasses.replace(finding, suppression=Suppression("annotation", value.strip(), key))
    if not notes:
        return finding
    return dataclasses.replace(finding, message=f"{finding.message} ({'; '.join(dict.fromkeys(notes))})")


def _annotations_for(finding: Finding, rule: Rule, resource: Resource) -> list[tuple[str, Any]]:
    """The suppression annotations that apply to a finding: on the object and on its
    pod template, for the rule, or for the rule and the finding's container."""
    keys = [ANNOTATION_PREFIX + rule.name]
    if finding.container:
        keys.append(f"{ANNOTATION_PREFIX}{rule.name}.{finding.container}")
    places = [resource.annotations]
    pod_metadata = resource.pod_metadata_path
    if pod_metadata is None:
        # A stack rule's finding in a custom resource's pod template (a stack rule gets
        # the object, not the template's view): that template's annotations count too.
        spec = next((p for p in resource.pod_spec_paths if finding.path[: len(p)] == p), None)
        pod_metadata = None if spec is None else spec[:-1] + ("metadata",)
    if pod_metadata is not None and pod_metadata != ("metadata",):
        places.append(as_mapping(resource.get(*pod_metadata, "annotations")))
    found = []
    for place in places:
        for key in keys:
            if key in place:
                found.append((key, place[key]))
    return found


def _has_suppression_annotations(resource: Resource) -> bool:
    """Whether any annotation `_annotations_for` reads could suppress something."""
    places = [resource.annotations]
    pod_metadata = resource.pod_metadata_path
    if pod_metadata is not None:
        places.append(as_mapping(resource.get(*pod_metadata, "annotations")))
    return any(isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) for place in places for key in place)


def _exemption_matches(exemption: Mapping[str, Any], resource: Resource, options: Mapping[str, Any]) -> bool:
    if resource.is_kubernetes:
        namespace = resource.namespace
        if namespace is None or namespace == "":
            # Where it will be applied (what stack findings say): the run's default.
            namespace = None if resource.kind in CLUSTER_SCOPED_KINDS else options.get("defaultNamespace", "default")
        fields = {"kind": resource.kind, "namespace": namespace, "name": resource.name, "urn": resource.urn}
    else:
        fields = {"kind": resource.type, "namespace": None, "name": resource.logical_name, "urn": resource.urn}
    for key in ("kind", "namespace", "name", "urn"):
        pattern = exemption.get(key)
        if pattern is None:
            continue
        value = fields[key]
        if not isinstance(value, str) or not fnmatch.fnmatchcase(value, pattern):
            return False
    return True


def _expired(expires: str, today: date) -> bool:
    try:
        return date.fromisoformat(expires) < today
    except ValueError:
        return True  # the schema refuses malformed dates; never let one exempt forever


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


def _finding(
    rule: Rule,
    resource: Resource,
    violation: Violation,
    enforcement: Enforcement,
    ref: ObjectRef | None = None,
    anchors: bool = True,
) -> Finding:
    if not isinstance(violation, Violation):
        raise TypeError(f"check yielded {type(violation).__name__}, not a Violation")
    container = resource.container_at(violation.path)
    return Finding(
        rule=rule.name,
        severity=rule.severity,
        enforcement=enforcement,
        message=violation.message,
        path=tuple(violation.path),
        object=ref or ObjectRef.of(resource),
        container=container.name if container and isinstance(container.name, str) else None,
        anchor=anchor_of(resource, tuple(violation.path)) if anchors else None,
    )
