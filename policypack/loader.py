"""Offline input: files, directories and stdin into documents with line numbers.

YAML is read as it is found in the wild:

- libyaml (PyYAML's C parser) reads the whole stream and builds each document's
  node tree, with positions. When a document cannot be parsed, the error is
  reported with its line and column and reading resumes at the next `---` line,
  so one broken document does not hide the others;
- our own small constructor turns nodes into plain data. It is safe (tags never
  construct objects), knows the YAML 1.1 `=` value that real CRDs use, reports
  duplicate keys, refuses alias bombs and recursive aliases, and turns values it
  cannot read (`!!int foo`) into errors with their place;
- characters YAML forbids are reported where they are, and JSON's surrogate-pair
  escapes (which libyaml refuses) are read as the characters they stand for;
- positions stay in the node tree, so a finding's path is turned into a line and
  column only when there is a finding to place.

JSON is YAML to this loader, so JSON files get line numbers too.
"""

from __future__ import annotations

import bisect
import errno
import functools
import marshal
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from policypack import native
from policypack.values import Path


class _LazyYaml:
    """PyYAML, imported when the pure reader first needs it. The compiled reader reads
    almost every file alone, and importing PyYAML cost a tenth of a one-file lint's
    start-up (issue 15). Annotations naming `yaml.Node` are strings, never evaluated."""

    def __getattr__(self, name: str) -> Any:
        import yaml as module

        globals()["yaml"] = module  # later lookups go straight to the module
        return getattr(module, name)


yaml: Any = _LazyYaml()

STDIN = "-"
STDIN_NAME = "<stdin>"
EXTENSIONS = (".yaml", ".yml", ".json")
MAX_DEPTH = 200  # libyaml itself stops at 1000; Python's stack is the tighter limit
MAX_EXPANDED_VALUES = 1_000_000  # per file: values that aliases may add

# Where to resume after a parse error: the next line that starts a document.
_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)

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


@functools.cache
def _scalar_constructors() -> dict[str, Any]:
    constructor = yaml.constructor.SafeConstructor()
    return {
        "tag:yaml.org,2002:null": constructor.construct_yaml_null,
        "tag:yaml.org,2002:bool": constructor.construct_yaml_bool,
        "tag:yaml.org,2002:int": constructor.construct_yaml_int,
        "tag:yaml.org,2002:float": constructor.construct_yaml_float,
    }


@dataclass(frozen=True)
class InputError:
    """An input that could not be read or parsed (or a part of one)."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    empty: bool = False  # "nothing to lint here": waived by --allow-empty


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
    node: yaml.Node | None = field(repr=False)  # None when read by the compiled reader
    position: _Position | None = field(repr=False)
    # The compiled reader's table of positions (see Positions.tree) and last line,
    # instead of the node tree.
    tree: tuple[int, int, Any] | None = field(default=None, repr=False)
    last_line: int | None = field(default=None, repr=False)

    @property
    def line(self) -> int:
        if self.tree is not None:
            return self.tree[0]
        return self.position.of(self.node.start_mark)[0]

    @property
    def end_line(self) -> int:
        """The line where the document's content ends."""
        if self.last_line is not None:
            return self.last_line
        return self.position.of(self.node.end_mark)[0]

    def locate(self, path: Path) -> tuple[int, int]:
        """(line, column), from 1, of the deepest node on `path` that exists.

        A mapping key is placed on the key itself (`resources:`), a list item on the
        item. A path into something that does not exist stops at its nearest
        existing ancestor.
        """
        if self.tree is not None:
            line, column, _ = tree_entry(self.tree, path)
            return line, column
        mark, _ = self._walk(path)
        return self.position.of(mark)

    def _walk(self, path: Path) -> tuple[Any, yaml.Node | None]:
        """The mark and node of the deepest node on `path` that exists (the node is
        None when the path goes further than that)."""
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
                return mark, None
            mark, node = found
        return mark, node

    def positions(self, base: Path) -> Positions:
        """Every position under `base`, without the node tree: what placing findings
        on this object needs once the document itself is dropped (stack rules judge
        objects after every file is read)."""
        if self.tree is not None:
            return Positions.of(self.file, tree_entry(self.tree, base))
        mark, node = self._walk(base)
        line, column = self.position.of(mark)
        shared: dict[int, Any] = {}  # aliased nodes appear once
        return Positions.of(self.file, (line, column, None if node is None else self._children(node, shared)))

    def _children(self, node: yaml.Node, shared: dict[int, Any]) -> Any:
        """The children of a mapping or sequence node (None for a scalar)."""
        if isinstance(node, yaml.ScalarNode):
            return None
        if id(node) in shared:
            return shared[id(node)]
        of, scalar = self.position.of, yaml.ScalarNode
        children: Any
        if isinstance(node, yaml.MappingNode):
            children = {}
            for key_node, value in node.value:
                if isinstance(key_node, scalar):  # the last one wins, as in the data
                    line, column = of(key_node.start_mark)
                    # Most values are scalars: no call for them.
                    below = None if type(value) is scalar else self._children(value, shared)
                    children[key_node.value] = (line, column, below)
        else:
            children = []
            for item in node.value:
                line, column = of(item.start_mark)
                children.append((line, column, None if type(item) is scalar else self._children(item, shared)))
        shared[id(node)] = children
        return children


