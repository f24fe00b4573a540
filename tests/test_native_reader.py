"""The compiled YAML reader (policypack.native, built from native/) against the pure
reader: the same documents, data (with types), positions, errors and notes on every
fixture, the corpus and generated inputs.

The pure reader is what runs where no Rust toolchain was found at install; it stays
tested by every other test too when run with POLICYPACK_PURE_READER=1, and here
directly. Where the compiled reader is not built, the comparisons skip with a message.
"""

from __future__ import annotations

import marshal
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policypack import native
from policypack.loader import InputError, Positions, _construct_scalar, parse_documents, tree_entry

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real-world"
FIXTURE_DIRS = [ROOT / "tests", ROOT / "examples", ROOT.parent / "shared" / "fixtures"]

needs_native = pytest.mark.skipif(
    native._native is None, reason="the compiled reader is not built (no Rust toolchain at install)"
)


def typed(value: Any) -> Any:
    """`value` with every scalar's type spelled out (True == 1 == 1.0 in Python)."""
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def fingerprint(value: Any) -> bytes:
    """Equal for equal values of equal types (True == 1 == 1.0 in Python, not here).
    Version 2: no back-references, so shared objects do not change the bytes."""
    return marshal.dumps(value, 2)


def summary(name: str, text: str, pure: bool, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What a reader makes of a text, in a form both readers can be compared in."""
    with monkeypatch.context() as patch:
        if pure:
            patch.setenv(native.PURE_ENV, "1")
        else:
            patch.delenv(native.PURE_ENV, raising=False)
        out: list[Any] = []
        for item in parse_documents(name, text):
            if isinstance(item, InputError):
                out.append(("error", item))
            else:
                tree = item.positions(()).tree
                out.append(
                    ("document", item.index, fingerprint(item.data), item.line, item.end_line, fingerprint(tree))
                )
        return out


def compare(name: str, text: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Assert both readers agree; whether the compiled one read it (did not decline)."""
    expected = summary(name, text, True, monkeypatch)
    got = summary(name, text, False, monkeypatch)
    if got != expected:  # show the difference readably
        readable = [[typed(marshal.loads(part)) if isinstance(part, bytes) else part for part in row] for row in got]
        wanted = [[typed(marshal.loads(part)) if isinstance(part, bytes) else part for part in row] for row in expected]
        assert readable == wanted, name
        assert got == expected, name
    return native._native.load(text, _construct_scalar) is not None


def yaml_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.exists():
            yield from sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


def test_positions_are_kept_packed() -> None:
    tree = (1, 1, {"a": (2, 3, [(3, 5, None), (4, 5, {"b": (4, 7, None)})])})
    positions = Positions.of("f", tree)
    assert isinstance(positions.packed, bytes) and positions.tree == tree
    assert tree_entry(tree, ("a", 1)) == (4, 5, {"b": (4, 7, None)})
    assert tree_entry(tree, ("a", 7, "x")) == (2, 3, None)
    assert positions.locate(("a", 1, "b")) == (4, 7)
    assert positions.locate(("a", 1, "c")) == (4, 5)


@needs_native
def test_both_readers_agree_on_every_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    files = list(yaml_files(*FIXTURE_DIRS))
    assert len(files) > 300
    read = 0
    for path in files:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # the reader never sees it: decode() reports it
        read += compare(str(path), text, monkeypatch)
    assert read > len(files) * 0.8  # the compiled reader reads the common case itself


@needs_native
@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not checked out beside the project")
def test_both_readers_agree_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in yaml_files(CORPUS):
        compare(str(path), path.read_text(encoding="utf-8"), monkeypatch)


# Plain scalars that YAML 1.1 types, and near-misses, for the resolver.
SCALAR_WORDS = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "yes",
    "Yes",
    "YES",
    "yEs",
    "no",
    "on",
    "ON",
    "off",
    "Off",
    "true",
    "True",
    "TRUE",
    "tRue",
    "false",
    "y",
    "n",
    "=",
    "==",
    "<<",
    "<",
    "0",
    "00",
    "07",
    "08",
    "0o7",
    "0b101",
    "0b",
    "0b2",
    "0x1F",
    "0x",
    "0xg",
    "-0x1",
    "+12",
    "1_000",
    "_1",
    "1__",
    "190:20:30",
    "1:60",
    "1:5",
    "-1:59:59",
    "1:2:3.5",
    "1.",
    ".5",
    "-.5",
    "1.5e+3",
    "1.5e3",
    "1e+3",
    "6.8523015e+5",
    "+.inf",
    "-.Inf",
    ".INF",
    ".inf.",
    ".nan",
    ".NaN",
    "-.nan",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2002-1-1",
    "123456789012345678901234567890",
    "-9223372036854775809",
    "9223372036854775807",
    "1_2.3_4",
    "0.0",
    "-0",
    "+0",
    "0_",
    "1:00",
    "12:30:00",
    "1\n",
    "true\n",
    "٣",
]


