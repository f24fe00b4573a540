"""Baselines: adopt the gate on a repository that already has findings.

`policypack lint --write-baseline FILE` records today's findings; `--baseline FILE`
keeps them out of the gate (every report still lists them, as baselined), so only new
problems fail. The file format is in docs/baseline.md and fixed by
policypack/schemas/baseline.schema.json.

A finding is recognised by its *anchor*, never by its line: the rule, the object's
identity and the field path.

- Object identity: the Pulumi URN when there is one (stack exports, previews, the
  pack); else the API group (not the version: `v1beta1` -> `v1` keeps the finding),
  kind, namespace and name, or `generateName` for objects the API server names.
- Field path: the finding's path with list entries named by what identifies them
  where the list has such a key (`containers[name=web]`, `volumeMounts[mountPath=/data]`,
  `ports[containerPort=8080]`), so reordering containers, volumes or env entries does
  not re-surface findings; entries of lists without one keep their index.

The file a finding is in is recorded too, but only to tell apart equal anchors in
several files (the same Deployment in two overlays): matching prefers an entry of the
same file, then takes one of any file (a moved or renamed file keeps its findings).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from policypack.values import Path as FieldPath
from policypack.values import format_path

if TYPE_CHECKING:
    from policypack.engine import Finding
    from policypack.model import Resource

BASELINE_VERSION = 1
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "baseline.schema.json"

#: Keys that name an entry of a list, in order of preference. A key names the entries
#: of a list when every entry is a mapping with a distinct string or integer value for
#: it (container and volume names, mount paths, ports, ingress hosts and paths...).
IDENTITY_KEYS = ("name", "mountPath", "containerPort", "port", "devicePath", "host", "path", "ip", "key")

#: States of a finding against a baseline (SARIF's `baselineState` words).
NEW, UNCHANGED, ABSENT = "new", "unchanged", "absent"


class BaselineError(Exception):
    """The baseline file is missing, unreadable, invalid, or of another version; the
    message names the file."""


# --- anchors -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Anchor:
    """What identifies a finding's place, whatever the line: the object and the field."""

    path: str
    kind: str | None = None
    group: str | None = None
    namespace: str | None = None
    name: str | None = None
    generate_name: str | None = None
    urn: str | None = None


def anchor_of(resource: Resource, path: FieldPath) -> Anchor:
    where = stable_path(resource.props, path)
    urn = resource.urn if isinstance(resource.urn, str) else None
    if not resource.is_kubernetes:
        return Anchor(where, kind=resource.type, name=_text(resource.logical_name), urn=urn)
    if urn is not None and _urn_type(urn) == resource.type:
        return Anchor(where, urn=urn)  # the URN alone: names may be auto-generated
    metadata = resource.props.get("metadata") if isinstance(resource.props, Mapping) else None
    generate_name = metadata.get("generateName") if isinstance(metadata, Mapping) else None
    name = _text(resource.name)
    api_version = resource.api_version if isinstance(resource.api_version, str) else ""
    return Anchor(
        where,
        kind=_text(resource.kind),
        group=api_version.rpartition("/")[0] if "/" in api_version else None,  # the core group is ""
        namespace=_text(resource.namespace) or None,
        name=name,
        generate_name=_text(generate_name) if name is None else None,
        urn=urn,  # an item of a List resource: the URN and the item's identity
    )


def stable_path(data: Any, path: FieldPath) -> str:
    """`path` with list indices replaced by `[key=value]` where the list names its
    entries (see IDENTITY_KEYS); the rest as `format_path` writes it."""
    out: list[str] = []
    current = data
    for key in path:
        if isinstance(key, int) and isinstance(current, list) and -len(current) <= key < len(current):
            named = _entry_key(current)
            if named is not None:
                value = current[key][named] if named else current[key]
                shown = value if isinstance(value, int) or _plain(value) else json.dumps(value)
                out.append(f"[{named}={shown}]")
            else:
                out.append(f"[{key}]")
            current = current[key]
            continue
        out.append(format_path((key,)) if not out or isinstance(key, int) else _attribute(key))
        current = current.get(key) if isinstance(current, Mapping) and isinstance(key, str) else None
    return "".join(out)