@dataclass(frozen=True, slots=True)
class Positions:
    """Where the fields of one object are in its file, as `Document.locate` finds them:
    a tree of `(line, column, children)` where children is None for a scalar, a dict
    by key for a mapping, a list for a sequence. Kept marshalled (`packed`): objects
    wait with their positions for the stack rules until the end of the run, and the
    tuples and dicts of the tree are about seven times the size of its bytes."""

    file: str
    packed: bytes

    @classmethod
    def of(cls, file: str, tree: tuple[int, int, Any]) -> Positions:
        return cls(file, marshal.dumps(tree))

    @property
    def tree(self) -> tuple[int, int, Any]:
        return marshal.loads(self.packed)

    def locate(self, path: Path) -> tuple[int, int]:
        """(line, column) of the deepest node on `path` (from the object) that exists."""
        line, column, _ = tree_entry(self.tree, path)
        return line, column


def tree_entry(tree: tuple[int, int, Any], path: Path) -> tuple[int, int, Any]:
    """The entry of `path` in a positions tree, or the place of its deepest existing
    node without children when the path goes further than what exists."""
    line, column, children = tree
    for key in path:
        entry = None
        if isinstance(children, dict) and isinstance(key, str):
            entry = children.get(key)
        elif isinstance(children, list) and isinstance(key, int) and 0 <= key < len(children):
            entry = children[key]
        if entry is None:
            return line, column, None
        line, column, children = entry
    return line, column, children


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


def excluded(relative: str, patterns: Sequence[str]) -> str | None:
    """The first `--exclude` pattern that matches a path found while walking a
    directory (`relative` to that directory, with `/`), or None. A pattern without a
    `/` matches any one part of the path (a folder or file name: `testdata`,
    `*-test.yaml`); one with a `/` matches the whole relative path (`overlays/dev`,
    `examples/*/kind.yaml`), or a folder it lies under."""
    import fnmatch  # only runs with --exclude: kept off the start-up path

    parts = relative.split("/")
    for pattern in patterns:
        clean = pattern.strip("/")
        if "/" not in clean:
            if any(fnmatch.fnmatchcase(part, clean) for part in parts):
                return pattern
        elif any(fnmatch.fnmatchcase("/".join(parts[:end]), clean) for end in range(1, len(parts) + 1)):
            return pattern
    return None


def expand_paths(paths: list[str], exclude: Sequence[str] = ()) -> Iterator[str | InputError | Note]:
    """The files to lint, in a stable order. Directories are walked recursively for
    .yaml, .yml and .json files, skipping hidden folders, the `templates/` folder of
    Helm charts (templates are not YAML until rendered) and what an `exclude`
    pattern matches (`excluded`; a path named on the command line is always read)."""
    seen: set[str] = set()  # a file named twice (`lint dir dir/app.yaml`) is read once
    for path in paths:
        if path == STDIN:
            yield path
            continue
        if os.path.isdir(path):
            for item in _walk(path, exclude):
                if isinstance(item, str):
                    real = os.path.realpath(item)
                    if real in seen:
                        continue
                    seen.add(real)
                yield item
        elif os.path.exists(path):
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path
        elif os.path.islink(path):
            yield InputError(path, _broken_link(path))
        else:
            yield InputError(path, "no such file or directory")


def _broken_link(path: str) -> str:
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link"


