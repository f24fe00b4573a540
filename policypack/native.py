"""The compiled YAML reader, when it was built (see native/ and docs/performance.md).

`pip install -e .` builds it from native/ (Rust) when a Rust toolchain is found; without
one the install goes on and the pure-Python reader in policypack.loader does all the
reading. The compiled reader reads the common case, a stream without errors, anchors,
merge keys or duplicate keys, in one pass into the documents' data and their positions;
for anything else it declines and the pure reader reads the file, so both give the same
documents, errors and places. Set POLICYPACK_PURE_READER=1 to use the pure reader only.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import Any

try:
    from policypack import _native  # type: ignore[attr-defined]
except ImportError:  # not built: no Rust toolchain at install, or an unsupported platform
    _native = None

PURE_ENV = "POLICYPACK_PURE_READER"


def available() -> bool:
    """Whether the compiled reader is built and not switched off."""
    return _native is not None and not os.environ.get(PURE_ENV)


def describe() -> str:
    """Which reader reads YAML, in a few words (for `policypack --version`)."""
    if _native is None:
        return "pure-Python YAML reader: the compiled one was not built"
    if os.environ.get(PURE_ENV):
        return f"pure-Python YAML reader: {PURE_ENV} is set"
    return "compiled YAML reader"


def load(text: str, construct: Callable[[str, str], Any]) -> list[tuple[Any, tuple[int, int, Any], int]] | None:
    """Every document of `text` as (data, positions tree, last line), or None when the
    pure reader must read it (or the compiled reader is not available).
    `construct(tag, text)` makes the scalar values the reader does not make itself."""
    if not available():
        return None
    # The reader makes many dicts and lists, none of them in a cycle: without this the
    # cyclic garbage collector runs every few hundred of them (a fifth of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _native.load(text, construct)
    finally:
        if enabled:
            gc.enable()
