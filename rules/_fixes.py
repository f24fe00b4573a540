"""What the rules' fixes share (not a rule: it defines no RULE).

Fixes follow their check: they write at the paths the check's violations name, so a
fix touches exactly what was found. `writable` makes sure the way to a path holds
mappings (or nothing yet), never an unknown value or something of another shape:
a fix never invents a value for what it cannot see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from policypack.model import Container, Resource
from policypack.patch import Change
from policypack.rule import Violation
from policypack.values import UNKNOWN, Path


def writable(obj: Resource, path: Path) -> bool:
    """Whether `path` can be set: every step on the way is a mapping (or a list item
    that exists) or missing, nothing on it is unknown, and the value there now is not
    unknown."""
    node: Any = obj.props
    for key in path:
        if node is None:
            return True  # missing from here on: the fix creates it
        if isinstance(node, Mapping) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return False
        if node is UNKNOWN:
            return False
    return True


def value_at(obj: Resource, path: Path) -> Any:
    node: Any = obj.props
    for key in path:
        if isinstance(node, Mapping) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node


def set_where_found(
    violations: Iterable[Violation], obj: Resource, field: str, value: Any, only: Any = None
) -> Iterator[Change]:
    """`value` at each violation's path that ends in `field` (and passes `only(path)`)."""
    done: set[Path] = set()
    for violation in violations:
        path = violation.path
        if not path or path[-1] != field or path in done or not writable(obj, path):
            continue
        if only is not None and not only(path):
            continue
        done.add(path)
        yield Change(path, value)


def container_at(obj: Resource, path: Path) -> Container | None:
    """The container whose entry `path` is under."""
    for container in obj.containers():
        if path[: len(container.path)] == container.path:
            return container
    return None


def drop_all_where_found(obj: Resource, violations: Iterable[Violation]) -> Iterator[Change]:
    """`ALL` appended to each `capabilities.drop` list a check found wanting (capabilities
    the container adds back stay: dropping ALL first is what Kubernetes does)."""
    for violation in violations:
        path = violation.path
        if path[-1] == "drop" and writable(obj, path) and isinstance(value_at(obj, path), (list, type(None))):
            yield Change(path, "ALL", append=True)
