"""Did-you-mean suggestions for names the user mistyped (rules, options, containers)."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `word`, or None when none is close."""
    import difflib  # only on an error path: difflib is a measurable share of start-up

    hits = difflib.get_close_matches(word, list(candidates), n=1)
    return hits[0] if hits else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'x'?)`, or "" when no candidate is close."""
    hit = closest(word, candidates)
    return f" (did you mean {hit!r}?)" if hit else ""
