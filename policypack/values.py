"""Plain-data helpers shared by the model and the rules.

Every resource reaches the rules as plain Python data (dict, list, str, int, float,
bool, None), whichever mode produced it. The one addition is `UNKNOWN`: a value that
Pulumi cannot know during preview (an output of another resource). Rules must treat
an unknown value as "could be anything": never fire because of it, and go on judging
everything else. `get` makes that easy: it returns `UNKNOWN` as soon as the walk meets
one, and `None` when the field is missing or the data has another shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

Key = str | int
Path = tuple[Key, ...]


class Unknown:
    """The type of `UNKNOWN`; there is exactly one instance."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        # Truthiness of an unknown value is a question with no answer; make a rule
        # that asks it fail loudly (the engine reports that) rather than guess.
        raise TypeError("the truth value of an unknown (preview-time) value is undefined")


UNKNOWN: Final = Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def holds_unknown(value: Any) -> bool:
    """Whether a value not known yet (preview) is anywhere in `value`, at any depth
    (walked without recursion: a value may be nested deeper than Python's stack, or
    hold itself through a YAML alias)."""
    pending, seen = [value], set()
    while pending:
        current = pending.pop()
        if current is UNKNOWN:
            return True
        if isinstance(current, (Mapping, list)):
            if id(current) in seen:
                continue
            seen.add(id(current))
            pending.extend(current.values() if isinstance(current, Mapping) else current)
    return False


def get(data: Any, *keys: Key) -> Any:
    """Walk `keys` into nested mappings and lists.

    Returns the value found, `UNKNOWN` if an unknown value stands anywhere on the
    way, or `None` if a key is missing or a step meets the wrong shape (a string
    where a mapping was expected, an index past the end, ...).
    """
    current = data
    for key in keys:
        if current is UNKNOWN:
            return UNKNOWN
        if isinstance(key, str):
            if not isinstance(current, Mapping):
                return None
            current = current.get(key)
        else:
            if not isinstance(current, list) or not -len(current) <= key < len(current):
                return None
            current = current[key]
        if current is None:
            return None
    return current


def as_mapping(value: Any) -> Mapping[str, Any]:
    """The value if it is a mapping, else an empty one (unknown included)."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    """The value if it is a list, else an empty list (unknown included)."""
    return value if isinstance(value, list) else []


def format_path(path: Path) -> str:
    """`("spec", "containers", 0, "image")` -> `spec.containers[0].image`; keys with
    dots, brackets or parentheses are quoted: `metadata.annotations["example.com/x"]`
    (parentheses too, because Pulumi messages end in `(..., field PATH)`)."""
    out: list[str] = []
    for key in path:
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif not key or any(c in key for c in '.[]"()'):
            out.append(f"[{json.dumps(key)}]")
        elif out:
            out.append(f".{key}")
        else:
            out.append(key)
    return "".join(out)


_PATH_TOKEN = re.compile(r'\.?([^.\[\]"]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def parse_path(text: str) -> Path:
    """The inverse of `format_path`."""
    out: list[Key] = []
    position = 0
    while position < len(text):
        match = _PATH_TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"not a field path: {text!r}")
        name, index, quoted = match.groups()
        out.append(name if name is not None else int(index) if index is not None else json.loads(quoted))
        position = match.end()
    return tuple(out)


# envsubst and shell (`${X}`, `$(X)`, `$X`), Go templates (`{{ }}`), and the tokens Maven's and
# Gradle's resource filtering replace at build time (`@docker.image@`: Apache Ozone's
# example manifests, corpus25), standing alone between non-word characters.
BUILD_TOKEN = re.compile(r"(?<![\w@])@[A-Za-z][\w.-]*@(?![\w@])")
# envsubst's bare `$APP_IMAGE_TAG` (corpus26's IETF datatracker): an upper-case
# variable name standing alone, not a `$` inside a word (`pa$SWORD`).
_BARE_VARIABLE = r"(?<![\w$])\$[A-Z_][A-Z0-9_]{2,}(?![\w])"
# Python's `str.format` blank, `{name}` inside a value (`apihighways/{name}`,
# `http://{name}.default.svc`: Vizzuality's deploy scripts, corpus36), a lower-case name in
# single braces with a word character or `/`, `.`, `-`, `:` beside it: not JSON (`{"a": 1}`)
# nor a set of words (`{a,b}`).
_FORMAT_FIELD = r"(?<=[\w/.:-])\{[a-z_][a-z0-9_]*\}|\{[a-z_][a-z0-9_]*\}(?=[\w/.:-])"
_TEMPLATE_TEXT = re.compile(r"\$\{|\$\(|\{\{|\}\}|" + BUILD_TOKEN.pattern + "|" + _BARE_VARIABLE + "|" + _FORMAT_FIELD)


def is_template_text(value: Any) -> bool:
    """Whether a string is an unrendered template (`${PORT:-9002}`, `{{ .Values.port }}`,
    `$(VAR)`, `$VAR`, `@docker.image@`): its value is decided at deploy time (or build time),
    so it is not judged as written."""
    if not isinstance(value, str) or ("$" not in value and "{" not in value and "}" not in value and "@" not in value):
        return False  # (a cheap test first: selectors call this for every pair of labels)
    return _TEMPLATE_TEXT.search(value) is not None
