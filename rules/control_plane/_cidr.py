"""CIDR helpers shared by the control-plane rules (not a rule: no RULE here)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.values import Path, as_list


def is_open_cidr(value: Any) -> bool:
    """`0.0.0.0/0`, `::/0` and other spellings of "every address" (a zero-length
    prefix, such as `0.0.0.0/00` or `10.0.0.0/0`). Anything else, including values
    that are not CIDRs at all, is not open."""
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_network(value.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def open_cidrs(values: Any, path: Path, key: str | None = None) -> Iterator[tuple[Path, str]]:
    """The entries of a list of CIDRs (or of mappings holding one under `key`) that
    open to every address, with their paths. Unknown entries are skipped."""
    for index, entry in enumerate(as_list(values)):
        value = entry.get(key) if key is not None and isinstance(entry, Mapping) else entry
        if is_open_cidr(value):
            yield (path + (index, key) if key is not None else path + (index,)), value.strip()
