"""Bounded memory for large runs: a run's findings spill to a temporary file.

A lint run of tens of thousands of documents makes hundreds of thousands of findings,
and the report needs all of them: counted for the summary and the exit code, then
listed file by file. Kept as objects they grew the run's memory by about 400 bytes a
finding (docs/performance.md, "Offline: scale"). `FindingStore` keeps them in memory
up to `SPILL_AFTER`; past it, each file's findings are written to an unnamed
temporary file as it is linted (marshalled tuples) and read back, a file at a time,
when a report lists them. Below the threshold nothing changes: the corpus never
spills.

The store keeps the order the findings were made in, and which files they are in, so
the reports list them exactly as before (`report.by_file`: per file, sorted by place,
with the stack rules' findings merged in). Rule failures are few and are also kept
in memory (`errors`), for the exit code and the notifications of SARIF.
"""

from __future__ import annotations

import dataclasses
import json
import marshal
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from policypack.baseline import Anchor
from policypack.engine import Finding, Location, ObjectRef, Suppression
from policypack.loader import Positions
from policypack.model import PodSpec, Resource
from policypack.rule import Enforcement, Severity
from policypack.values import Path, as_mapping

#: Findings kept in memory before the store starts writing them to its file (about
#: 400 bytes each as objects; a few MB). Tests lower it to exercise the spilled path.
SPILL_AFTER = 20_000

#: The group of findings without a location (a stack rule's failure over the set).
UNKNOWN_FILE = "<unknown>"

_MARSHAL_VERSION = 4  # shares repeated objects (the object's identity, the file name)
_SEVERITIES = {s.value: s for s in Severity}
_ENFORCEMENTS = {e.value: e for e in Enforcement}


def file_of(finding: Finding) -> str:
    """The report groups a finding under this file (see `report.by_file`)."""
    return finding.location.file if finding.location else UNKNOWN_FILE


class _SpillFile:
    """An unnamed temporary file written at its end and read anywhere (pwrite, pread)."""

    def __init__(self, prefix: str) -> None:
        import tempfile  # only past the spill threshold: its import costs start-up time

        self._file = tempfile.TemporaryFile(prefix=prefix, buffering=0)  # noqa: SIM115 - closed by close()
        self._end = 0

    def append(self, data: bytes) -> int:
        """Write `data` after what was written; its offset. On an OSError (a full or
        read-only disk) nothing counts as written: the next write goes to the same place."""
        view, offset = memoryview(data), self._end
        while view:
            written = os.pwrite(self._file.fileno(), view, offset)
            view, offset = view[written:], offset + written
        start, self._end = self._end, offset
        return start

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self._file.fileno(), length, offset)

    def close(self) -> None:
        self._file.close()


class _Segment:
    """Consecutive findings of one file: in memory, or where they are in the spill file."""

    __slots__ = ("count", "file", "findings", "length", "offset")

    def __init__(self, file: str, findings: list[Finding]) -> None:
        self.file = file
        self.count = len(findings)
        self.findings: list[Finding] | None = findings
        self.offset = self.length = 0


