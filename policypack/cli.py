"""The `policypack` command.

    policypack lint [PATH ...]        lint files, directories (recursive) or - for stdin;
                                      -f FORMAT[=FILE] (repeatable): text, json, sarif, junit, github
    policypack rules                  list the rules
    policypack explain RULE           a rule's documentation
    policypack profile NAME           print a profile as a policy-pack-config file
    policypack check-config FILE      validate a config file
    policypack fix [PATH ...]         apply the rules' fixes in place (--diff, --unsafe-fixes, - for stdin)
    policypack docs [--write]         check (or regenerate) docs/rules/ in a checkout
    policypack baseline to-config B   a baseline as `exemptions` for a Pulumi policy-pack config
    policypack init-pack DIR          write a Pulumi policy pack directory for the installed pack

Exit codes of `lint`: 0 nothing fails the gate; 1 a finding fails it; 2 a usage or
config error, an input that could not be read or parsed, or a rule that failed on an
object (everything readable is still linted and reported).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from policypack import __version__, baseline_cli, native
from policypack.baseline import BaselineError
from policypack.checks import unused_exemptions
from policypack.config import ConfigError, PackConfig, load_config_mapping
from policypack.engine import Engine
from policypack.hints import closest
from policypack.profiles import (
    ProfileError,
    check_version,
    profile_config,
    render_profile,
    version_warning,
    with_kubernetes_version,
)
from policypack.registry import Registry, RegistryError, load_registry
from policypack.report import EXIT_ERROR, FORMATS, TEXT_WIDTH, Gate, ReportOptions, summary_line, write_report
from policypack.rule import PROFILES, Severity
from policypack.selection import apply_selection, parse_rule_list


def _format_spec(value: str) -> tuple[str, str | None]:
    """`sarif` or `sarif=FILE`."""
    name, sep, file = value.partition("=")
    if name not in FORMATS:
        raise argparse.ArgumentTypeError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    if sep and not file:
        raise argparse.ArgumentTypeError(f"{value!r}: give a file after '=' (or - for stdout)")
    return name, (file if sep else None)


def report_destinations(formats: list[tuple[str, str | None]] | None, output: str | None) -> list[tuple[str, str]]:
    """(format, file or "-" for stdout) for each report; raises ValueError on a clash."""
    specs = list(formats or [("text", None)])
    unnamed = [name for name, file in specs if file is None]
    if len(unnamed) > 1:
        raise ValueError(
            f"formats {', '.join(unnamed)} would all go to {'--output' if output else 'stdout'}: "
            "give each but one its own file, e.g. -f sarif=lint.sarif"
        )
    if output and not unnamed:
        raise ValueError("--output names no report: every --format already has its file (FORMAT=FILE)")
    out = [(name, file if file is not None else (output or "-")) for name, file in specs]
    seen: set[str] = set()
    for _, file in out:
        key = file if file == "-" else os.path.abspath(file)
        if key in seen:
            raise ValueError(f"two reports would go to {'stdout' if file == '-' else file}")
        seen.add(key)
    return out


#: The subcommands, in the order `policypack --help` lists them.
COMMANDS = ("lint", "profile", "rules", "explain", "check-config", "baseline", "fix", "init-pack", "docs")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `command`, only that subcommand's (building all ten
    cost about a tenth of a one-file lint's start-up: issue 15)."""
    parser = argparse.ArgumentParser(
        prog="policypack",
        description="Kubernetes playbook rules: lint manifests offline, or run them as a Pulumi policy pack.",
    )
    parser.add_argument("--version", action="version", version=f"policypack {__version__} ({native.describe()})")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    if command in (None, "lint"):
        lint = commands.add_parser(
            "lint",
            help="lint Kubernetes manifests (and Pulumi stack exports)",
            description="Lint YAML/JSON manifests. Exit 0: gate passed; 1: findings fail the gate; "
            "2: usage/config error, unreadable or unparsable input, or a rule failure.",
        )
        lint.add_argument("paths", nargs="*", metavar="PATH", help="files, directories (recursive), or - for stdin")
        lint.add_argument("--config", "-c", metavar="FILE", help="rule config in Pulumi policy-pack-config format")
        lint.add_argument(
            "--format",
            "-f",
            action="append",
            type=_format_spec,
            metavar="FORMAT[=FILE]",
            help=f"report format: {', '.join(FORMATS)} (default text). Repeat it for several reports in one run; "
            "FORMAT=FILE writes that one to FILE (- for stdout), e.g. -f text -f sarif=lint.sarif -f junit=junit.xml",
        )
        lint.add_argument(
            "--output",
            "-o",
            metavar="FILE",
            help="write the report whose --format names no file to FILE instead of stdout",
        )
        lint.add_argument(
            "--docs-url",
            metavar="URL",
            help="base URL of docs/rules/ for links in SARIF reports (default: $POLICYPACK_DOCS_BASE_URL, "
            "else the files of this installation)",
        )
        lint.add_argument(
            "--fail-on",
            choices=[s.value for s in Severity],
            help="also fail on advisory findings at or above this severity",
        )
        lint.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output")
        lint.add_argument(
            "--allow-empty",
            action="store_true",
            help="accept an empty stdin or a directory without YAML files (an error by default)",
        )
        lint.add_argument(
            "--verbose",
            "-v",
            action="store_true",
            help="whole messages (not shortened to the line width), suppressed findings, skipped documents and files",
        )
        lint.add_argument(
            "--statistics",
            action="store_true",
            help="text: a count of findings per rule (and severity) instead of each finding; the exit code is the same",
        )
        lint.add_argument(
            "--select",
            action="append",
            metavar="RULES",
            help="run only these rules: comma-separated names, globs (rbac-*) or areas (identity); repeatable. "
            "A selected rule the config turned off runs at its default level",
        )
        lint.add_argument(
            "--ignore",
            action="append",
            metavar="RULES",
            help="do not run these rules (names, globs or areas, as --select)",
        )
        lint.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="PATTERN",
            help="skip files and folders that match while walking a directory: a name pattern (testdata, "
            "*-dev.yaml) matches any part of the path, one with / the path below the directory (examples/*/kind); "
            "repeatable; a file named on the command line is always read; -v lists what was skipped",
        )
        lint.add_argument(
            "--sets",
            choices=("run", "directory", "file"),
            default="run",
            help="how objects are grouped for cross-object rules: the files of the run, with lookups resolved "
            "to the nearest file (default), or one set per directory or per file; stdin is one set (docs/sets.md)",
        )
        lint.add_argument(
            "--debug",
            action="store_true",
            help="print the traceback of a rule that fails on an object (it may quote the object's data)",
        )
        lint.add_argument(
            "--profile",
            "-p",
            choices=list(PROFILES),
            help="start from a shipped profile (profiles/NAME.json); --config entries override it",
        )
        baseline_cli.add_baseline_flags(lint)
        lint.add_argument(
            "--kubernetes-version",
            metavar="1.N",
            help="target cluster version for version-aware rules (Pod Security Standards, removed APIs), "
            "1.30 or v1.30 as kubectl prints it; default: the newest they know",
        )

    if command in (None, "profile"):
        profile = commands.add_parser(
            "profile",
            help="print a profile as a policy-pack-config file (for pulumi --policy-pack-config)",
            description="Print a profile's config. With --kubernetes-version, every version-aware rule "
            "targets that version: the one place to set it for `pulumi preview --policy-pack-config`.",
        )
        profile.add_argument(
            "name",
            nargs="?",
            choices=list(PROFILES),
            metavar="NAME",
            help=f"the profile: {', '.join(PROFILES)} (as lint --profile)",
        )
        profile.add_argument(
            "--profile", "-p", dest="profile_flag", choices=list(PROFILES), metavar="NAME", help="as NAME"
        )
        profile.add_argument(
            "--kubernetes-version", metavar="1.N", help="set every version-aware rule's target (1.30 or v1.30)"
        )

    if command in (None, "rules"):
        rules = commands.add_parser(
            "rules",
            help="list the rules",
            description="List every rule: name, severity, default enforcement, the profiles it is in "
            "(P playbook, B pss-baseline, R pss-restricted, S strict), title and tags.",
        )
        rules.add_argument(
            "--format",
            "-f",
            choices=("text", "json"),
            default="text",
            metavar="FORMAT",
            help="text (a table, default) or json (every field, for scripts)",
        )

    if command in (None, "explain"):
        explain = commands.add_parser(
            "explain",
            help="show a rule's documentation",
            description="Print a rule's page: what it checks, why it matters, how to fix it, its options "
            "and how to suppress it (the same text as docs/rules/RULE.md).",
        )
        explain.add_argument("rule", metavar="RULE", help="a rule name, as `policypack rules` lists it")

    if command in (None, "check-config"):
        check_config = commands.add_parser(
            "check-config",
            help="validate a config file (as `lint --config` does) without linting anything",
            description="Validate a policy-pack-config file against every rule's option schema. Stricter than "
            "the Pulumi engine, which checks option types but ignores unknown rule names and option keys.",
        )
        check_config.add_argument("config", metavar="FILE", help="the config file (.json as strict JSON, else YAML)")

    if command in (None, "baseline"):
        baseline_cli.add_baseline_command(commands)
    if command in (None, "fix"):
        from policypack.fix import add_parser as add_fix_parser

        add_fix_parser(commands)

    if command in (None, "init-pack"):
        init_pack = commands.add_parser(
            "init-pack",
            help="write a Pulumi policy pack directory (for --policy-pack) that runs the installed pack",
            description="Write PulumiPolicy.yaml, __main__.py, a pinned requirements.txt and a profile "
            "(pack-config.json) into DIR, for `pulumi preview --policy-pack DIR`.",
        )
        init_pack.add_argument("directory", metavar="DIR", help="the pack directory to write (created if missing)")
        init_pack.add_argument(
            "--profile", "-p", choices=list(PROFILES), default="playbook", help="the profile pack-config.json holds"
        )
        init_pack.add_argument(
            "--kubernetes-version",
            metavar="1.N",
            help="the cluster's Kubernetes version, written into pack-config.json",
        )
        init_pack.add_argument(
            "--virtualenv",
            default=".venv",
            help="the virtualenv Pulumi runs the pack with, relative to DIR or absolute (default: .venv)",
        )
        init_pack.add_argument(
            "--requirement",
            metavar="SPEC",
            help="requirements.txt's line for the pack itself, e.g. a wheel's path or URL (default: NAME==VERSION)",
        )
        init_pack.add_argument("--force", action="store_true", help="overwrite existing files")

    if command in (None, "docs"):
        docs = commands.add_parser(
            "docs",
            help="generate docs/rules/ from the rules (in a checkout)",
            description="Check (default) or regenerate the generated files of a checkout: docs/rules/*.md, "
            "the README's rule table and profiles/*.json.",
        )
        mode = docs.add_mutually_exclusive_group()
        mode.add_argument("--write", action="store_true", help="rewrite stale files (default: only check)")
        mode.add_argument("--check", action="store_true", help="exit 1 if any generated file is stale (default)")
    return parser


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the command; never raises (an unexpected error is reported and exits 2)."""
    if stdout is None:
        stdout = sys.stdout
        # File names are bytes on POSIX and may not be valid UTF-8: show them escaped.
        if hasattr(stdout, "reconfigure"):
            stdout.reconfigure(errors="backslashreplace")
        if hasattr(sys.stderr, "reconfigure"):
            sys.stderr.reconfigure(errors="backslashreplace")
    try:
        return _main(argv, stdin, stdout)
    except BrokenPipeError:
        # The reader went away (`policypack rules | head`): not an error of ours.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 141
    except KeyboardInterrupt:
        print("policypack: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence against a traceback
        print(
            f"policypack: internal error: {type(error).__name__}: {error}\n"
            "This is a bug; please report it with the command and input that caused it.",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _main(argv: list[str] | None, stdin: TextIO | None, stdout: TextIO) -> int:
    parser = build_parser(_command_of(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(stdout)
        return EXIT_ERROR
    try:
        registry = load_registry()
    except RegistryError as error:
        print(f"policypack: {error}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "rules":
        return list_rules(registry, args.format, stdout)
    if args.command == "explain":
        return explain_rule(registry, args.rule, stdout)
    if args.command == "docs":
        return docs_command(registry, args.write, stdout)
    if args.command == "profile":
        if bool(args.name) == bool(args.profile_flag):
            print("policypack profile: name one profile: policypack profile NAME (or --profile NAME)", file=sys.stderr)
            return EXIT_ERROR
        args.name = args.name or args.profile_flag
        try:
            stdout.write(render_profile(args.name, registry, args.kubernetes_version))
        except ProfileError as error:
            print(f"policypack profile: {error}", file=sys.stderr)
            return EXIT_ERROR
        return 0
    if args.command == "baseline":
        return baseline_cli.baseline_command(args, registry, stdout)
    if args.command == "init-pack":
        return init_pack_command(args, registry, stdout)
    if args.command == "check-config":
        try:
            PackConfig.load(args.config, registry)
        except ConfigError as error:
            print(f"policypack check-config: invalid config: {error}", file=sys.stderr)
            return EXIT_ERROR
        stdout.write(f"{args.config}: valid\n")
        return 0
    if args.command == "fix":
        from policypack.fix import fix_command

        return fix_command(args, registry, stdin, stdout)
    return lint_command(args, registry, stdin, stdout)


def _command_of(argv: list[str]) -> str | None:
    """The subcommand argv names, when it names a known one before anything else
    (otherwise the whole parser is built: help, errors and --version list them all)."""
    first = argv[0] if argv else None
    return first if first in COMMANDS else None


def init_pack_command(args: argparse.Namespace, registry: Registry, stdout: TextIO) -> int:
    from policypack import pack_dir

    try:
        files = pack_dir.render_files(
            registry, args.profile, args.kubernetes_version, args.virtualenv, args.requirement
        )
        written = pack_dir.write_pack(args.directory, files, force=args.force)
    except (ProfileError, pack_dir.PackDirError, OSError) as error:
        print(f"policypack init-pack: {error}", file=sys.stderr)
        return EXIT_ERROR
    stdout.write(pack_dir.next_steps(Path(args.directory), args.virtualenv, written))
    return 0


def lint_config(args: argparse.Namespace, registry: Registry) -> PackConfig:
    """The profile, then the config file over it, then the target version.

    A config entry changes what it names and keeps the rest of the profile's entry (a
    list of exemptions does not switch on a rule the profile turned off, a level does
    not drop strict's `allowSuppression: false`); the config's `all` applies to the
    rules the profile turned on."""
    if not (args.profile or args.config or args.kubernetes_version):
        return PackConfig.default(registry)
    data: dict[str, Any] = profile_config(args.profile, registry) if args.profile else {}
    source = f"profile {args.profile}" if args.profile else "<defaults>"
    if args.config:
        source = args.config
        loaded = load_config_mapping(args.config)
        if not isinstance(loaded, Mapping):
            raise ConfigError(f"{args.config}: the config must be a mapping of rule names to settings")
        data = merge_config(data, loaded) if args.profile else dict(loaded)
    if args.kubernetes_version:
        data = with_kubernetes_version(data, registry, args.kubernetes_version)
    return PackConfig.from_mapping(data, registry, source)


def merge_config(profile: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """A config file's entries over a profile's (see `lint_config`)."""
    out = dict(profile)
    level = config.get("all")
    if isinstance(level, Mapping):
        level = level.get("enforcementLevel")
    if isinstance(level, str):
        for name, entry in profile.items():
            if isinstance(entry, Mapping) and name not in config:
                out[name] = {**entry, "enforcementLevel": level}
    for name, entry in config.items():
        if name == "all":
            continue
        base = profile.get(name)
        if isinstance(base, str):
            base = {"enforcementLevel": base}
        if isinstance(base, Mapping) and isinstance(entry, str):
            entry = {**base, "enforcementLevel": entry}
        elif isinstance(base, Mapping) and isinstance(entry, Mapping):
            entry = {**base, **entry}
        out[name] = entry
    return out


def explain_rule(registry: Registry, name: str, stdout: TextIO) -> int:
    from policypack.docs import render_rule

    if name not in registry:
        hint = closest(name, registry.rules)
        print(f"policypack explain: no rule {name!r}" + (f"; did you mean {hint!r}?" if hint else ""), file=sys.stderr)
        return EXIT_ERROR
    stdout.write(render_rule(registry.get(name)))
    return 0


def docs_command(registry: Registry, write: bool, stdout: TextIO) -> int:
    from policypack.docs import stale_files, write_docs

    if write:
        for path in write_docs(registry):
            stdout.write(f"updated {path}\n")
        return 0
    stale = stale_files(registry)
    for path in stale:
        stdout.write(f"stale: {path}\n")
    if stale:
        stdout.write("run `policypack docs --write` and commit the result\n")
    return 1 if stale else 0


def lint_command(args: argparse.Namespace, registry: Registry, stdin: TextIO | None, stdout: TextIO) -> int:
    from policypack.lint import lint_paths

    if args.debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="policypack: %(message)s", stream=sys.stderr)

    paths = args.paths
    if not paths:
        source = stdin if stdin is not None else sys.stdin
        if source is None or source.closed or source.isatty():
            print("policypack lint: give files or directories to lint, or - to read stdin", file=sys.stderr)
            return EXIT_ERROR
        paths = ["-"]
    try:
        config = lint_config(args, registry)
        config = apply_selection(config, registry, parse_rule_list(args.select), parse_rule_list(args.ignore))
    except (ConfigError, ProfileError) as error:
        print(f"policypack lint: invalid config: {error}", file=sys.stderr)
        return EXIT_ERROR
    if args.kubernetes_version:
        warning = version_warning(check_version(args.kubernetes_version), registry)
        if warning:
            print(f"policypack lint: warning: {warning}", file=sys.stderr)
    try:
        destinations = report_destinations(args.format, args.output)
    except ValueError as error:
        print(f"policypack lint: {error}", file=sys.stderr)
        return EXIT_ERROR
    gate = Gate(Severity(args.fail_on) if args.fail_on else None, strict=args.profile == "strict")
    try:
        baseline = baseline_cli.load_baseline(args)
    except BaselineError as error:
        print(f"policypack lint: {error}", file=sys.stderr)
        return EXIT_ERROR
    stdin_bytes = getattr(stdin, "buffer", stdin) if stdin is not None else None
    engine = Engine(registry, config)
    result = lint_paths(
        paths,
        engine,
        stdin_bytes,
        allow_empty=args.allow_empty,
        implicit_stdin=not args.paths,
        sets=args.sets,
        checks=any(fmt == "junit" for fmt, _ in destinations),
        exclude=args.exclude,  # every object judged: only JUnit lists them
    )
    source = args.config or (f"profile {args.profile}" if args.profile else "<config>")
    result.warnings.extend(
        unused_exemptions(result.findings.suppressed(), registry, config.settings, source, engine.today.isoformat())
    )
    try:
        gate = baseline_cli.apply_baseline(args, baseline, result, gate, sys.stderr)
    except BaselineError as error:
        print(f"policypack lint: {error}", file=sys.stderr)
        return EXIT_ERROR

    options = ReportOptions(
        rules=list(registry),
        enabled=frozenset(rule.name for rule in registry if config.for_rule(rule).enabled),
        verbose=args.verbose,
        docs_url=args.docs_url,
        statistics=args.statistics,
    )
    code = gate.exit_code(result)
    for fmt, file in destinations:
        # Colour (text only) when asked, or by default on a terminal unless NO_COLOR.
        color = args.color == "always" or (
            args.color == "auto" and file == "-" and stdout.isatty() and "NO_COLOR" not in os.environ
        )
        width = shutil.get_terminal_size((TEXT_WIDTH, 24)).columns if file == "-" and stdout.isatty() else None
        fmt_options = dataclasses.replace(options, color=color, width=width)
        if file == "-":
            write_report(fmt, result, gate, fmt_options, stdout)
            continue
        try:
            os.makedirs(os.path.dirname(file) or ".", exist_ok=True)  # -f sarif=reports/x.sarif makes reports/
            with open(file, "w", encoding="utf-8", errors="backslashreplace") as handle:
                write_report(fmt, result, gate, fmt_options, handle)
        except OSError as error:
            print(f"policypack lint: cannot write {file}: {error.strerror or error}", file=sys.stderr)
            code = EXIT_ERROR
    if all(file != "-" for _, file in destinations):
        # Every report went to a file: the person at the terminal still gets the verdict.
        stdout.write(summary_line(result, gate) + "\n")
    return code


def list_rules(registry: Registry, output_format: str, stdout: TextIO) -> int:
    if output_format == "json":
        rows = [
            {
                "name": rule.name,
                "title": rule.title,
                "severity": rule.severity.value,
                "enforcement": rule.enforcement.value,
                "area": rule.area,
                "tags": list(rule.tags),
                "profiles": [name for name in PROFILES if rule.in_profile(name)],
                "scope": "stack" if rule.stack else "resource",
                "kinds": sorted(rule.kinds),
                "types": sorted(rule.types),
                "options": rule.options,
                "fix": rule.fix.applicability.value if rule.fix is not None else None,
                # Where the fix applies: a stack rule's fix is `policypack fix` only.
                "fixModes": [] if rule.fix is None else ["offline", "pulumi"] if rule.remediates else ["offline"],
            }
            for rule in registry
        ]
        stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    width = max(len(rule.name) for rule in registry)
    # Profile membership in four columns: playbook, pss-baseline, pss-restricted, strict.
    marks = {"playbook": "P", "pss-baseline": "B", "pss-restricted": "R", "strict": "S"}
    stdout.write(f"{'rule':<{width}}  {'severity':<8}  {'default':<9}  PBRS  title [tags]\n")
    for rule in registry:
        member = "".join(mark if rule.in_profile(name) else "-" for name, mark in marks.items())
        tags = f" [{', '.join(rule.tags)}]" if rule.tags else ""
        level = rule.enforcement.value
        stdout.write(f"{rule.name:<{width}}  {rule.severity.value:<8}  {level:<9}  {member}  {rule.title}{tags}\n")
    stdout.write("profiles: P playbook, B pss-baseline, R pss-restricted, S strict\n")
    return 0
