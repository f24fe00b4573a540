"""Writing fixes into YAML text: surgical edits, every other byte kept.

`policypack fix` must change only the fixed fields: comments, key order, quoting,
indentation, line breaks and document separators stay as they are. A round-trip
library does not give that: ruamel.yaml 0.19 (the library of the field), loading and
dumping every YAML file of `../shared/corpus/real-world` with no change at all
(`preserve_quotes`, width 4096), rewrote 171 of 369 files (reflowed multi-line plain
scalars, re-indented sequences) and could not load 5. So the text is edited in place
at the positions libyaml gives:

- a scalar that changes is replaced in its own span, in its own quoting style;
- a key that is missing is inserted after the last entry of its mapping, in that
  mapping's indentation (a new nested block uses the document's indentation step
  and sequence style); in a flow mapping (`{}`) it is inserted before the `}`;
- an item added to a list goes after its last item (block) or before the `]` (flow).

The caller (policypack/fix.py) checks that the edited text parses to exactly the
original data with the changes applied, and refuses the edit otherwise.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from policypack.patch import Change

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


class EditError(Exception):
    """The changes cannot be written into this text surgically (the caller skips them)."""


@dataclass(frozen=True)
class _Append:
    values: tuple[Any, ...]


@dataclass(frozen=True)
class _Set:
    value: Any


def compose(text: str) -> list[yaml.Node | None]:
    """Every document's node tree, as libyaml (the loader's parser) builds it."""
    return list(yaml.compose_all(text, Loader=_Loader))


def apply_edits(text: str, nodes: list[yaml.Node | None], plan: Mapping[int, Iterable[Change]]) -> str:
    """The text with each document's changes written in (`plan`: document index ->
    changes from the document's root). Raises EditError when a change cannot be made."""
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    newline = "\r\n" if "\r\n" in text else "\n"
    for index, changes in plan.items():
        node = nodes[index] if 0 <= index < len(nodes) else None
        if node is None:
            raise EditError(f"document {index} has no node")
        writer = _Writer(text, node, newline)
        writer.apply(node, _tree(changes), parent_column=None)
        edits.extend(writer.edits)
    # Stable: inserts at the same place keep the order they were made in (an inner
    # mapping's new keys before its parent's, which come after it in the text).
    edits.sort(key=lambda edit: edit[0])
    for (start, end, _), (next_start, next_end, _) in itertools.pairwise(edits):
        if next_start < end or (next_start == start and (end > start or next_end > next_start)):
            raise EditError("two changes meet at the same place")
    out = text
    for start, end, replacement in reversed(edits):
        out = out[:start] + replacement + out[end:]
    return out


def _tree(changes: Iterable[Change]) -> dict[Any, Any]:
    """Changes -> one nested patch per document (two fixes that add keys to the same
    missing mapping then write one block)."""
    tree: dict[Any, Any] = {}
    for change in changes:
        node = tree
        for key in change.path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        last = change.path[-1]
        if change.append:
            current = node.get(last)
            values = current.values if isinstance(current, _Append) else ()
            if change.value not in values:
                node[last] = _Append((*values, change.value))
        elif isinstance(change.value, dict) and change.value:
            target = node.setdefault(last, {})
            if not isinstance(target, dict):
                target = node[last] = {}
            for key, value in change.value.items():
                _merge_into(target, key, value)
        else:
            node[last] = _Set(change.value)
    return tree


def _merge_into(tree: dict[Any, Any], key: Any, value: Any) -> None:
    if isinstance(value, dict) and value:
        target = tree.setdefault(key, {})
        if not isinstance(target, dict):
            target = tree[key] = {}
        for sub, item in value.items():
            _merge_into(target, sub, item)
    else:
        tree[key] = _Set(value)


def _data(tree: Any) -> Any:
    """A patch subtree as the data it adds."""
    if isinstance(tree, _Set):
        return tree.value
    if isinstance(tree, _Append):
        return list(tree.values)
    return {key: _data(value) for key, value in tree.items()}


def render_scalar(value: Any, style: str | None = None) -> str:
    """A scalar as YAML: plain where that reads back as the same string, else in the
    original's quoting style, else double-quoted (JSON)."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style != '"' and _PLAIN.match(text) and yaml.load(text, Loader=_Loader) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def render_flow(value: Any) -> str:
    """Any value in flow style (JSON-like, keys plain where possible)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render_scalar(k)}: {render_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_flow(v) for v in value) + "]"
    return render_scalar(value)


