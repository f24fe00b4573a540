"""Exec commands are split into arguments, or run through a shell.

Fires when the first element of an exec command is one string with spaces in it:
a container's `command`, a probe's `exec.command` (liveness, readiness, startup) or
a lifecycle hook's (`postStart`, `preStop`), in every container, init container and
ephemeral container of every pod-bearing object (and pod templates inside custom
resources). Fires too when a shell's `&&` or `||` is a word of its own in such a
command (or in a container's `args`): no shell reads it, so it reaches the program
as an argument and the commands after it never run. And when a command line follows
the script of `sh -c` (`["sh", "-c", "SCRIPT", "sysctl -w ..."]`, or in `args`): the
shell takes it as `$0`, so it never runs.

Why it matters:
    Kubernetes runs an exec command as an argument vector, with no shell in
    between: `["ps aux | grep '[s]idekiq 6' || false"]` asks the runtime for a
    program whose name is that whole line, which does not exist. The command fails
    every time, whatever the container's state: a liveness probe restarts a healthy
    container forever, a readiness probe keeps it out of its Service, a startup
    probe never lets it start, a `postStart` hook kills it, a `preStop` hook skips
    the graceful shutdown, and a container whose `command` is such a string never
    starts. Nothing warns at apply time.

How to fix:
    Split the command into its arguments:

        livenessProbe:
          exec:
            command: ["cat", "/tmp/healthy"]

    or, where it needs a pipe, `||`, a variable or a glob, run it through a shell
    the image has:

        livenessProbe:
          exec:
            command: ["sh", "-c", "ps aux | grep '[s]idekiq 6'"]

Notes:
    Only the program name is judged for spaces: spaces in later arguments are
    ordinary (`["sh", "-c", "a && b"]`). Of the shell's operators only `&&` and `||`
    are judged as words of their own (Argo Workflows' MinIO `postStart`,
    `["mkdir", "-p", "/data/my-bucket", "&&", "mkdir", ...]`, makes directories
    named `&&` and `mkdir`): `;` and `|` are arguments some programs take (`find
    -exec ... ;`, `tr '|' ,`). A program path with a space in it is vanishingly
    rare in Linux images; unrendered template text (`{{ .Values.command }}`) is not
    judged. After a `-c` script, only a word with whitespace in it counts (a name for
    `$0`, the documented idiom, has none), and not when the script reads its
    parameters (`$1`, `$@`, outside single quotes) or the script follows `--`
    (`bash -c -- SCRIPT`). Windows pods are not judged: their runtime builds a command line from
    the arguments instead of running a vector.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_template_text

from ..workload_hardening._security_context import may_be_windows_pod

#: (path in the container, what fails, and how) for each exec command judged.
COMMANDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("command",), "the container cannot start"),
    (("livenessProbe", "exec", "command"), "the liveness probe always fails and restarts the container forever"),
    (("readinessProbe", "exec", "command"), "the readiness probe always fails: the pod never gets traffic"),
    (("startupProbe", "exec", "command"), "the startup probe always fails: the container never gets to start"),
    (("lifecycle", "postStart", "exec", "command"), "the postStart hook always fails: the kubelet kills the container"),
    (("lifecycle", "preStop", "exec", "command"), "the preStop hook always fails: the graceful shutdown is skipped"),
)


def _unsplit(command: Any) -> str | None:
    """The command's first element when it is one string with spaces in it."""
    first = command[0] if isinstance(command, list) and command else None
    if not isinstance(first, str) or is_template_text(first):
        return None
    text = first.strip()
    return text if any(character.isspace() for character in text) else None


#: Shell operators that no program takes as an argument of its own.
OPERATORS = frozenset({"&&", "||"})


def _operator(words: list[Any]) -> int | None:
    """The index of the first word that is a shell's `&&` or `||` on its own."""
    for index, word in enumerate(words):
        if isinstance(word, str) and word.strip() in OPERATORS:
            return index
    return None


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.pod_spec is None or may_be_windows_pod(obj):
        return
    for container in obj.containers():
        yield from _judge(container)


# A shell that runs a script given with -c (`sh -c`, `/bin/bash -ec`).
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
# A script that reads its positional parameters takes the words after it on purpose.
_POSITIONAL = lazy_compile(r"\$(?:[0-9@*#]|\{[0-9@*#])")