def _entry_key(entries: list[Any]) -> str | None:
    """The key that names the list's entries; "" when they are distinct scalars (named
    by their value: `capabilities.add[=NET_ADMIN]`, `resources[=secrets]`)."""
    scalars = [e for e in entries if isinstance(e, (str, int)) and not isinstance(e, bool)]
    if scalars and len(scalars) == len(entries) and len(set(scalars)) == len(scalars):
        return ""
    for key in IDENTITY_KEYS:
        values = []
        for entry in entries:
            value = entry.get(key) if isinstance(entry, Mapping) else None
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                break
            values.append(value)
        else:
            if len(set(values)) == len(values):
                return key
    return None


def _attribute(key: str) -> str:
    text = format_path((key,))
    return text if text.startswith("[") else f".{text}"


def _plain(value: str) -> bool:
    return bool(value) and not any(c in value for c in '[]"=\\') and value.isprintable()


def _urn_type(urn: str) -> str:
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def finding_key(finding: Finding) -> tuple[str | None, ...] | None:
    """The rule and the anchor: equal for the same problem wherever its line is; None
    for a rule failure (never baselined)."""
    anchor = finding.anchor
    if finding.error or anchor is None:
        return None
    return _key(finding.rule, anchor)


def _key(rule: str, anchor: Anchor) -> tuple[str | None, ...]:
    return (
        rule,
        anchor.urn,
        anchor.group,
        anchor.kind,
        anchor.namespace,
        anchor.name,
        anchor.generate_name,
        anchor.path,
    )


def fingerprint(finding: Finding) -> str | None:
    """The key as a short hash (SARIF `partialFingerprints`, the JSON report)."""
    key = finding_key(finding)
    if key is None:
        return None
    import hashlib  # here: OpenSSL's start-up is a measurable share of a one-file lint

    text = "\0".join("" if part is None else part for part in key)
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:32]


