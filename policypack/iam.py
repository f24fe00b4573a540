"""The AWS IAM policy-document model: where documents live in Pulumi resources, and
their statements with paths.

A document arrives as a JSON string or as an object with AWS's PascalCase keys, and
during preview as an unknown value; `Statement`, `Action`, `Resource` and the like
are a single value or a list. This module hides all of that: rules iterate over
`Statement`s and read normalised value lists whose entries keep their paths.

Paths inside a document given as a JSON string cannot be placed in a file, so they
stop at the property that holds the string; messages name the statement instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policypack.model import Resource
from policypack.values import UNKNOWN, Path, as_list, get, is_unknown

# Where identity-based policy documents live: type token -> paths of the property
# (a `*` stands for every index of a list).
IDENTITY_POLICY_PROPERTIES: dict[str, tuple[Path, ...]] = {
    "aws:iam/policy:Policy": (("policy",),),
    "aws:iam/rolePolicy:RolePolicy": (("policy",),),
    "aws:iam/userPolicy:UserPolicy": (("policy",),),
    "aws:iam/groupPolicy:GroupPolicy": (("policy",),),
    "aws:iam/role:Role": (("inlinePolicies", "*", "policy"),),
}

IDENTITY_POLICY_TYPES: frozenset[str] = frozenset(IDENTITY_POLICY_PROPERTIES)


@dataclass(frozen=True)
class Value:
    """One entry of a statement field (`Action: ["s3:GetObject", ...]`)."""

    value: Any  # a string, or UNKNOWN during preview
    path: Path


@dataclass(frozen=True)
class Statement:
    data: Mapping[str, Any]
    index: int
    path: Path
    embedded: bool  # the document was a JSON string: `path` stops at its property

    @property
    def sid(self) -> str | None:
        sid = self.data.get("Sid")
        return sid if isinstance(sid, str) and sid else None

    @property
    def label(self) -> str:
        return f'statement "{self.sid}"' if self.sid else f"statement #{self.index}"

    @property
    def effect(self) -> Any:
        return self.data.get("Effect")

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def has(self, field: str) -> bool:
        return field in self.data

    def values(self, field: str) -> list[Value] | None:
        """The entries of a field as a list; None when the whole field is unknown."""
        raw = self.data.get(field)
        if is_unknown(raw):
            return None
        base = self.path if self.embedded else self.path + (field,)
        if isinstance(raw, list):
            return [Value(v, base if self.embedded else base + (i,)) for i, v in enumerate(raw)]
        if raw is None:
            return []
        return [Value(raw, base)]


@dataclass(frozen=True)
class PolicyDocument:
    data: Any  # Mapping, or UNKNOWN, or None when it is not valid JSON
    path: Path  # of the property holding the document
    embedded: bool

    def statements(self) -> Iterator[Statement]:
        if not isinstance(self.data, Mapping):
            return
        raw = self.data.get("Statement")
        if isinstance(raw, Mapping):
            entries: list[tuple[int, Any, Path]] = [(0, raw, self.path + ("Statement",))]
        else:
            entries = [(i, s, self.path + ("Statement", i)) for i, s in enumerate(as_list(raw))]
        for index, statement, path in entries:
            if isinstance(statement, Mapping):
                yield Statement(statement, index, self.path if self.embedded else path, self.embedded)


def parse_document(value: Any, path: Path) -> PolicyDocument | None:
    """A document from a property value: JSON text, an object, or unknown."""
    if is_unknown(value):
        return PolicyDocument(UNKNOWN, path, embedded=False)
    if isinstance(value, Mapping):
        return PolicyDocument(value, path, embedded=False)
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError:
            return PolicyDocument(None, path, embedded=True)
        return PolicyDocument(data, path, embedded=True)
    return None


def identity_policies(resource: Resource) -> Iterator[PolicyDocument]:
    """Every identity-based policy document of a resource."""
    for pattern in IDENTITY_POLICY_PROPERTIES.get(resource.type, ()):
        for value, path in _expand(resource.props, pattern, ()):
            document = parse_document(value, path)
            if document is not None:
                yield document


def _expand(data: Any, pattern: Path, prefix: Path) -> Iterator[tuple[Any, Path]]:
    if not pattern:
        yield data, prefix
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        for index, item in enumerate(as_list(data)):
            yield from _expand(item, rest, prefix + (index,))
        return
    value = get(data, head)
    if value is not None:
        yield from _expand(value, rest, prefix + (head,))