class FindingStore:
    """A run's findings in the order they were made; a list to its readers (iterate,
    `len`, compare), spilled to a temporary file past `spill_after` findings.

    `append` adds a finding; `flush` (after each file) closes the findings added since
    into segments and, past the threshold, writes them out. Readers iterate the whole
    store (`__iter__`) or one file's findings (`of_file`), decoded afresh each time:
    a decoded finding is a new object (see `materialize` where identity matters)."""

    def __init__(self, spill_after: int | None = None) -> None:
        self.spill_after = SPILL_AFTER if spill_after is None else spill_after
        self.errors: list[Finding] = []  # rule failures, in order (also in the store)
        # How many findings of each (rule failure, suppressed, blocking, severity): what
        # a gate without a baseline needs to count them (report.tally), without a pass.
        self.kinds: Counter[tuple[bool, bool, bool, Severity]] = Counter()
        self._suppressed: dict[tuple[str, str], Finding] = {}  # the first finding of each suppression source
        self._segments: list[_Segment] = []
        self._files: dict[str, list[_Segment]] = {}  # file -> its segments, files in first-seen order
        self._buffer: list[Finding] = []  # added since the last flush
        self._count = 0
        self._in_memory = 0  # findings held by in-memory segments
        self._spill: _SpillFile | None = None
        self._failed = False  # the temporary file could not be written: everything stays in memory

    # --- adding -----------------------------------------------------------------

    def append(self, finding: Finding) -> None:
        self._buffer.append(finding)
        self._count += 1
        suppression = finding.suppression
        self.kinds[(finding.error, suppression is not None, finding.enforcement.blocks, finding.severity)] += 1
        if finding.error:
            self.errors.append(finding)
        if suppression is not None:
            self._suppressed.setdefault((suppression.kind, suppression.source), finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.append(finding)

    def flush(self) -> None:
        """Close what was added since the last flush into segments (one per run of
        findings of the same file) and write them out once past the threshold."""
        buffer, self._buffer = self._buffer, []
        start = 0
        for index in range(1, len(buffer) + 1):
            if index == len(buffer) or file_of(buffer[index]) != file_of(buffer[start]):
                segment = _Segment(file_of(buffer[start]), buffer[start:index])
                self._segments.append(segment)
                self._files.setdefault(segment.file, []).append(segment)
                self._in_memory += segment.count
                start = index
        if self._in_memory > self.spill_after and not self._failed:
            for segment in self._segments:
                if segment.findings is not None:
                    self._write(segment)

    def _write(self, segment: _Segment) -> None:
        assert segment.findings is not None
        try:
            data = marshal.dumps(_pack_all(segment.findings), _MARSHAL_VERSION)
        except ValueError:  # a value marshal cannot write (none of the rules make one): kept in memory
            return
        try:
            if self._spill is None:
                self._spill = _SpillFile("policypack-findings-")
            segment.offset = self._spill.append(data)
        except OSError:  # no room for it: the run goes on in memory, as below the threshold
            self._failed = True
            return
        segment.length = len(data)
        segment.findings = None
        self._in_memory -= segment.count

    def suppressed(self) -> list[Finding]:
        """One suppressed finding per suppression (kind and source): enough to tell
        which exemptions suppressed nothing (checks.unused_exemptions)."""
        return list(self._suppressed.values())

    @property
    def spilled(self) -> bool:
        return self._spill is not None

    def materialize(self) -> None:
        """Read everything back into memory and stop spilling: for the baseline match,
        which tells findings apart by identity across the whole run."""
        self.flush()
        for segment in self._segments:
            if segment.findings is None:
                segment.findings = self._read(segment)
                self._in_memory += segment.count
        self.spill_after = 1 << 62
        self.close()

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    # --- reading ----------------------------------------------------------------

    def _read(self, segment: _Segment) -> list[Finding]:
        if segment.findings is not None:
            return segment.findings
        assert self._spill is not None
        return _unpack_all(marshal.loads(self._spill.read(segment.offset, segment.length)))

    def __iter__(self) -> Iterator[Finding]:
        for segment in self._segments:
            yield from self._read(segment)
        yield from self._buffer

    def files(self) -> list[str]:
        """The files findings are in, in the order of their first finding."""
        return list(dict.fromkeys([*self._files, *map(file_of, self._buffer)]))

    def of_file(self, file: str) -> list[Finding]:
        """The findings grouped under `file` (see `file_of`), in the order they were made."""
        out = [finding for segment in self._files.get(file, ()) for finding in self._read(segment)]
        out.extend(finding for finding in self._buffer if file_of(finding) == file)
        return out

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __getitem__(self, index: Any) -> Any:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (FindingStore, list)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment] - mutable, compared by content

    def __repr__(self) -> str:
        return f"FindingStore({self._count} findings{', spilled' if self.spilled else ''})"


# --- the records ------------------------------------------------------------------
# A finding as a tuple of plain values marshal writes. Objects shared by findings of
# one segment (an object's identity, the file name) are shared tuples and strings,
# which marshal writes once and reads back as one object.


def _pack_all(findings: list[Finding]) -> list[tuple[Any, ...]]:
    refs: dict[int, tuple[Any, ...]] = {}
    return [_pack(finding, refs) for finding in findings]


def _pack(finding: Finding, refs: dict[int, tuple[Any, ...]]) -> tuple[Any, ...]:
    obj, loc, sup, anchor = finding.object, finding.location, finding.suppression, finding.anchor
    ref = refs.get(id(obj))
    if ref is None:
        ref = refs[id(obj)] = (obj.type, obj.kind, obj.api_version, obj.namespace, obj.name, obj.urn)
    return (
        finding.rule,
        finding.severity.value,
        finding.enforcement.value,
        finding.message,
        finding.path,
        ref,
        finding.container,
        None if loc is None else (loc.file, loc.line, loc.column),
        finding.error,
        None if sup is None else (sup.kind, sup.reason, sup.source),
        None
        if anchor is None
        else (anchor.path, anchor.kind, anchor.group, anchor.namespace, anchor.name, anchor.generate_name, anchor.urn),
        tuple(_pack(folded, refs) for folded in finding.folded),
    )