# --- the file ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One recorded finding (or `count` equal ones in one file)."""

    rule: str
    anchor: Anchor
    file: str | None = None
    count: int = 1
    message: str = ""  # for the reader of the file; not matched
    line: int | None = field(default=None, compare=False)  # where it is in the baseline file, when known

    @property
    def key(self) -> tuple[str | None, ...]:
        return _key(self.rule, self.anchor)

    def sort_key(self) -> tuple[str, ...]:
        return tuple("" if part is None else part for part in (*self.key, self.file, self.message))

    def to_json(self) -> dict[str, Any]:
        anchor = self.anchor
        out: dict[str, Any] = {"rule": self.rule}
        for name, value in (
            ("urn", anchor.urn),
            ("group", anchor.group),
            ("kind", anchor.kind),
            ("namespace", anchor.namespace),
            ("name", anchor.name),
            ("generateName", anchor.generate_name),
        ):
            if value is not None:
                out[name] = value
        out["path"] = anchor.path
        if self.file is not None:
            out["file"] = self.file
        if self.count != 1:
            out["count"] = self.count
        if self.message:
            out["message"] = self.message
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        anchor = Anchor(
            data["path"],
            kind=data.get("kind"),
            group=data.get("group"),
            namespace=data.get("namespace"),
            name=data.get("name"),
            generate_name=data.get("generateName"),
            urn=data.get("urn"),
        )
        return cls(data["rule"], anchor, data.get("file"), int(data.get("count", 1)), data.get("message", ""))

    def describe(self) -> str:
        """`require-pinned-images on apps/Deployment shop/web, spec...image (deploy/web.yaml)`."""
        anchor = self.anchor
        if anchor.urn and not anchor.kind:
            obj = anchor.urn
        else:
            kind = f"{anchor.group}/{anchor.kind}" if anchor.group else str(anchor.kind or "object")
            name = anchor.name or (f"{anchor.generate_name}*" if anchor.generate_name else "<unnamed>")
            obj = f"{kind} {anchor.namespace}/{name}" if anchor.namespace else f"{kind} {name}"
            if anchor.urn:
                obj = f"{obj} in {anchor.urn}"
        at = f", field {anchor.path}" if anchor.path else ""
        where = f" ({self.file})" if self.file else ""
        times = f" x{self.count}" if self.count != 1 else ""
        return f"{self.rule} on {obj}{at}{where}{times}"


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...]
    file: str = "<baseline>"

    @classmethod
    def load(cls, file: str) -> Baseline:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BaselineError(
                f"{file}: no such baseline file (write one with `policypack lint --write-baseline {file} PATH...`)"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            raise BaselineError(f"{file}: cannot read the baseline: {reason}") from None
        try:
            data = json.loads(text)
        except ValueError as error:
            raise BaselineError(f"{file}: not a baseline: invalid JSON: {error}") from None
        baseline = cls.from_json(data, file)
        # Where each entry is, for reports that point at a stale one: the line of its
        # `"rule"` key, as written by `dumps` (a file laid out otherwise gets none).
        lines = [n for n, text in enumerate(text.splitlines(), start=1) if text.lstrip().startswith('"rule"')]
        if len(lines) != len(baseline.entries):
            return baseline
        placed = (dataclasses.replace(e, line=n) for e, n in zip(baseline.entries, lines, strict=True))
        return dataclasses.replace(baseline, entries=tuple(placed))

    @classmethod
    def from_json(cls, data: Any, file: str = "<baseline>") -> Baseline:
        if not isinstance(data, Mapping) or "version" not in data:
            raise BaselineError(f"{file}: not a policypack baseline (no `version`)")
        version = data["version"]
        if version != BASELINE_VERSION:
            raise BaselineError(
                f"{file}: baseline version {version!r} is not supported: this policypack reads version "
                f"{BASELINE_VERSION}; write it again with `policypack lint --write-baseline`"
            )
        if not well_formed(data):
            import jsonschema  # only for the message: the schema says what is wrong, and where

            validator = jsonschema.Draft7Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            error = errors[0] if errors else None
            path = error.absolute_path if error else ()
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
            message = error.message if error else "does not match policypack/schemas/baseline.schema.json"
            raise BaselineError(f"{file}: invalid baseline at {where or 'the top level'}: {message}")
        return cls(tuple(Entry.from_json(item) for item in data["findings"]), file)

    @classmethod
    def of(cls, findings: Iterable[Finding], file: str = "<baseline>") -> Baseline:
        """Today's findings: every one that is not suppressed or a rule failure."""
        root = _root(file)
        counts: dict[tuple[Any, ...], list[Any]] = {}
        files: dict[str, str | None] = {}
        for finding in findings:
            key = finding_key(finding)
            if key is None or finding.suppression is not None or finding.anchor is None:
                continue
            name = finding.location.file if finding.location else ""
            where = files[name] if name in files else files.setdefault(name, _file_of(finding, root))
            slot = counts.setdefault((key, where, finding.message), [finding, 0])
            slot[1] += 1
        entries = [
            Entry(finding.rule, finding.anchor, where, count, finding.message)
            for (_, where, _), (finding, count) in counts.items()
        ]
        return cls(tuple(sorted(entries, key=Entry.sort_key)), file)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": BASELINE_VERSION,
            "findings": [entry.to_json() for entry in sorted(self.entries, key=Entry.sort_key)],
        }

    def dumps(self) -> str:
        # One key per line, sorted entries, no timestamps or tool version: rewriting an
        # unchanged baseline gives the same bytes, and a review diff shows only changes.
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def write(self, file: str) -> None:
        try:
            os.makedirs(os.path.dirname(file) or ".", exist_ok=True)
            with open(file, "w", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(self.dumps())
        except OSError as error:
            raise BaselineError(f"{file}: cannot write the baseline: {error.strerror or error}") from None


def _root(baseline_file: str) -> str:
    return os.path.dirname(os.path.abspath(baseline_file)) if not baseline_file.startswith("<") else "."


_ENTRY_TEXT = ("urn", "group", "kind", "namespace", "name", "generateName")
_ENTRY_KEYS = frozenset(("rule", "path", "file", "count", "message", *_ENTRY_TEXT))
_RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def well_formed(data: Any) -> bool:
    """Whether `data` matches baseline.schema.json, checked by hand: jsonschema takes
    ~0.2 ms an entry, a quarter of a second per thousand findings on every run. The
    tests check that both agree."""
    if not (isinstance(data, dict) and set(data) == {"version", "findings"}):
        return False
    if isinstance(data["version"], bool) or data["version"] != BASELINE_VERSION:
        return False
    if not isinstance(data["findings"], list):
        return False
    for entry in data["findings"]:
        if not (isinstance(entry, dict) and entry.keys() <= _ENTRY_KEYS and ("urn" in entry or "kind" in entry)):
            return False
        rule, path, count = entry.get("rule"), entry.get("path"), entry.get("count", 1)
        if not (isinstance(rule, str) and _RULE_NAME.match(rule) and isinstance(path, str)):
            return False
        if isinstance(count, bool) or not isinstance(count, (int, float)) or count < 1 or count % 1:
            return False
        if any(not isinstance(entry[key], str) or not entry[key] for key in _ENTRY_TEXT if key in entry):
            return False
        if any(not isinstance(entry[key], str) for key in ("file", "message") if key in entry):
            return False
    return True


def _file_of(finding: Finding, root: str) -> str | None:
    """The finding's file relative to `root` (the baseline's folder, so the file reads
    the same from any working directory), with forward slashes; `<stdin>` as it is."""
    location = finding.location
    if location is None:
        return None
    file = location.file
    if file.startswith("<"):
        return file
    try:
        relative = os.path.relpath(os.path.abspath(file), root)
    except ValueError:  # another drive (Windows)
        return file
    return PurePosixPath(*relative.split(os.sep)).as_posix()


# --- matching a run against a baseline ----------------------------------------------


@dataclass
class BaselineMatch:
    """A run's findings against a baseline: the state of each, and what is stale."""

    file: str
    # id(finding) -> NEW or UNCHANGED; none for rule failures and suppressed findings
    # that no entry records (suppressed findings are never written to a baseline)
    states: dict[int, str]
    matched: list[Entry]  # the entries still found, with the counts found
    stale: list[Entry]  # the entries no longer found, with the counts missing
    strict: bool = False  # stale entries fail the gate

    def state(self, finding: Finding) -> str | None:
        return self.states.get(id(finding))

    def baselined(self, finding: Finding) -> bool:
        """Recorded, and so is each finding of its rule folded under it (a copy in
        another file, a repeat in the object): a new one of those keeps it in the gate."""
        if self.states.get(id(finding)) != UNCHANGED:
            return False
        return not any(self.states.get(id(other)) == NEW for other in finding.folded if other.rule == finding.rule)

    @property
    def pruned(self) -> Baseline:
        """The baseline without its stale entries (never with new findings added)."""
        return Baseline(tuple(sorted(self.matched, key=Entry.sort_key)), self.file)


def match(baseline: Baseline, findings: Sequence[Finding], strict: bool = False) -> BaselineMatch:
    """Pair findings with entries of the same rule and anchor: of the same file and
    message first, then of the same file, then of any file (a file moved or renamed).
    Unsuppressed findings are paired first, so a suppressed one never takes an entry an
    unsuppressed one needs. What is left of the findings is new; of the entries, stale."""
    root = _root(baseline.file)
    entries = sorted(baseline.entries, key=Entry.sort_key)
    left = [entry.count for entry in entries]
    tiers: list[dict[tuple[Any, ...], list[int]]] = [{}, {}, {}]
    for index, entry in enumerate(entries):
        for tier, key in zip(tiers, _tier_keys(entry.key, entry.file, entry.message), strict=True):
            tier.setdefault(key, []).append(index)
    files: dict[str, str | None] = {}  # a file's name as the baseline writes it, once per file

    def keyed(finding: Finding) -> tuple[Finding, tuple[tuple[Any, ...], ...]]:
        name = finding.location.file if finding.location else ""
        if name not in files:
            files[name] = _file_of(finding, root)
        return finding, _tier_keys(finding_key(finding), files[name], finding.message)

    candidates = [keyed(f) for f in findings if finding_key(f) is not None]
    candidates.sort(key=lambda item: item[0].suppression is not None)  # stable: reading order within each
    states: dict[int, str] = {}
    for tier_number, tier in enumerate(tiers):
        pending = []
        for finding, keys in candidates:
            index = next((i for i in tier.get(keys[tier_number], ()) if left[i] > 0), None)
            if index is None:
                pending.append((finding, keys))
            else:
                left[index] -= 1
                states[id(finding)] = UNCHANGED
        candidates = pending
    for finding, _ in candidates:
        if finding.suppression is None:  # a suppressed finding is not the baseline's concern
            states[id(finding)] = NEW
    matched = [dataclasses.replace(e, count=e.count - n) for e, n in zip(entries, left, strict=True) if n < e.count]
    stale = [dataclasses.replace(e, count=n) for e, n in zip(entries, left, strict=True) if n > 0]
    return BaselineMatch(baseline.file, states, matched, stale, strict)


def _tier_keys(key: Any, file: str | None, message: str) -> tuple[tuple[Any, ...], ...]:
    return (key, file, message), (key, file), (key,)


# --- Pulumi: a baseline as exemptions ---------------------------------------------


def to_exemptions(
    baseline: Baseline, reason: str | None = None, expires: str | None = None
) -> tuple[dict[str, list[dict[str, str]]], list[str]]:
    """The baseline as `exemptions` per rule (one per object), and a warning for
    each entry that cannot be one (an object without a name or URN to select it)."""
    why = reason or f"baselined in {baseline.file}"
    out: dict[str, list[dict[str, str]]] = {}
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    warnings = []
    for entry in sorted(baseline.entries, key=Entry.sort_key):
        anchor = entry.anchor
        selector: dict[str, str] = {}
        if anchor.urn:
            selector["urn"] = glob_escape(anchor.urn)
            if anchor.kind and anchor.name:  # an item of a List resource (or a cloud resource's own name)
                selector.update(kind=glob_escape(anchor.kind), name=glob_escape(anchor.name))
        elif anchor.name and anchor.kind:
            selector["kind"] = glob_escape(anchor.kind)
            if anchor.namespace:
                selector["namespace"] = glob_escape(anchor.namespace)
            selector["name"] = glob_escape(anchor.name)
        else:
            warnings.append(
                f"{entry.describe()}: left out: the object has no name or URN to select it by "
                "(an exemption for every object of its kind would hide more than the baseline does)"
            )
            continue
        identity = (entry.rule, tuple(sorted(selector.items())))
        if identity in seen:
            continue
        seen.add(identity)
        exemption = {**selector, "reason": why}
        if expires:
            exemption["expires"] = expires
        out.setdefault(entry.rule, []).append(exemption)
    return out, warnings


def glob_escape(text: str) -> str:
    """A literal for `fnmatch` (exemption selectors are globs)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def merge_exemptions(config: Mapping[str, Any], exemptions: Mapping[str, list[dict[str, str]]]) -> dict[str, Any]:
    """`config` with each rule's exemptions extended (a level-only entry keeps its level)."""
    out = dict(config)
    for rule, items in exemptions.items():
        entry = out.get(rule)
        if isinstance(entry, str):
            entry = {"enforcementLevel": entry}
        entry = dict(entry) if isinstance(entry, Mapping) else {}
        existing = list(entry.get("exemptions") or [])
        entry["exemptions"] = existing + [item for item in items if item not in existing]
        out[rule] = entry
    return out
