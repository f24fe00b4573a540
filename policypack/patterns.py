"""Regular expressions compiled on first use.

A lint run imports every Kubernetes rule module, and compiling their module-level
patterns (about 120) was a fifth of a one-file run, though such a run uses about a
quarter of them (docs/performance.md, "One file"). The rules write
`lazy_compile(...)` where they would write `re.compile(...)` at module level: the
pattern is compiled by the first call of one of its methods, which then replaces
the methods with the compiled pattern's own, so later calls cost what a compiled
pattern's do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    """`re.compile(pattern, flags)`, done when first used. `pattern` is readable
    before (patterns are built from other patterns' text)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def compiled(self) -> re.Pattern[str]:
        compiled = re.compile(self.pattern, self._flags)
        for name in _METHODS:  # instance attributes shadow the methods below from now on
            setattr(self, name, getattr(compiled, name))
        return compiled

    def search(self, string: str, *args: Any) -> re.Match[str] | None:
        return self.compiled().search(string, *args)

    def match(self, string: str, *args: Any) -> re.Match[str] | None:
        return self.compiled().match(string, *args)

    def fullmatch(self, string: str, *args: Any) -> re.Match[str] | None:
        return self.compiled().fullmatch(string, *args)

    def finditer(self, string: str, *args: Any) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(string, *args)

    def findall(self, string: str, *args: Any) -> list[Any]:
        return self.compiled().findall(string, *args)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self.compiled().sub(repl, string, count)

    def subn(self, repl: Any, string: str, count: int = 0) -> tuple[str, int]:
        return self.compiled().subn(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[Any]:
        return self.compiled().split(string, maxsplit)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r})"


#: What a rule's pattern is: compiled, or compiled when first used.
Pattern = re.Pattern[str] | LazyPattern


def lazy_compile(pattern: str, flags: int = 0) -> LazyPattern:
    """A pattern compiled on first use (see the module's docstring)."""
    return LazyPattern(pattern, flags)


__all__ = ["LazyPattern", "Pattern", "lazy_compile"]