def _walk(root: str, exclude: Sequence[str] = ()) -> Iterator[str | InputError | Note]:
    seen: set[str] = set()
    found = 0
    skipped = 0
    unreadable: list[OSError] = []
    for directory, subdirs, files in os.walk(root, followlinks=True, onerror=unreadable.append):
        while unreadable:
            error = unreadable.pop()
            yield InputError(error.filename or directory, f"cannot read directory: {error.strerror or error}")
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
        if exclude:
            for name in list(subdirs):
                pattern = excluded(_relative(root, os.path.join(directory, name)), exclude)
                if pattern is not None:
                    subdirs.remove(name)
                    skipped += 1
                    yield Note(os.path.join(directory, name), f"skipped: excluded by --exclude {pattern}")
        for name in sorted(files):
            if name.endswith(EXTENSIONS):
                path = os.path.join(directory, name)
                pattern = excluded(_relative(root, path), exclude) if exclude else None
                if pattern is not None:
                    skipped += 1
                    yield Note(path, f"skipped: excluded by --exclude {pattern}")
                    continue
                found += 1
                yield path
    for error in unreadable:
        yield InputError(error.filename or root, f"cannot read directory: {error.strerror or error}")
    if not found:
        # A mistyped or empty path must not pass a CI gate silently.
        what = f"no {', '.join(EXTENSIONS)} files found in this directory"
        if skipped:
            what += f" that --exclude leaves ({skipped} excluded)"
        yield InputError(root, what, empty=True)


