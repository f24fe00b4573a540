"""Kubernetes resource quantities (`250m`, `1.5Gi`, `2e3`) as exact numbers.

The API's grammar: a signed decimal number, then a binary suffix (Ki, Mi, Gi, Ti, Pi,
Ei), a decimal one (n, u, m, k, M, G, T, P, E) or a decimal exponent (`e3`, `E-2`).
Compared as Decimals, so `0.5` and `500m` are equal and nothing is rounded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": "1e-9", "u": "1e-6", "m": "1e-3", "": "1", "k": "1e3", "M": "1e6", "G": "1e9", "T": "1e12"}
_DECIMAL.update({"P": "1e15", "E": "1e18"})
_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")


def parse_quantity(value: Any) -> Decimal | None:
    """The quantity's value (cores, bytes, ...), or None when it is not one (a template
    blank, a typo, an unknown): YAML numbers count (`cpu: 2`), booleans do not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip())
    if match is None:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        base = Decimal(number)
        if suffix in _BINARY:
            return base * _BINARY[suffix]
        if suffix in _DECIMAL:
            return base * Decimal(_DECIMAL[suffix])
        return base * (Decimal(10) ** int(suffix[1:]))
    except (InvalidOperation, ValueError):
        return None
