"""What a rule's fix is: the change to an object, as paths and values.

A rule may define a fix next to its check. The fix function gets the same
`Resource` and options as the check and returns `Change`s: paths from the object's
root and the values to put there. It never knows the mode: offline, `policypack fix`
writes the changes into the YAML text (policypack/fix_yaml.py); in Pulumi, the
policy's `remediate` callback writes them into the resource's inputs
(policypack/fix.py). Both go through `apply_to_data`'s semantics:

- `Change(path, value)` sets the value at `path`, creating the mappings on the way;
  when both the value and what is there already are mappings, keys are set one by
  one (the others stay);
- `Change(path, value, append=True)` adds `value` to the list at `path` (creating
  it) unless the list already holds it.

A stack rule's fix gets the object alone, not the set its check judged: it proposes
the changes the object would need, and only those at the paths of the rule's
findings on that object are made. It is offline only (policypack/fix.py).

A fix returns nothing for what it cannot decide: a value unknown at preview time, a
shape it does not recognise, a choice only the team can make.

Applicability, as ruff has it: a `safe` fix keeps the workload's behaviour whatever
it is and is applied by default; an `unsafe` one can break an application and is
applied only when asked (`policypack fix --unsafe-fixes`, or the rule's option
`unsafeFixes: true` in either mode).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from policypack.values import Path


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Change:
    """Set `value` at `path` (or, with `append`, add it to the list at `path`)."""

    path: Path
    value: Any
    append: bool = False


FixFunction = Callable[[Any, Mapping[str, Any]], Iterable[Change]]


@dataclass(frozen=True)
class Fix:
    """A rule's fix: the function that computes the change, and how safe it is."""

    function: FixFunction
    applicability: Applicability

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE


#: The option a rule with an unsafe fix gets, to apply that fix without --unsafe-fixes
#: (and in Pulumi, where there is no command line, to apply it at all).
UNSAFE_FIXES_OPTION: dict[str, Any] = {
    "type": "boolean",
    "default": False,
    "description": (
        "Apply this rule's unsafe fix: in `policypack fix` without `--unsafe-fixes`, and in Pulumi "
        "when the rule's enforcement level is `remediate` (see docs/fixes.md)."
    ),
}


#: The same, for a stack rule, whose fix is offline only.
UNSAFE_FIXES_OFFLINE_OPTION: dict[str, Any] = {
    **UNSAFE_FIXES_OPTION,
    "description": (
        "Apply this rule's unsafe fix in `policypack fix` without `--unsafe-fixes`. Offline only: a stack "
        "rule's policy does not remediate in Pulumi (see docs/fixes.md)."
    ),
}


def apply_to_data(data: Any, changes: Iterable[Change]) -> Any:
    """The data with the changes made (in place; returned for convenience). Changes
    that meet something other than a mapping on their way are skipped: a fix never
    replaces a value of the wrong shape."""
    for change in changes:
        _apply(data, change)
    return data


def _apply(data: Any, change: Change) -> bool:
    node = data
    for key in change.path[:-1]:
        if isinstance(node, dict) and isinstance(key, str):
            if key not in node or node[key] is None:
                node[key] = {}
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return False
    last = change.path[-1]
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        if change.append:
            return False
        node[last] = change.value
        return True
    if not (isinstance(node, dict) and isinstance(last, str)):
        return False
    if change.append:
        current = node.get(last)
        if current is None:
            node[last] = [change.value]
            return True
        if not isinstance(current, list):
            return False
        if change.value not in current:
            current.append(change.value)
        return True
    if isinstance(change.value, dict) and isinstance(node.get(last), dict):
        for key, value in change.value.items():
            _apply(node[last], Change((key,), value))
        return True
    node[last] = change.value
    return True
