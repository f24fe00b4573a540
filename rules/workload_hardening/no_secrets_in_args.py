"""Containers do not receive credentials on their command line.

Checks the `command` and `args` of every container, init container and ephemeral
container of every pod-bearing object. A word fires when it has the shape of a
credential (a private key, a vendor's token, an AWS access key id, a URL with a
password in it: `s3://user:pass@host/bucket`), or when it is a flag whose name
says it holds a credential and whose value is a literal: `--db-password=hunter2`,
`--api-token abc123`. The words of a shell script passed to `sh -c` are read the
same way. A value that refers to something else passes: an environment variable
(`--password=$(DB_PASSWORD)`, `$DB_PASSWORD` in a script), a path
(`--password-file=/secrets/db`), the name of a Secret (`--tls-secret=web-tls`).
One finding per container, at its first such word, naming the others; messages
never repeat a value.

Why it matters:
    A command line is part of the pod spec: it is stored in plain text wherever the
    manifest is (the Git repository, CI logs, Helm release history, Pulumi state)
    and readable by anyone who may read the workload, a far wider group than those
    who may read Secrets. On the node it is also in `/proc/<pid>/cmdline`, which
    every process of the node may read, and in `ps` output.

How to fix:
    Keep the value in a Secret and pass it through an environment variable, which
    Kubernetes expands in the arguments:

        env:
          - name: DB_PASSWORD
            valueFrom:
              secretKeyRef: {name: db, key: password}
        args: ["--db-password=$(DB_PASSWORD)"]

    Better, where the program can read it from a file, mount the Secret and pass
    the path (`--db-password-file=/secrets/db/password`).

Notes:
    `no-secrets-in-env` judges the same credentials in `env` values. A sample value
    (`--password=changeme`) is reported: the command line is where the real one
    would be typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list

from ._credentials import credential_shape, holds_no_credential, is_credential_name, is_placeholder

# `--name=value` (or `-name=value`), and a flag alone, whose value is the next word.
_FLAG_WITH_VALUE = lazy_compile(r"--?([A-Za-z][A-Za-z0-9._-]*)=(.*)", re.DOTALL)
_FLAG = lazy_compile(r"--?([A-Za-z][A-Za-z0-9._-]*)")
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})


def _refers(value: str) -> bool:
    """A value that is not a literal: empty, a path, a boolean or number, or one that
    expands a variable (`$(VAR)`, `${VAR}`, `$VAR`)."""
    return is_placeholder(value) or "$" in value


def _credential_flag(name: str, value: str) -> bool:
    return is_credential_name(name) and not _refers(value) and not holds_no_credential(name, value)


def _judge(word: str, following: str | None) -> str | None:
    """What makes `word` a credential on the command line (`following` is the next
    word, the value of a flag written alone), or None."""
    shape = credential_shape(word)
    if shape is not None:
        return f"holds a literal value that looks like {shape}"
    flag = _FLAG_WITH_VALUE.fullmatch(word)
    if flag is not None:
        return f"gives --{flag[1]} a literal value" if _credential_flag(flag[1], flag[2]) else None
    alone = _FLAG.fullmatch(word)
    if alone is not None and following is not None and not following.startswith("-"):
        return f"gives --{alone[1]} a literal value" if _credential_flag(alone[1], following) else None
    return None


def first_credential_in(words: list[str]) -> str | None:
    """What the first credential among a script's words is, or None."""
    for index, word in enumerate(words):
        what = _judge(word, words[index + 1] if index + 1 < len(words) else None)
        if what is not None:
            return what
    return None


def _scripts(words: list[Any]) -> set[int]:
    """The indexes of words that are a shell's script (`sh -c "..."`, `bash -ec "..."`)."""
    program = words[0] if words and isinstance(words[0], str) else ""
    if program.rsplit("/", 1)[-1] not in _SHELLS:
        return set()
    return {
        index + 1
        for index, word in enumerate(words[:-1])
        if isinstance(word, str) and word.startswith("-") and not word.startswith("--") and "c" in word[1:]
    }


def _findings(container: Container) -> list[tuple[tuple[str, int], str]]:
    command, args = as_list(container.get("command")), as_list(container.get("args"))
    places = [("command", i) for i in range(len(command))] + [("args", i) for i in range(len(args))]
    words = [*command, *args]
    scripts = _scripts(words)
    found = []
    for position, word in enumerate(words):
        if not isinstance(word, str):
            continue
        if position in scripts:
            what = first_credential_in(word.split())
        else:
            following = words[position + 1] if position + 1 < len(words) else None
            what = _judge(word, following if isinstance(following, str) else None)
        if what is not None:
            found.append((places[position], what))
    return found


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for container in obj.containers():
        found = _findings(container)
        if not found:
            continue
        # One finding per container: its credentials move into one Secret together.
        (field, index), what = found[0]
        others = f" (and {len(found) - 1} more word{'s' if len(found) > 2 else ''} like it)" if len(found) > 1 else ""
        yield Violation(
            container.path + (field, index),
            f"{container.label}: {field}[{index}] {what}{others}; pass it from a Secret through an environment "
            "variable ($(VAR)) or a mounted file",
        )


RULE = Rule(
    name="no-secrets-in-args",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={},
    tags=("secrets",),
)
