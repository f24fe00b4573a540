"""Offline input: files, directories and stdin into documents with line numbers.

YAML is read as it is found in the wild:

- every document of a stream is parsed on its own (the stream is split at `---`
  lines, which YAML forbids inside scalars), so one broken document is reported
  with its line and the others are still linted;
- libyaml (PyYAML's C parser) builds the node tree, with positions, and our own
  small constructor turns it into plain data. It is safe (tags never construct
  objects), knows the YAML 1.1 `=` value that real CRDs use, reports duplicate
  keys, and refuses alias bombs and recursive aliases;
- positions stay in the node tree, so a finding's path is turned into a line and
  column only when there is a finding to place.

JSON is YAML to this loader, so JSON files get line numbers too.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from policypack.values import Path

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STDIN = "-"
STDIN_NAME = "<stdin>"
EXTENSIONS = (".yaml", ".yml", ".json")
MAX_DEPTH = 512  # libyaml itself stops at 1000
MAX_EXPANDED_VALUES = 1_000_000  # per document, counting values reached through aliases

# A document starts at a `---` line (with any `%` directives just before it).
_DOCUMENT_START = re.compile(r"^(?:%[^\n]*\n)*---(?=[ \t\r\n]|$)", re.MULTILINE)

_STR = "tag:yaml.org,2002:str"
_PLAIN_AS_STRING = frozenset(
    {
        _STR,
        "tag:yaml.org,2002:timestamp",  # Kubernetes reads timestamps as strings
        "tag:yaml.org,2002:binary",  # base64 text, as in a Secret's data
        "tag:yaml.org,2002:value",  # the YAML 1.1 `=` value
    }
)
_MERGE = "tag:yaml.org,2002:merge"
_constructor = yaml.constructor.SafeConstructor()
_SCALAR_CONSTRUCTORS = {
    "tag:yaml.org,2002:null": _constructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
}


@dataclass(frozen=True)
class InputError:
    """An input that could not be read or parsed (or a part of one)."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Note:
    """Something skipped on purpose (shown in verbose mode)."""

    file: str
    message: str
    line: int | None = None


@dataclass
class Document:
    """One parsed YAML document, with what is needed to place a path in the file."""

    file: str
    index: int  # position of the document in its file, from 0
    data: Any
    node: yaml.Node = field(repr=False)
    line_offset: int  # lines before the chunk this document was parsed from

    @property
    def line(self) -> int:
        return self.node.start_mark.line + self.line_offset + 1

    def locate(self, path: Path) -> tuple[int, int]:
        """(line, column), from 1, of the deepest node on `path` that exists.

        A mapping key is placed on the key itself (`resources:`), a list item on the
        item. A path into something that does not exist stops at its nearest
        existing ancestor.
        """
        node, mark = self.node, self.node.start_mark
        for key in path:
            found = None
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                for key_node, value_node in node.value:
                    if key_node.value == key:
                        found = (key_node.start_mark, value_node)  # last one wins, as in the data
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                item = node.value[key]
                found = (item.start_mark, item)
            if found is None:
                break
            mark, node = found
        return mark.line + self.line_offset + 1, mark.column + 1


class LoadError(Exception):
    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


# --- reading ----------------------------------------------------------------