def _unpack_all(records: list[tuple[Any, ...]]) -> list[Finding]:
    refs: dict[int, ObjectRef] = {}  # by the id of the shared tuple (alive as long as `records`)
    return [_unpack(record, refs) for record in records]


def _unpack(record: tuple[Any, ...], refs: dict[int, ObjectRef]) -> Finding:
    rule, severity, enforcement, message, path, ref, container, loc, error, sup, anchor, folded = record
    obj = refs.get(id(ref))
    if obj is None:
        obj = refs[id(ref)] = ObjectRef(*ref)
    return Finding(
        rule,
        _SEVERITIES[severity],
        _ENFORCEMENTS[enforcement],
        message,
        path,
        obj,
        container,
        None if loc is None else Location(*loc),
        error,
        None if sup is None else Suppression(*sup),
        None if anchor is None else Anchor(*anchor),
        tuple(_unpack(item, refs) for item in folded),
    )


# --- streamed JSON ------------------------------------------------------------------


def dump_json(data: Any, stream: IO[str]) -> None:
    """`json.dump(data, stream, indent=2)`, the same bytes, written in batches.

    json's own encoder with `indent` is its pure-Python one, a generator per level
    that made a third of a corpus lint's JSON report (issue 15); this writer does
    the same walk with plain recursion and json's C string escaper. Report data is
    dicts with string keys, lists (`LazyList` included), strings, numbers, booleans
    and None; anything else goes through json's own encoder, so it is never
    written differently. tests/test_spill.py compares the bytes with json.dumps."""
    out: list[str] = []

    def flush() -> None:
        stream.write("".join(out))
        out.clear()

    def write(value: Any, indent: str) -> None:
        if isinstance(value, str):
            out.append(_escape(value))
        elif value is None:
            out.append("null")
        elif value is True:
            out.append("true")
        elif value is False:
            out.append("false")
        elif type(value) is int:
            out.append(int.__repr__(value))
        elif isinstance(value, dict) and all(type(key) is str for key in value):
            if not value:
                out.append("{}")
                return
            inner = indent + "  "
            first = True
            for key, item in value.items():
                out.append(("{\n" if first else ",\n") + inner + _escape(key) + ": ")
                first = False
                write(item, inner)
            out.append("\n" + indent + "}")
        elif isinstance(value, list) and (type(value) is list or isinstance(value, LazyList)):
            if not value:  # a LazyList says it is empty through len()
                out.append("[]")
                return
            inner = indent + "  "
            first = True
            for item in value:
                out.append(("[\n" if first else ",\n") + inner)
                first = False
                write(item, inner)
                if len(out) >= 8192:
                    flush()
            out.append("\n" + indent + "]")
        else:  # floats, tuples, subclasses: json's own rules, indented at this depth
            text = json.dumps(value, indent=2)
            out.append(text.replace("\n", "\n" + indent) if indent else text)

    write(data, "")
    flush()


# json's C string escaper (the one its encoder uses with ensure_ascii).
_escape = json.encoder.encode_basestring_ascii


class LazyList(list):  # json's encoder takes list subclasses, not other iterables
    """A JSON array whose items `json.dump` takes from a generator one at a time, so a
    report's findings are encoded without all of their dicts existing at once. The
    encoder asks only whether the list is empty (`empty`), then iterates it: the
    output is the same bytes as for a list of the same items. Only for `json.dump`
    with `indent` (the pure-Python encoder; the C one reads lists directly)."""

    def __init__(self, items: Callable[[], Iterator[Any]], empty: bool) -> None:
        super().__init__()
        self._items = items
        self._empty = empty

    def __iter__(self) -> Iterator[Any]:
        return self._items()

    def __len__(self) -> int:
        return 0 if self._empty else 1

    def __bool__(self) -> bool:
        return not self._empty


# --- the objects the stack rules wait for ---------------------------------------------

#: Objects for the stack rules kept whole in memory; the data and positions of those
#: after them wait in a temporary file (a few KB each as objects, ~1/5 as bytes).
OBJECTS_IN_MEMORY = 2_000

