"""How a lint run groups objects into sets for the stack rules (docs/sets.md).

A stack rule decides things like "no workload has these labels" or "no Service has
this name". Offline, by default, the files of a run are one set and standard input
(`helm template | policypack lint -`) another; within a set, lookups keep the
candidates nearest the asking object in the file tree (policypack/stack.py), so a
repository of many apps or of per-environment variants is judged per deployment
without cutting one app whose files sit in several folders. `--sets directory` or
`--sets file` isolate each directory or file instead. In Pulumi the set is the stack
(per Kubernetes provider).
"""

from __future__ import annotations

import os
import re

from policypack.loader import STDIN_NAME
from policypack.model import Resource

#: The values of `policypack lint --sets`.
SET_MODES: tuple[str, ...] = ("run", "directory", "file")

#: The kind of the stand-in for a document that could not be read.
UNREADABLE_KIND = "UnreadableDocument"
_UNREADABLE_API_VERSION = "policypack.io/v1"

_NAMESPACE_LINE = re.compile(r"^\s*namespace:\s*[\"']?([a-z0-9]([-a-z0-9]*[a-z0-9])?)[\"']?\s*$", re.MULTILINE)


def set_key(file: str, mode: str) -> str:
    """The set a file's objects belong to (stored in `Resource.cluster`, which stack
    rules never mix)."""
    if file == STDIN_NAME:
        return "set:stdin"
    if mode == "run":
        return "set:files"
    if mode == "file":
        return f"set:file:{os.path.abspath(file)}"
    return f"set:dir:{os.path.dirname(os.path.abspath(file))}"


def unreadable_placeholders(file: str, text: str, mode: str) -> list[Resource]:
    """Stand-ins for a file that did not parse (a Go template, broken YAML): custom
    resources of unknown content in each namespace the text names (else the default
    one), so rules that see custom resources treat "nothing in the set provides X"
    in those namespaces as undecided rather than as a finding."""
    namespaces = sorted({match.group(1) for match in _NAMESPACE_LINE.finditer(text)}) or [None]
    placeholders = []
    for namespace in namespaces:
        metadata = {"name": f"unreadable:{file}"}
        if namespace is not None:
            metadata["namespace"] = namespace
        props = {"apiVersion": _UNREADABLE_API_VERSION, "kind": UNREADABLE_KIND, "metadata": metadata}
        placeholders.append(
            Resource(
                type=f"kubernetes:{_UNREADABLE_API_VERSION}:{UNREADABLE_KIND}",
                props=props,
                kind=UNREADABLE_KIND,
                api_version=_UNREADABLE_API_VERSION,
                cluster=set_key(file, mode),
                source=file,
            )
        )
    return placeholders