def decode(raw: bytes, name: str) -> str | InputError:
    """Text of a file, or an error that says why it is not text."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as error:
            return InputError(name, f"invalid UTF-16 text: {error.reason}")
    if b"\x00" in raw:
        line, column = _byte_position(raw, raw.index(b"\x00"))
        return InputError(name, "binary file (contains NUL bytes); expected YAML or JSON text", line, column)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _byte_position(raw, error.start)
        return InputError(
            name, f"invalid UTF-8 (byte 0x{raw[error.start]:02x}); expected YAML or JSON text", line, column
        )


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def read_text(name: str, stdin: Any = None) -> str | InputError:
    try:
        if name == STDIN:
            import sys

            raw = (stdin or sys.stdin.buffer).read()
            return decode(raw, STDIN_NAME)
        raw = FsPath(name).read_bytes()
    except OSError as error:
        return InputError(name, f"cannot read: {error.strerror or error}")
    return decode(raw, name)


def expand_paths(paths: list[str]) -> Iterator[str | InputError | Note]:
    """The files to lint, in a stable order. Directories are walked recursively for
    .yaml, .yml and .json files, skipping hidden folders and the `templates/`
    folder of Helm charts (templates are not YAML until rendered)."""
    for path in paths:
        if path == STDIN:
            yield path
            continue
        if os.path.isdir(path):
            yield from _walk(path)
        elif os.path.exists(path):
            yield path
        elif os.path.islink(path):
            yield InputError(path, "broken symbolic link")
        else:
            yield InputError(path, "no such file or directory")


def _walk(root: str) -> Iterator[str | InputError | Note]:
    seen: set[str] = set()
    for directory, subdirs, files in os.walk(root, followlinks=True, onerror=None):
        real = os.path.realpath(directory)
        if real in seen:
            subdirs[:] = []
            yield Note(directory, "skipped: symbolic link loop")
            continue
        seen.add(real)
        if "Chart.yaml" in files and "templates" in subdirs:
            subdirs.remove("templates")
            yield Note(
                os.path.join(directory, "templates"),
                "skipped Helm chart templates; lint `helm template` output instead",
            )
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(EXTENSIONS):
                yield os.path.join(directory, name)


# --- parsing ----------------------------------------------------------------


def parse_documents(name: str, text: str) -> Iterator[Document | InputError]:
    """Every document of a YAML stream, in order; a document that cannot be parsed
    becomes an InputError with its line and column, and the next one is still read."""
    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts.append(len(text))
    line_offset, index = 0, 0
    for begin, end in itertools.pairwise(starts):
        chunk = text[begin:end]
        for item in _parse_chunk(name, chunk, line_offset, index):
            if isinstance(item, Document):
                index += 1
            yield item
        line_offset += chunk.count("\n")


def _parse_chunk(name: str, chunk: str, line_offset: int, index: int) -> Iterator[Document | InputError]:
    loader = _Loader(chunk)
    guarded = "&" in chunk  # anchors (and so aliases) are possible
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            builder = _Builder(guarded, line_offset)
            try:
                data = builder.build(node)
            except LoadError as error:
                yield _error(name, error.message, error.mark, line_offset, chunk)
                continue
            yield Document(name, index, data, node, line_offset)
            index += 1
            for problem in builder.problems:
                yield _error(name, problem.message, problem.mark, line_offset, "")
    except yaml.MarkedYAMLError as error:
        message = " ".join(part for part in (error.context, error.problem) if part) or str(error)
        yield _error(name, f"YAML parse error: {message}", error.problem_mark or error.context_mark, line_offset, chunk)
    except yaml.YAMLError as error:
        yield _error(name, f"YAML parse error: {error}", None, line_offset, chunk)
    except RecursionError:
        yield _error(name, "nesting too deep to parse", None, line_offset, chunk)
    finally:
        loader.dispose()


def _error(name: str, message: str, mark: Any, line_offset: int, chunk: str) -> InputError:
    if "{{" in chunk:
        message += " (this looks like a template: render it first, e.g. `helm template ... | policypack lint -`)"
    if mark is None:
        return InputError(name, message, line_offset + 1, None)
    return InputError(name, message, mark.line + line_offset + 1, mark.column + 1)


class _Builder:
    """Node tree -> plain data. Keys are the scalar text (as Kubernetes reads them);
    values get YAML 1.1 types for null, bool, int and float, and strings otherwise."""

    def __init__(self, guarded: bool, line_offset: int) -> None:
        self.guarded = guarded
        self.line_offset = line_offset
        self.problems: list[LoadError] = []  # reported, but the document is still used
        self.active: set[int] = set()  # nodes being built (cycle detection)
        self.sizes: dict[int, int] = {}

    def build(self, node: yaml.Node) -> Any:
        if self.guarded:
            size = self._expanded_size(node, 0)
            if size > MAX_EXPANDED_VALUES:
                raise LoadError(
                    f"refused: the document expands to more than {MAX_EXPANDED_VALUES:,} values "
                    "through aliases (an alias bomb?)",
                    node.start_mark,
                )
        return self._build(node, 0)

    def _expanded_size(self, node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark)
        if key in self.active:
            raise LoadError("recursive alias: a node contains itself", node.start_mark)
        self.active.add(key)
        size = 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                size += self._expanded_size(key_node, depth + 1) + self._expanded_size(value_node, depth + 1)
                if size > MAX_EXPANDED_VALUES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                size += self._expanded_size(item, depth + 1)
                if size > MAX_EXPANDED_VALUES:
                    break
        self.active.discard(key)
        self.sizes[key] = size
        return size

    def _build(self, node: yaml.Node, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, depth + 1) for item in node.value]
        return self._mapping(node, depth)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge(result, value_node, depth)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise LoadError(
                    "YAML parse error: a mapping key must be a plain value, not a mapping or a list",
                    key_node.start_mark,
                )
            key = key_node.value
            if key in first_seen:
                line = first_seen[key].line + self.line_offset + 1
                self.problems.append(
                    LoadError(
                        f"duplicate key {key!r} (first on line {line}); the last value is used", key_node.start_mark
                    )
                )
            first_seen[key] = key_node.start_mark
            result[key] = self._build(value_node, depth + 1)
        return result

    def _merge(self, result: dict[str, Any], value_node: yaml.Node, depth: int) -> None:
        # `<<: *base` or `<<: [*a, *b]`: explicit keys win, earlier sources win.
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            merged = self._build(source, depth + 1)
            if not isinstance(merged, dict):
                raise LoadError("a merge key (<<) must refer to a mapping", source.start_mark)
            for key, value in merged.items():
                result.setdefault(key, value)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag in _PLAIN_AS_STRING:
        return node.value
    constructor = _SCALAR_CONSTRUCTORS.get(tag)
    if constructor is None:
        return node.value  # local or unknown tags (`!foo`): the text, never an object
    return constructor(node)
