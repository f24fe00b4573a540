"""What a rule is.

A rule module in `rules/` holds a docstring (its documentation) and a module-level
`RULE = Rule(...)`. The docstring's first line is the title, the paragraphs
after it say what the rule checks; the sections `Why it matters:` and `How to fix:`
are required, `Notes:` is optional. Each section
header stands alone on its line; its text follows, indented or not.

The check function receives the `Resource` and the options (defaults filled in,
validated against the rule's schema) and yields `Violation`s: a message that states
the fact and the path of the offending field. It knows nothing of files, Pulumi, or
enforcement.
"""

from __future__ import annotations

import enum
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from policypack.folding import SCOPES
from policypack.model import CUSTOM_RESOURCES, Resource
from policypack.patch import UNSAFE_FIXES_OFFLINE_OPTION, UNSAFE_FIXES_OPTION, Fix
from policypack.values import Path


class Severity(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class Enforcement(enum.Enum):
    """Pulumi's enforcement levels. Offline, `mandatory` (and `remediate`) fail the gate."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"

    @property
    def blocks(self) -> bool:
        return self in (Enforcement.MANDATORY, Enforcement.REMEDIATE)


#: The playbook areas; every rule belongs to exactly one (docs are grouped by it).
AREAS: tuple[str, ...] = (
    "control-plane",
    "worker-nodes",
    "identity",
    "cluster-services",
    "application-delivery",
    "application-services",
    "workload-hardening",
    "availability",
    "upgrades",
)

#: Profiles a user selects in one word (`policypack lint --profile NAME`, or the shipped
#: `profiles/NAME.json` for `pulumi preview --policy-pack-config`). Every rule is in
#: `playbook` at its default enforcement; a rule names the other profiles it belongs to.
PROFILES: dict[str, str] = {
    "playbook": "Every rule at its default enforcement (the default).",
    "pss-baseline": "The Pod Security Standards' Baseline level, each control mandatory; nothing else.",
    "pss-restricted": "The Pod Security Standards' Restricted level (Baseline included), mandatory; nothing else.",
    "strict": "Every rule, including those off by default, mandatory; annotations cannot suppress findings.",
    "correctness": (
        "Only what stops objects applying or working (invalid names, fields and values, removed APIs, "
        "references that resolve to nothing), at their default enforcement: for local development stacks."
    ),
}

#: Options every rule has, on top of its own (see docs/suppressions.md).
COMMON_OPTIONS: dict[str, dict[str, Any]] = {
    "exemptions": {
        "type": "array",
        "default": [],
        "description": (
            "Objects this rule does not judge, for those you cannot annotate (third-party charts). "
            "Each entry matches by kind, namespace, name (globs) and/or urn (glob), and must give a reason; "
            "after `expires` (YYYY-MM-DD) the findings come back."
        ),
        "items": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "minLength": 1},
                "namespace": {"type": "string", "minLength": 1},
                "name": {"type": "string", "minLength": 1},
                "urn": {"type": "string", "minLength": 1},
                "reason": {"type": "string", "pattern": "\\S"},
                "expires": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"},
            },
            "required": ["reason"],
            "anyOf": [
                {"required": ["kind"]},
                {"required": ["namespace"]},
                {"required": ["name"]},
                {"required": ["urn"]},
            ],
            "additionalProperties": False,
        },
    },
    "allowSuppression": {
        "type": "boolean",
        "default": True,
        "description": (
            "Whether `ignore.policypack.io/<rule>` annotations may suppress this rule's findings "
            "(false: security owns the exceptions, through `exemptions`)."
        ),
    },
}

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
REQUIRED_SECTIONS = ("Why it matters", "How to fix")
OPTIONAL_SECTIONS = ("Notes",)
_SECTION_HEADER = re.compile(r"^(?P<name>[A-Z][A-Za-z ]+):\s*$")


@dataclass(frozen=True)
class Violation:
    """What a check yields: the offending field's path and a message."""

    path: Path
    message: str


@dataclass(frozen=True)
class StackViolation:
    """What a stack rule's check yields: the object that must change, the path of the
    offending field in it, and a message.

    `cause`, when given, names a root cause that several objects' findings share
    (`namespace "shop" has no NetworkPolicy at all`): the engine reports the first of
    those findings (by object identity, not input order) with the others folded under
    it, its message ending `(<cause>; also on <objects>)`, in both modes
    (`engine.stack_findings`). A finding alone with its cause reads as it is."""

    resource: Resource
    path: Path
    message: str
    cause: str | None = None


CheckFunction = Callable[[Resource, Mapping[str, Any]], Iterable[Violation]]
# A stack rule's check: `(Stack, options) -> Iterable[StackViolation]` (see policypack.stack).
StackCheckFunction = Callable[[Any, Mapping[str, Any]], Iterable[StackViolation]]


@dataclass(frozen=True)
class Rule:
    name: str
    doc: str | None
    severity: Severity
    area: str
    check: CheckFunction
    kinds: frozenset[str] = frozenset()  # Kubernetes kinds this rule judges
    types: frozenset[str] = frozenset()  # Pulumi type tokens this rule judges
    enforcement: Enforcement = Enforcement.ADVISORY
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()  # profiles besides `playbook` (see PROFILES)
    # A stack rule judges the whole set at once (the stack, or every document of a
    # lint run): its check takes a `Stack` and yields `StackViolation`s. `kinds` and
    # `types` say which resources it needs to see.
    stack: bool = False
    # One root cause, one finding (policypack/folding.py): the rules whose finding on
    # the same object makes this rule's a consequence, each with where the two meet
    # ("field", "container" or "entry").
    folds_into: Mapping[str, str] = field(default_factory=dict)
    # Whether the rule's findings on one object are one root cause: a role built of `*`
    # rules, a pod's hostPath volumes. They fold into the first, which lists the others
    # (policypack/folding.py), as Pod Security Admission reports one violation per control.
    one_per_object: bool = False
    # Copies of one object in alternative files (policypack/lint.py `fold_copies`) fold
    # when the rule says the same words of both, or finds the same value in the field.
    # With this, a finding on the same field folds whatever the field holds: the value
    # is not the root cause (a hostPath volume's path: corpus28's mage Pod, written
    # twice with two placeholder paths).
    copies_fold_by_field: bool = False
    # Offline, a finding on a field a kustomize patch of the run writes is dropped: as
    # deployed, the field is the overlay's (engine.overlay_writes). A rule that reads
    # such fields as deployed (`Resource.deployed_value`) judges the overlay's value,
    # and keeps its findings there.
    reads_overlays: bool = False
    # How to fix what the check finds (policypack/patch.py): one fix for both modes. A
    # stack rule's fix is offline only (`policypack fix`): Pulumi remediates each
    # resource before the stack is known.
    fix: Fix | None = None
    # A stack rule whose verdict on an object is that object's own check, which the
    # set can only excuse (a LoadBalancer the set shows is a bare-metal one's), names
    # that check here. Pulumi remediates with the fix where this check fires, one
    # resource at a time before the stack is known (policypack/pulumi_remediate.py).
    object_check: CheckFunction | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(self.kinds))
        object.__setattr__(self, "types", frozenset(self.types))
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "profiles", tuple(self.profiles))
        object.__setattr__(self, "folds_into", dict(self.folds_into))

    # The docstring's parts, parsed when first read: a lint run reads none of them, and
    # parsing 110 docstrings was a fifth of a one-file run's start-up (issue 15).
    # (cached_property writes the instance's __dict__, which a frozen dataclass allows.)
    @cached_property
    def _sections(self) -> dict[str, str]:
        return parse_doc(self.doc or "")

    @property
    def title(self) -> str:
        return self._sections.get("title", "")

    @property
    def description(self) -> str:
        return self._sections.get("description", "")

    @property
    def why(self) -> str:
        return self._sections.get("Why it matters", "")

    @property
    def how_to_fix(self) -> str:
        return self._sections.get("How to fix", "")

    @property
    def notes(self) -> str:
        return self._sections.get("Notes", "")

    def applies_to(self, resource: Resource) -> bool:
        """Whether the rule judges this resource (by Kubernetes kind or type token)."""
        if resource.type in self.types or (resource.kind is not None and resource.kind in self.kinds):
            return True
        return CUSTOM_RESOURCES in self.kinds and resource.is_custom_resource

    @property
    def all_options(self) -> dict[str, Mapping[str, Any]]:
        """The rule's own options and the common ones (exemptions, allowSuppression)."""
        if self.fix is not None and not self.fix.safe:
            unsafe = UNSAFE_FIXES_OPTION if self.remediates else UNSAFE_FIXES_OFFLINE_OPTION
            return {**self.options, "unsafeFixes": unsafe, **COMMON_OPTIONS}
        return {**self.options, **COMMON_OPTIONS}

    @property
    def remediates(self) -> bool:
        """Whether Pulumi remediates with the rule's fix: a resource rule's, or a stack
        rule's that judges each object by its own `object_check` first."""
        return self.fix is not None and (not self.stack or self.object_check is not None)

    @property
    def defaults(self) -> dict[str, Any]:
        return {key: schema["default"] for key, schema in self.all_options.items() if "default" in schema}

    @property
    def options_schema(self) -> dict[str, Any]:
        """The JSON Schema of this rule's options (without `enforcementLevel`)."""
        return {"type": "object", "properties": self.all_options, "additionalProperties": False}

    def in_profile(self, profile: str) -> bool:
        if profile in ("playbook", "strict"):
            return profile == "strict" or self.enforcement is not Enforcement.DISABLED
        return profile in self.profiles

    def problems(self, docs: bool = True) -> list[str]:
        """What is wrong with this definition (the registry refuses rules with any).
        `docs=False` leaves the docstring out: parsing it is most of the cost."""
        problems = []
        if not NAME_PATTERN.match(self.name) or self.name == "all":
            problems.append(f"name {self.name!r} is not kebab-case (or is the reserved 'all')")
        if docs:
            problems.extend(self.doc_problems())
        if self.area not in AREAS:
            problems.append(f"area {self.area!r} is not one of {', '.join(AREAS)}")
        if not self.kinds and not self.types:
            problems.append("it targets nothing (give kinds or types)")
        if self.enforcement is Enforcement.REMEDIATE:
            problems.append("default enforcement must be advisory, mandatory or disabled (off by default)")
        if self.fix is not None and not callable(self.fix.function):
            problems.append("its fix is not callable")
        if self.object_check is not None and not (self.stack and callable(self.object_check)):
            problems.append("object_check is for stack rules, and must be callable")
        for profile in self.profiles:
            if profile not in PROFILES or profile in ("playbook", "strict"):
                problems.append(f"profile {profile!r} is not one a rule can name ({', '.join(list(PROFILES)[1:3])})")
        for primary, scope in self.folds_into.items():
            if scope not in SCOPES or primary == self.name:
                problems.append(f"folds_into {primary!r}: {scope!r} (another rule, at one of {', '.join(SCOPES)})")
        for key, schema in self.options.items():
            if key in ("enforcementLevel", "unsafeFixes") or key in COMMON_OPTIONS:
                problems.append(f"{key!r} is reserved and cannot be an option")
            if "default" not in schema:
                problems.append(f"option {key!r} has no default")
            if not schema.get("description"):
                problems.append(f"option {key!r} has no description")
            if "type" not in schema and "enum" not in schema:
                problems.append(f"option {key!r} has no type")
        return problems

    def doc_problems(self) -> list[str]:
        problems = []
        if not self.title:
            problems.append("the docstring has no title line")
        if not self.description:
            problems.append("the docstring does not say what the rule checks (text after the title)")
        sections = {"Why it matters": self.why, "How to fix": self.how_to_fix}
        for section in REQUIRED_SECTIONS:
            if not sections.get(section):
                problems.append(f"the docstring has no '{section}:' section")
        return problems


def parse_doc(doc: str) -> dict[str, str]:
    """Split a rule docstring into its title and named sections."""
    lines = textwrap.dedent(doc).strip("\n").splitlines()
    if not lines:
        return {}
    # The first line of a docstring has no indentation of its own; dedent the rest.
    first, rest = lines[0].strip(), textwrap.dedent("\n".join(lines[1:])).splitlines()
    sections: dict[str, list[str]] = {"title": [first], "description": []}
    current = sections["description"]
    for line in rest:
        header = _SECTION_HEADER.match(line)
        if header and header["name"] in REQUIRED_SECTIONS + OPTIONAL_SECTIONS:
            current = sections.setdefault(header["name"], [])
        else:
            current.append(line)
    return {name: textwrap.dedent("\n".join(body)).strip() for name, body in sections.items()}