@needs_native
def test_resolver_matches_pyyaml() -> None:
    resolver = yaml.resolver.Resolver()
    reduced = {"null", "bool", "int", "float", "merge"}
    for word in SCALAR_WORDS:
        tag = resolver.resolve(yaml.ScalarNode, word, (True, False)).rsplit(":", 1)[1]
        assert native._native.resolve(word) == (tag if tag in reduced else "str"), word


@needs_native
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="0123456789abexfinoINFNAO_.:+-=<~ tTZyYsSlLuUrR\n", max_size=14))
def test_resolver_matches_pyyaml_on_generated_scalars(word: str) -> None:
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, word, (True, False)).rsplit(":", 1)[1]
    assert native._native.resolve(word) == (tag if tag in {"null", "bool", "int", "float", "merge"} else "str")


# Generated YAML: plain, quoted and tagged scalars in block and flow collections, with
# the odd anchor, alias, merge key, duplicate key, bad indentation or stray character.
PLAIN = st.sampled_from(SCALAR_WORDS).filter(lambda w: "\n" not in w and w)
QUOTED = st.sampled_from(SCALAR_WORDS).map(lambda w: f'"{w}"' if "\n" not in w else '"x"')
TAGGED = st.sampled_from(
    [
        "!!int 7",
        "!!int x",
        "!!float 1",
        "!!bool yes",
        "!!bool maybe",
        "!!null x",
        "!!str 1",
        "! 12",
        "! '12'",
        "!local 5",
        "!!binary aGk=",
        "!!timestamp 2001-01-01",
        "'it''s'",
        "|\n  block\n  text",
        ">-\n  folded\n  text",
    ]
)
ODD = st.sampled_from(["&a 1", "*a", "[1, *a]", "{k: v, k: w}", "{a: [b, {c: d}]}", "x: y", "- z", "@", "`x`", "%"])
TEXT = st.text(alphabet="abcxyz:#-'\" ", min_size=1, max_size=6)
# Mostly what real manifests hold (which the compiled reader reads itself), some of
# what it must leave to the pure reader.
SCALARS = st.one_of(PLAIN, PLAIN, QUOTED, TAGGED, ODD, TEXT)
KEYS = st.sampled_from(["a", "b", "c", "d", "e", "1", "true", "'q'", "a b", "x-y"] * 3 + ["<<", "? x", "[k]"])


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["mapping", "sequence", "scalar", "flow"] if depth < 3 else ["scalar"]))
    indent = "  " * depth
    if kind == "scalar":
        return draw(SCALARS)
    if kind == "flow":
        items = draw(st.lists(SCALARS.filter(lambda s: "\n" not in s), max_size=3))
        if draw(st.booleans()):
            return "[" + ", ".join(items) + "]"
        return "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}"
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        child = draw(documents(depth + 1))
        child = child.replace("\n", "\n" + indent + "  ")
        if kind == "mapping":
            lines.append(f"{indent}{draw(KEYS)}:" + (f"\n{indent}  {child}" if draw(st.booleans()) else f" {child}"))
        else:
            lines.append(f"{indent}- {child}")
    return "\n".join(lines).lstrip(" ")


@needs_native
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(documents(), min_size=1, max_size=3), st.sampled_from(["", "\n", "# c\n"]))
def test_both_readers_agree_on_generated_yaml(monkeypatch: pytest.MonkeyPatch, parts: list[str], tail: str) -> None:
    compare("gen.yaml", "\n---\n".join(parts) + tail, monkeypatch)


# Where libyaml 0.2.5 (unsafe-libyaml) and the libyaml PyYAML bundles may differ, and
# what the compiled reader must leave to the pure reader.
EDGE_CASES = [
    "[!foo,bar]\n",
    "{a: !x,b: c}\n",
    "[!!str,1]\n",
    "- !t[1]\n",
    "[!a]\n",
    "{!a: b}\n",
    "a: 1\r\nb: [2, 3]\r\n",
    "a: 1\rb: 2\n",
    "a: x\x85b: y\n",
    "a: 1\n---\n\ufeffb: 2\n",
    "a:\n\t- 1\n",
    "%YAML 1.1\n%TAG !k! tag:example.com,2000:\n---\na: !k!x 1\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: &x 1\nb: *x\n",
    "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "a: 1\na: 2\n",
    "? [k]\n: v\n",
    "a: !!int 0x_\n",
    "a: !!float .nan\nb: -.inf\nc: 1_000.5\nd: 1:30.5\n",
    "a: 0o17\nb: 017\nc: 0b1_0\nd: 190:20:30\ne: 12345678901234567890123\n",
    "a: '\\u00e9'\nb: \"\\ud83d\\ude00\"\nc: é\n",
    "key: =\nother: ! 12\nthird: ! '12'\n",
    "---\n...\n---\n# only a comment\n",
    "- " * 300 + "x\n",
]


@needs_native
@pytest.mark.parametrize("text", EDGE_CASES)
def test_both_readers_agree_on_edge_cases(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    compare("edge.yaml", text, monkeypatch)