def _relative(root: str, path: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


# --- parsing ----------------------------------------------------------------

# Characters libyaml's reader refuses (C0 controls but tab and line breaks, DEL, C1
# controls but NEL, surrogates, U+FFFE and U+FFFF).
# Compiled on first use (the class is slow to compile and only the pure reader's
# error path needs it): re caches the compiled pattern by its text.
_DISALLOWED = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
# JSON writes characters beyond the BMP as surrogate-pair escapes, which libyaml refuses.
_SURROGATE_PAIR_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")
_TEMPLATE_HINT = " (this looks like a template: render it first, e.g. `helm template ... | policypack lint -`)"
MAX_ERRORS_PER_FILE = 20


class _Restart(Exception):
    """The text was repaired (see _Stream); parse it again from the top."""


@dataclass
class _Lines:
    """Turns libyaml marks into file lines and columns.

    libyaml also counts NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR and a carriage
    return not followed by a line feed as line breaks, which grep does not (nor most
    editors, for the first three); when the text holds any, positions are computed
    from the character index instead."""

    text: str
    by_index: bool
    _breaks: list[int] | None = field(default=None, repr=False)  # offsets of the "\n"s

    def position(self, base_index: int, base_line: int, mark: Any) -> tuple[int, int]:
        if not self.by_index:
            return base_line + mark.line + 1, mark.column + 1
        if self._breaks is None:
            self._breaks = [m.start() for m in re.finditer("\n", self.text)]
        index = base_index + mark.index
        line = bisect.bisect_left(self._breaks, index)  # line feeds before the index
        return line + 1, index - (self._breaks[line - 1] + 1 if line else 0) + 1


def parse_documents(name: str, text: str) -> Iterator[Document | InputError]:
    """Every document of a YAML stream, in order. libyaml reads the whole stream; when
    a document cannot be parsed, it becomes an InputError with its line and column,
    and reading resumes at the next `---` line after the error.

    The compiled reader (policypack.native) reads the stream when it is built and the
    stream is one it reads; otherwise the pure reader below does, with the same result."""
    # The compiled reader places by libyaml's lines: not when other line breaks count
    # (see _Lines), nor with a byte-order mark inside the stream (_Stream removes them).
    if "\ufeff" not in text and not _other_line_breaks(text):
        documents = native.load(text, _construct_scalar)
        if documents is not None:
            for index, (data, tree, last_line) in enumerate(documents):
                yield Document(name, index, data, None, None, tree, last_line)
            return
    yield from _Stream(name, text).items()


def _construct_scalar(tag: str, value: str) -> Any:
    """A null, bool, int or float value as the pure reader makes it (see _scalar);
    raises when the text cannot be read as that type."""
    return _scalar_constructors()[tag](yaml.ScalarNode(tag, value))


# An alias token (`- *a`, `key: *a`, `[*a, *b]`) is `*` and a name, at a line start
# or after one of _BEFORE_ALIAS; this finds those and more (`**bold**`).
_MAYBE_ALIAS = re.compile(r"\*[^\s\[\]{},]")  # starting with a literal keeps it fast
_BEFORE_ALIAS = frozenset(" \t\r\n[{,:\x85\u2028\u2029")
_MID_STREAM_BOM = re.compile(r"^\ufeff(?=---)", re.MULTILINE)


def _other_line_breaks(text: str) -> bool:
    """Whether libyaml sees line breaks that are not line feeds (see _Lines). Counting
    is much faster than a regular expression on large files."""
    return any(c in text for c in "\x85\u2028\u2029") or text.count("\r") > text.count("\r\n")


class _Stream:
    def __init__(self, name: str, text: str) -> None:
        if "\ufeff" in text:
            # YAML allows a byte-order mark before each document (files joined with
            # `cat`); libyaml only at the start of the stream.
            text = _MID_STREAM_BOM.sub("", text)
        self.name = name
        self.text = text
        self.lines = _Lines(text, by_index=_other_line_breaks(text))
        self.alias_marks: tuple[str, list[int]] | None = None  # (text, where `*alias` may be)
        self.alias_budget = [MAX_EXPANDED_VALUES]  # shared by every document of the file
        self.bad_indexes: list[int] = []  # characters YAML forbids, replaced by spaces
        self.escapes_fixed = False
        self.done: set[Any] = set()  # what was already yielded (a restart parses again)
        self.index = 0
        self.errors = 0

    def items(self) -> Iterator[Document | InputError]:
        while True:
            try:
                yield from self._parse()
                return
            except _Restart:
                continue

    def _parse(self) -> Iterator[Document | InputError]:
        start = 0
        while start is not None:
            start = yield from self._parse_from(start)

    def _parse_from(self, start: int) -> Iterator[Document | InputError]:
        """Parse from `start` to the end; return where to resume after an error, or None."""
        base_line = self.text.count("\n", 0, start)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(self.text[start:] if start else self.text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None or ("doc", start + node.start_mark.index) in self.done:
                    continue
                self.done.add(("doc", start + node.start_mark.index))
                if self.bad_indexes and any(
                    start + node.start_mark.index <= i <= start + node.end_mark.index for i in self.bad_indexes
                ):
                    continue  # already reported at the forbidden character
                yield from self._build(node, start, base_line)
            return None
        except yaml.reader.ReaderError as error:
            if self.bad_indexes:  # already repaired once: libyaml refuses something else
                yield from self._error(f"YAML parse error: {error.reason}", start, base_line, None)
                return None
            found = self._replace_forbidden_characters()
            yield from self._forbidden_character_errors(found)
            raise _Restart from None
        except yaml.MarkedYAMLError as error:
            if "invalid Unicode character escape" in str(error.problem) and not self.escapes_fixed:
                self._fix_surrogate_escapes()
            mark = error.problem_mark or error.context_mark
            message = " ".join(part for part in (error.context, error.problem) if part) or str(error)
            yield from self._error(f"YAML parse error: {message}", start, base_line, mark)
            return self._resume_after(start + (mark.index if mark else 0), start)
        except yaml.YAMLError as error:
            yield from self._error(f"YAML parse error: {error}", start, base_line, None)
            return None
        except RecursionError:
            yield from self._error("nesting too deep to parse", start, base_line, None)
            return None
        finally:
            loader.dispose()

    def _build(self, node: yaml.Node, start: int, base_line: int) -> Iterator[Document | InputError]:
        position = _Position(self.lines, start, base_line)
        guarded = self._may_have_aliases(start + node.start_mark.index, start + node.end_mark.index)
        builder = _Builder(guarded, self.alias_budget, position)
        try:
            data = builder.build(node)
        except LoadError as error:
            yield from self._error(error.message, start, base_line, error.mark)
            return
        yield Document(self.name, self.index, data, node, position)
        self.index += 1
        for problem in builder.problems:
            yield from self._error(problem.message, start, base_line, problem.mark)

    def _may_have_aliases(self, begin: int, end: int) -> bool:
        """Whether something that may be an alias (`*name`) is between these indexes.
        Only then can a document expand (an alias bomb) or contain itself, and need
        the guard's walk over its nodes."""
        if "*" not in self.text:
            return False
        if self.alias_marks is None or self.alias_marks[0] is not self.text:
            text = self.text
            marks = [m.start() for m in _MAYBE_ALIAS.finditer(text)]
            self.alias_marks = (text, [i for i in marks if i == 0 or text[i - 1] in _BEFORE_ALIAS])
        marks = self.alias_marks[1]
        index = bisect.bisect_left(marks, begin)
        return index < len(marks) and marks[index] <= end

    def _error(self, message: str, start: int, base_line: int, mark: Any) -> Iterator[InputError]:
        if mark is None:
            line, column = base_line + 1, None
        else:
            line, column = self.lines.position(start, base_line, mark)
        key = ("error", line, column, message)
        if key in self.done:
            return
        self.done.add(key)
        self.errors += 1
        if self.errors > MAX_ERRORS_PER_FILE:
            return
        if "YAML parse error" in message and "{{" in self.text:
            message += _TEMPLATE_HINT
        if self.errors == MAX_ERRORS_PER_FILE:
            message += f" (further errors in this file are not shown; stopped at {MAX_ERRORS_PER_FILE})"
        yield InputError(self.name, message, line, column)

    def _resume_after(self, error_index: int, start: int) -> int | None:
        """The next document start at or after the line of the error (never `start` itself)."""
        line_start = self.text.rfind("\n", 0, error_index) + 1
        match = _DOCUMENT_START.search(self.text, max(line_start, start + 1))
        return match.start() if match else None

    def _replace_forbidden_characters(self) -> list[tuple[int, str]]:
        found = [(m.start(), m.group()) for m in re.finditer(_DISALLOWED, self.text)]
        self.bad_indexes = [index for index, _ in found]
        self.text = re.sub(_DISALLOWED, " ", self.text)  # same length: positions stay right
        self.lines = _Lines(self.text, self.lines.by_index)
        return found

    def _forbidden_character_errors(self, found: list[tuple[int, str]]) -> Iterator[InputError]:
        for index, char in found[:MAX_ERRORS_PER_FILE]:
            line = self.text.count("\n", 0, index) + 1
            column = index - (self.text.rfind("\n", 0, index) + 1) + 1
            message = f"YAML parse error: character U+{ord(char):04X} is not allowed in YAML"
            self.done.add(("error", line, column, message))
            self.errors += 1
            yield InputError(self.name, message, line, column)

    def _fix_surrogate_escapes(self) -> None:
        def combine(match: re.Match[str]) -> str:
            high, low = int(match[1], 16), int(match[2], 16)
            return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"

        self.escapes_fixed = True
        fixed = _SURROGATE_PAIR_ESCAPE.sub(combine, self.text)
        if fixed != self.text:
            # Each pair gets 2 characters shorter: columns after it on its line shift by 2.
            self.text = fixed
            self.lines = _Lines(fixed, self.lines.by_index)
            raise _Restart


@dataclass(frozen=True)
class _Position:
    """Where a document's marks are relative to: the parse it came from."""

    lines: _Lines
    base_index: int
    base_line: int

    def of(self, mark: Any) -> tuple[int, int]:
        return self.lines.position(self.base_index, self.base_line, mark)


class _Builder:
    """Node tree -> plain data. Keys are the scalar text (as Kubernetes reads them);
    values get YAML 1.1 types for null, bool, int and float, and strings otherwise."""

    def __init__(self, guarded: bool, alias_budget: list[int], position: _Position) -> None:
        self.guarded = guarded
        self.alias_budget = alias_budget  # values the file may still gain through aliases
        self.position = position
        self.problems: list[LoadError] = []  # reported, but the document is still used
        self.active: set[int] = set()  # nodes being sized (cycle detection)
        self.sizes: dict[int, int] = {}

    def build(self, node: yaml.Node) -> Any:
        try:
            if self.guarded:
                self._expanded_size(node, 0)
            return self._build(node, 0)
        except RecursionError:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark) from None

    def _expanded_size(self, node: yaml.Node, depth: int) -> int:
        """Values in the subtree once aliases are expanded. Each alias use spends its
        size from the file's budget, so an alias bomb is refused before it is built."""
        key = id(node)
        if key in self.sizes:
            self.alias_budget[0] -= self.sizes[key]
            if self.alias_budget[0] < 0:
                raise LoadError(
                    f"refused: aliases expand this file by more than {MAX_EXPANDED_VALUES:,} values (an alias bomb?)",
                    node.start_mark,
                )
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
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                size += self._expanded_size(item, depth + 1)
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
                line = self.position.of(first_seen[key])[0]
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


_TAG_NAMES = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null",
}


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag in _PLAIN_AS_STRING:
        return node.value
    constructor = _scalar_constructors().get(tag)
    if constructor is None:
        return node.value  # local or unknown tags (`!foo`): the text, never an object
    try:
        return constructor(node)
    except (ValueError, KeyError, IndexError, OverflowError):
        # `!!int foo`, `0x_`, an integer of thousands of digits, ...
        # The value itself is not quoted: it could be a secret.
        raise LoadError(f"YAML parse error: cannot read this value as {_TAG_NAMES[tag]}", node.start_mark) from None