#: Decoded objects kept for the stack rules at a time: a rule reads the object it
#: judges several times in a row, then the few it looks up.
_DECODED = 256


class ObjectStore:
    """The objects of a run that the stack rules target, with their positions, in the
    order they were read (`(resource, positions)` pairs, as `LintResult.pending`).

    Past `in_memory` objects, an object's data (`props`) and positions are written to
    a temporary file and it waits as a `SpilledResource`: what the Stack indexes it
    by (kind, name, namespace, file) in memory, its data read back when a rule reads
    it, the last `_DECODED` of them kept decoded."""

    def __init__(self, in_memory: int | None = None) -> None:
        self.in_memory = OBJECTS_IN_MEMORY if in_memory is None else in_memory
        self._items: list[tuple[Any, Any]] = []
        self._spill: _SpillFile | None = None
        self._failed = False  # the temporary file could not be written: objects stay in memory
        self._decoded: dict[int, Any] = {}  # offset -> props, oldest first

    def append(self, item: tuple[Any, Any]) -> None:
        resource, positions = item
        if len(self._items) >= self.in_memory and positions is not None and type(resource) is Resource:
            try:
                props = marshal.dumps(resource.props, _MARSHAL_VERSION)
                offset = None if self._failed else self._write(props + positions.packed)
            except ValueError:  # a value marshal cannot write (Pulumi's unknowns): kept as it is
                offset = None
            if offset is not None:
                item = (
                    SpilledResource(resource, self, offset, len(props)),
                    SpilledPositions(positions.file, self, offset + len(props), len(positions.packed)),
                )
        self._items.append(item)

    def _write(self, data: bytes) -> int | None:
        try:
            if self._spill is None:
                self._spill = _SpillFile("policypack-objects-")
            return self._spill.append(data)
        except OSError:  # no room for it: the objects wait in memory, as below the threshold
            self._failed = True
            return None

    def read(self, offset: int, length: int) -> bytes:
        assert self._spill is not None
        return self._spill.read(offset, length)

    def props(self, offset: int, length: int) -> Any:
        """A spilled object's data, decoded (kept among the last `_DECODED`)."""
        decoded = self._decoded
        props = decoded.pop(offset, None)
        if props is None:
            props = marshal.loads(self.read(offset, length))
            if len(decoded) >= _DECODED:
                del decoded[next(iter(decoded))]
        decoded[offset] = props  # the newest last
        return props

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def close(self) -> None:
        self._items = []
        self._decoded = {}
        if self._spill is not None:
            self._spill.close()
            self._spill = None


class SpilledResource(Resource):
    """A Resource whose data waits in an ObjectStore's file: `props` reads it back.
    Its name and namespace (what the Stack indexes) are kept; what `Resource` caches
    from the data (metadata, pod spec) is computed again on each read, so that no
    decoded data stays with it."""

    def __init__(self, resource: Resource, store: ObjectStore, offset: int, length: int) -> None:
        attributes = self.__dict__
        for spec in dataclasses.fields(Resource):
            if spec.name != "props":
                attributes[spec.name] = getattr(resource, spec.name)
        # Resource's small cached values, set here: added later, in whatever order the
        # rules ask for them, they would unshare this dict's keys (~700 bytes more each).
        attributes["builtin_pod_path"] = resource.builtin_pod_path
        attributes["pod_spec_paths"] = resource.pod_spec_paths
        self._name = resource.name
        self._namespace = resource.namespace
        self._store, self._offset, self._length = store, offset, length

    @property
    def props(self) -> Mapping[str, Any]:  # type: ignore[override]
        return self._store.props(self._offset, self._length)

    @property
    def name(self) -> Any:
        return self._name

    @property
    def namespace(self) -> Any:
        return self._namespace

    @property
    def metadata(self) -> Mapping[str, Any]:  # type: ignore[override]
        return as_mapping(self.props.get("metadata"))

    @property
    def pod_spec(self) -> PodSpec | None:  # type: ignore[override]
        return Resource.pod_spec.func(self)  # type: ignore[attr-defined]


class SpilledPositions:
    """`Positions` whose bytes wait in an ObjectStore's file."""

    __slots__ = ("file", "length", "offset", "store")

    def __init__(self, file: str, store: ObjectStore, offset: int, length: int) -> None:
        self.file, self.store, self.offset, self.length = file, store, offset, length

    def locate(self, path: Path) -> tuple[int, int]:
        return Positions(self.file, self.store.read(self.offset, self.length)).locate(path)