class _Writer:
    def __init__(self, text: str, root: yaml.Node, newline: str) -> None:
        self.text = text
        self.newline = newline
        self.edits: list[tuple[int, int, str]] = []
        self.step, self.sequence_offset = _style_of(root)
        self.seen = _shared_nodes(root)

    # --- walking ---------------------------------------------------------------

    def apply(self, node: yaml.Node, tree: dict[Any, Any], parent_column: int | None) -> None:
        if id(node) in self.seen:
            raise EditError("the change is under a YAML alias (it would change every place the anchor is used)")
        if isinstance(node, yaml.MappingNode):
            if any(key.tag == "tag:yaml.org,2002:merge" or key.value == "<<" for key, _ in node.value):
                raise EditError("the change is in a mapping with a merge key (<<)")
            missing: dict[str, Any] = {}
            for key, patch in tree.items():
                found = self._find(node, key)
                if found is None:
                    missing[key] = _data(patch)
                else:
                    self._change(found[0], found[1], patch)
            if missing:
                self._insert(node, missing, parent_column)
        elif isinstance(node, yaml.SequenceNode):
            for key, patch in tree.items():
                if not (isinstance(key, int) and 0 <= key < len(node.value)):
                    raise EditError(f"no list item {key}")
                item = node.value[key]
                self._change(None, item, patch, column=item.start_mark.column)
        else:
            raise EditError("the change goes into a scalar")

    @staticmethod
    def _find(node: yaml.MappingNode, key: Any) -> tuple[yaml.Node, yaml.Node] | None:
        found = None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found = (key_node, value_node)  # the last one wins, as in the data
        return found

    def _change(self, key: yaml.Node | None, node: yaml.Node, patch: Any, column: int | None = None) -> None:
        if id(node) in self.seen:
            raise EditError("the change is under a YAML alias")
        key_column = key.start_mark.column if key is not None else column
        if isinstance(patch, _Set):
            if isinstance(node, yaml.ScalarNode):
                self._replace_scalar(key, node, render_scalar(patch.value, node.style), patch.value)
            else:
                raise EditError("a fix would replace a whole mapping or list")
        elif isinstance(patch, _Append):
            if isinstance(node, yaml.SequenceNode):
                self._append(node, patch.values)
            elif _is_null(node):
                self._replace_scalar(key, node, render_flow(list(patch.values)), list(patch.values))
            else:
                raise EditError("a fix would add an item to something that is not a list")
        elif isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            self.apply(node, patch, key_column)
        elif _is_null(node):
            self._replace_scalar(key, node, render_flow(_data(patch)), _data(patch))
        else:
            raise EditError("a fix would write into a value that is not a mapping")

    # --- edits -----------------------------------------------------------------

    def _replace_scalar(self, key: yaml.Node | None, node: yaml.ScalarNode, rendered: str, value: Any) -> None:
        start, end = node.start_mark.index, node.end_mark.index
        if node.tag != "tag:yaml.org,2002:str" and self.text[start : start + 1] == "!":
            raise EditError("the value has an explicit tag")
        if start == end:  # `key:` with nothing after it: write after the colon
            if key is None:
                raise EditError("an empty list item")
            colon = self.text.find(":", key.end_mark.index)
            if colon < 0:
                raise EditError("no colon after the key")
            if not isinstance(value, (dict, list)) or not value:
                rendered = render_flow(value)
            self.edits.append((colon + 1, colon + 1, " " + rendered))
            return
        self.edits.append((start, end, rendered))

    def _insert(self, node: yaml.MappingNode, values: dict[str, Any], parent_column: int | None) -> None:
        if node.flow_style or not node.value:
            self._insert_flow(node, ", ".join(f"{render_scalar(k)}: {render_flow(v)}" for k, v in values.items()))
            return
        column = node.value[0][0].start_mark.column
        step = column - parent_column if parent_column is not None and column > parent_column else self.step
        lines = []
        for key, value in values.items():
            lines.extend(self._block(key, value, column, step))
        self._insert_lines(self._line_after(node), lines)

    def _append(self, node: yaml.SequenceNode, values: tuple[Any, ...]) -> None:
        present = [item.value for item in node.value if isinstance(item, yaml.ScalarNode)]
        new = [value for value in values if render_scalar(value) not in present and str(value) not in present]
        if not new:
            return
        if node.flow_style or not node.value:
            self._insert_flow(node, ", ".join(render_flow(value) for value in new))
            return
        column = node.start_mark.column
        self._insert_lines(self._line_after(node), [f"{' ' * column}- {render_flow(value)}" for value in new])

    def _insert_flow(self, node: yaml.Node, entries: str) -> None:
        """After the last entry of a flow collection (so `[a,\n b\n]` gets `, c` after
        `b`), or before the closing bracket of an empty one."""
        if node.value:
            last = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
            if last.start_mark.index < node.start_mark.index:
                raise EditError("the last entry is an alias")
            self.edits.append((last.end_mark.index, last.end_mark.index, ", " + entries))
            return
        end = node.end_mark.index
        close = self.text.rfind("}" if isinstance(node, yaml.MappingNode) else "]", node.start_mark.index, end)
        if close < 0:
            raise EditError("a flow collection without its closing bracket")
        self.edits.append((close, close, entries))

    def _block(self, key: str, value: Any, column: int, step: int) -> list[str]:
        pad = " " * column
        head = f"{pad}{render_scalar(key)}:"
        if isinstance(value, dict) and value:
            lines = [head]
            for sub, item in value.items():
                lines.extend(self._block(sub, item, column + step, step))
            return lines
        if isinstance(value, list) and value:
            dash = " " * (column + self.sequence_offset)
            return [head] + [f"{dash}- {render_flow(item)}" for item in value]
        return [f"{head} {render_flow(value)}"]

    def _insert_lines(self, at: int, lines: list[str]) -> None:
        block = self.newline.join(lines) + self.newline
        if at > len(self.text) or (at == len(self.text) and not self.text.endswith("\n")):
            at, block = len(self.text), self.newline + block.removesuffix(self.newline)
        self.edits.append((at, at, block))

    def _line_after(self, node: yaml.Node) -> int:
        """Where a line after the node's last content starts (past a trailing comment
        on that line, before any comment lines that follow)."""
        last = node
        while isinstance(last, (yaml.MappingNode, yaml.SequenceNode)) and last.value and not last.flow_style:
            if isinstance(last, yaml.MappingNode):
                key, value = last.value[-1]
                if value.start_mark.index < key.start_mark.index:
                    # An alias (`key: *anchor`): its node is where the anchor is; the
                    # alias itself is on its key's line.
                    return self._next_line(key.end_mark.index)
                last = value
            else:
                item = last.value[-1]
                if item.start_mark.index < last.start_mark.index:
                    raise EditError("the last item is an alias")
                last = item
        end = last.end_mark.index
        if isinstance(last, yaml.ScalarNode) and last.style in ("|", ">") and self.text[end - 1 : end] == "\n":
            return end
        return self._next_line(end)

    def _next_line(self, index: int) -> int:
        found = self.text.find("\n", index)
        return len(self.text) + 1 if found < 0 else found + 1


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and not node.style and node.value in ("", "~", "null", "Null", "NULL")


def _style_of(root: yaml.Node) -> tuple[int, int]:
    """The document's indentation step and whether block sequences are indented under
    their key (0: `- ` at the key's column, as kubectl writes; 2: indented)."""
    step = offset = None
    stack: list[yaml.Node] = [root]
    visited: set[int] = set()
    while stack and (step is None or offset is None):
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode) and not node.flow_style:
            for key, value in node.value:
                below = value.start_mark.line > key.start_mark.line
                block = below and not value.flow_style and bool(value.value)
                if step is None and block and isinstance(value, yaml.MappingNode):
                    delta = value.value[0][0].start_mark.column - key.start_mark.column
                    step = delta if delta > 0 else None
                if offset is None and block and isinstance(value, yaml.SequenceNode):
                    offset = max(0, value.start_mark.column - key.start_mark.column)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return step or 2, offset if offset is not None else 0


def _shared_nodes(root: yaml.Node) -> set[int]:
    """Nodes reached more than once (an anchor and its aliases are the same node)."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return shared
