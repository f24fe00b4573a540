"""A program's own memory ceiling fits inside its container's memory limit.

Fires on a container whose program is told to use at least as much memory as the
container's `resources.limits.memory` allows:

- a JVM's maximum heap, `-Xmx<size>` (`-Xmx4g`, `-Xmx2048m`), on the command line or
  in a variable the JVM or its launcher reads (`JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`,
  `_JAVA_OPTIONS`, `JAVA_OPTS`, `JVM_OPTS`, `ES_JAVA_OPTS`, `OPENSEARCH_JAVA_OPTS`,
  `KAFKA_HEAP_OPTS`, `HEAP_OPTS`, `CATALINA_OPTS`);
- Node.js's old-space ceiling, `--max-old-space-size=<MiB>` (command line or
  `NODE_OPTIONS`);
- memcached's cache size, `-m <MiB>` or `--memory-limit=<MiB>`, on a container that
  runs the memcached image, unless the cache is a file mapped from a volume
  (`--memory-file`, `-e`: its pages can be written back to the file rather than
  counted until the kill, as corpus46's Thanos memcached keeps it on a claim).

Why it matters:
    The limit is enforced by the kernel: when the container's memory reaches it, the
    process is killed (`OOMKilled`) and restarted, over and over under load. A heap
    or cache allowed to grow to the limit reaches it before the program ever sees
    an out-of-memory error of its own, because the runtime needs memory beyond the
    heap (a JVM's metaspace, threads and buffers; Node's code and buffers;
    memcached's connections). The mistake is common when a limit is lowered, or a
    heap raised, in one file and not the other.

How to fix:
    Keep the program's ceiling well below the limit (a JVM's heap at about 75% of
    it), or let the runtime size itself from the limit:

        env:
          - name: JAVA_TOOL_OPTIONS
            value: "-XX:MaxRAMPercentage=75.0"     # instead of -Xmx
        resources:
          limits: {memory: 4Gi}

Notes:
    Only a ceiling at or above the limit is reported: one just below it may still be
    too high, but how much a runtime needs beside its heap depends on the program. A
    container without a memory limit, a value from a ConfigMap or a Secret (or
    variables taken whole from one, `envFrom`), a
    template's blank, and a value not known yet (preview) are not judged; nor is a
    command line a shell script builds from variables. When several settings are
    given (`JAVA_TOOL_OPTIONS` and the command line), which one the runtime takes
    depends on how it reads them: the lowest counts. Offline, a container whose command, arguments, environment
    or resources a kustomize patch of the run writes is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from policypack.images import repository_name
from policypack.model import POD_KINDS, Container, Resource
from policypack.quantity import parse_quantity
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, is_unknown

# Variables a JVM (or the launcher script of a JVM program) reads options from.
JAVA_VARIABLES = (
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "_JAVA_OPTIONS",
    "JAVA_OPTS",
    "JVM_OPTS",
    "ES_JAVA_OPTS",
    "OPENSEARCH_JAVA_OPTS",
    "KAFKA_HEAP_OPTS",
    "HEAP_OPTS",
    "CATALINA_OPTS",
)
NODE_VARIABLES = ("NODE_OPTIONS",)

_XMX = re.compile(r"(?<![\w-])-Xmx(\d+)([kKmMgGtT]?)(?![\w.])")
_NODE_HEAP = re.compile(r"(?<![\w-])--max-old-space-size[= ](\d+)(?![\w.])")
_JVM_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_MIB = 2**20


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.pod_spec is None:
        return
    container: Container
    for container in obj.containers(ephemeral=False):
        if any(obj.patched(*container.path, key) for key in ("command", "args", "env", "resources")):
            continue  # an overlay's patch decides it as deployed
        limit = parse_quantity(container.get("resources", "limits", "memory"))
        if limit is None or limit <= 0:
            continue
        ceiling = _ceiling(container)
        if ceiling is None:
            continue
        amount, said = ceiling
        if amount >= limit:
            shown = container.get("resources", "limits", "memory")
            yield Violation(
                container.path + ("resources", "limits", "memory"),
                f"{container.label} lets its program use {said}, at least its memory limit of {shown}: the kernel "
                "kills it (OOMKilled) when the program grows to that size, before the program sees a memory "
                "error of its own",
            )


def _ceiling(container: Container) -> tuple[Decimal, str] | None:
    """The program's own memory ceiling in bytes, and how it was said; None when it
    sets none or one is not known. Of several settings the lowest counts: which one
    the runtime takes depends on how it reads them."""
    words = container.command_line()
    if words is None:
        return None
    line = " ".join(word for word in words if isinstance(word, str))
    variables = _variables(container)
    if variables is None:
        return None
    for pattern, names, unit in (
        (_XMX, JAVA_VARIABLES, "heap"),
        (_NODE_HEAP, NODE_VARIABLES, "old space"),
    ):
        texts = [variables[name] for name in names if name in variables] + [line]
        said = [match for text in texts for match in pattern.finditer(text)]
        flag = "-Xmx" if pattern is _XMX else "--max-old-space-size"
        if sum(text.count(flag) for text in texts) > len(said):
            return None  # a setting from a variable (`-Xmx${HEAP}`): not known
        if said:
            sizes = [_bytes(match) for match in said]
            lowest = min(range(len(said)), key=lambda index: sizes[index])
            article = "an" if unit[0] in "aeiou" else "a"
            return sizes[lowest], f"{article} {unit} of {said[lowest].group(0).strip()}"
    image = container.get("image")
    if isinstance(image, str) and repository_name(image) == "memcached":
        if any(isinstance(word, str) and (word.startswith("--memory-file") or word == "-e") for word in words):
            return None  # the cache is a file mapped from a volume: its pages can be written back, not OOM
        size = _memcached_size(words)
        if size is not None:
            return Decimal(size * _MIB), f"a cache of {size} MiB (-m {size})"
    return None


def _bytes(match: re.Match[str]) -> Decimal:
    if match.re is _XMX:
        return Decimal(int(match.group(1)) * _JVM_UNITS[match.group(2).lower()])
    return Decimal(int(match.group(1)) * _MIB)


def _variables(container: Container) -> dict[str, str] | None:
    """The container's literal variables that may set a ceiling; None when one of
    them (or the list) is not known, or comes from elsewhere."""
    env = container.get("env")
    if is_unknown(env) or container.get("envFrom") is not None:
        return None  # (a ConfigMap or Secret may set `_JAVA_OPTIONS`, which overrides the rest)
    found: dict[str, str] = {}
    for entry in as_list(env):
        if is_unknown(entry):
            return None  # it may be one that sets a lower ceiling
        if not isinstance(entry, Mapping):
            continue
        name = entry.get("name")
        if is_unknown(name):
            return None  # it may be one that sets a lower ceiling
        if name not in JAVA_VARIABLES and name not in NODE_VARIABLES:
            continue
        value = entry.get("value")
        if is_unknown(value) or entry.get("valueFrom") is not None:
            return None  # set from a ConfigMap or a Secret, or not known yet
        if isinstance(value, str):
            if "$" in value:
                return None  # `$(OTHER)`: Kubernetes expands it from another variable
            found[name] = value
    return found


def _memcached_size(words: list[Any]) -> int | None:
    """memcached's `-m <MiB>` / `--memory-limit=<MiB>` (the last one given)."""
    size = None
    flat = [part for word in words if isinstance(word, str) for part in word.split()]
    for index, word in enumerate(flat):
        value = None
        if word in ("-m", "--memory-limit") and index + 1 < len(flat):
            value = flat[index + 1]
        elif word.startswith("--memory-limit="):
            value = word.partition("=")[2]
        elif word.startswith("-m") and word[2:].isdigit():
            value = word[2:]
        if value is not None and value.isdigit():
            size = int(value)
    return size


RULE = Rule(
    name="heap-exceeds-memory-limit",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds=set(POD_KINDS),
    check=check,
    profiles=("correctness",),
)