# A shell option given after `-c` and before the script: `sh -c -e SCRIPT` (corpus43's
# Bitnami PostgreSQL probe), `+x`; `-o`/`+o` take the option's name as the next word.
_SHELL_OPTION = lazy_compile(r"[-+][A-Za-z]+")


def _script_index(words: list[Any], at: int) -> int:
    """The index of the script after a shell's `-c`: past the options the shell reads
    first (`-e`, `-o pipefail`) and the `--` that ends them."""
    while at < len(words) and isinstance(words[at], str):
        word = words[at]
        if word == "--":
            return at + 1
        if not _SHELL_OPTION.fullmatch(word):
            break
        at += 2 if word in ("-o", "+o") else 1
    return at


def _after_script(words: list[Any]) -> tuple[str, int] | None:
    """The shell and the index of the first word after its `-c SCRIPT` that holds a
    command line (whitespace in it): the shell takes it as $0 (and what follows as
    $1, ...), so it never runs. None when there is none, or when the script reads its
    parameters."""
    for index in range(len(words) - 3):
        shell, flag = words[index : index + 2]
        at = _script_index(words, index + 2)
        script = words[at] if at < len(words) else None
        first = at + 1  # the first word after the script
        if not (isinstance(shell, str) and isinstance(flag, str) and isinstance(script, str)):
            continue
        name = shell.strip().rsplit("/", 1)[-1]
        if name not in _SHELLS or not (flag.startswith("-") and flag.endswith("c") and flag[1:].isalpha()):
            continue
        if _POSITIONAL.search(re.sub(r"'[^']*'", "", script)):  # (not in single quotes: awk's '{print $5}')
            return None
        for later in range(first, len(words)):
            word = words[later]
            if isinstance(word, str) and not is_template_text(word) and any(c.isspace() for c in word.strip()):
                return name, later
        return None
    return None


def _judge(container: Container) -> Iterator[Violation]:
    for path, consequence in COMMANDS:
        yield from _operators(container, path)
        yield from _lost_after_script(container, path)
        text = _unsplit(container.get(*path))
        if text is None:
            continue
        where = ".".join(path)
        yield Violation(
            container.path + (*path, 0),
            f'{container.label}: {where}[0] is "{_shown(text)}", one string with spaces, run as a program of '
            f"that name without a shell, so {consequence}; split it into arguments or run it with "
            '["sh", "-c", ...]',
        )


def _command_line(container: Container, path: tuple[str, ...]) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """The words of the exec command at `path` and where each is (for the container's
    own command, its `args` continue it); none when there is no command (the image's
    entrypoint, unseen, reads the args)."""
    command = container.get(*path)
    words = list(command) if isinstance(command, list) else []
    if not words:
        return [], []
    places: list[tuple[Any, ...]] = [(*path, index) for index in range(len(words))]
    if path == ("command",):
        args = container.get("args")
        extra = list(args) if isinstance(args, list) else []
        words += extra
        places += [("args", index) for index in range(len(extra))]
    return words, places


def _lost_after_script(container: Container, path: tuple[str, ...]) -> Iterator[Violation]:
    """A command line passed after the script of `sh -c`: the shell takes it as `$0`,
    it never runs."""
    words, places = _command_line(container, path)
    found = _after_script(words)
    if found is None:
        return
    shell, index = found
    where = ".".join(str(key) for key in places[index][:-1])
    yield Violation(
        container.path + places[index],
        f'{container.label}: {where} passes "{_shown(words[index].strip())}" after the script of {shell} -c: the '
        "shell takes it as $0, so it never runs; put it in the script (joined with ; or &&)",
    )


def _operators(container: Container, path: tuple[str, ...]) -> Iterator[Violation]:
    """A `&&` or `||` as a word of its own in the exec command at `path` (for the
    container's own command, its `args` continue it)."""
    words, places = _command_line(container, path)
    found = _operator(words)
    if found is None or found == 0:
        return
    program = words[0] if isinstance(words[0], str) else "the program"
    where = ".".join(places[found][:-1])
    yield Violation(
        container.path + places[found],
        f'{container.label}: {where} passes "{words[found].strip()}" to {_shown(program)} as an argument: no shell '
        'reads it, so what follows it never runs as a command; run the line with ["sh", "-c", "..."]',
    )


RULE = Rule(
    name="exec-command-not-split",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="availability",
    kinds=POD_KINDS,
    check=check,
    tags=("probes",),
    profiles=("correctness",),
)
