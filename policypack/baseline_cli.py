"""The command-line side of baselines (see baseline.py and docs/baseline.md):

policypack lint --write-baseline FILE PATH...   record today's findings
policypack lint --baseline FILE PATH...         only findings not in FILE fail
    [--prune-baseline]                          rewrite FILE without its stale entries
    [--strict-baseline]                         stale entries fail the gate too
policypack baseline to-config FILE              FILE as `exemptions` for Pulumi
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from policypack.baseline import Baseline, BaselineError, match, merge_exemptions, to_exemptions
from policypack.lint import with_copies

if TYPE_CHECKING:
    from policypack.lint import LintResult
    from policypack.registry import Registry


def add_baseline_flags(lint: argparse.ArgumentParser) -> None:
    group = lint.add_argument_group("baseline (adopting the gate on a repository with findings; docs/baseline.md)")
    group.add_argument(
        "--baseline",
        metavar="FILE",
        help="findings recorded in FILE are reported as baselined and do not fail the gate; only new ones do",
    )
    group.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record this run's findings (suppressed ones and rule failures aside) in FILE; the run then passes "
        "unless an input or a rule failed",
    )
    group.add_argument(
        "--prune-baseline",
        action="store_true",
        help="with --baseline: rewrite FILE without its stale entries (findings no longer found); adds nothing",
    )
    group.add_argument(
        "--strict-baseline",
        action="store_true",
        help="with --baseline: stale entries fail the gate too, so the baseline only ever shrinks",
    )


def load_baseline(args: argparse.Namespace) -> Baseline | None:
    """The --baseline file, read before linting so a bad one fails fast."""
    if args.write_baseline and args.baseline:
        raise BaselineError(
            "--write-baseline and --baseline do not go together: write a new baseline, or lint against one "
            "(--prune-baseline drops its stale entries)"
        )
    for flag, given in (("--prune-baseline", args.prune_baseline), ("--strict-baseline", args.strict_baseline)):
        if given and not args.baseline:
            raise BaselineError(f"{flag} needs --baseline FILE")
    return Baseline.load(args.baseline) if args.baseline else None


def apply_baseline(args: argparse.Namespace, baseline: Baseline | None, result: LintResult, gate: Any, err: TextIO):
    """The gate with the baseline applied (after writing or pruning the file if asked)."""
    if (args.write_baseline or baseline is not None) and hasattr(result.findings, "materialize"):
        # The match tells findings apart by identity (BaselineMatch.states): spilled
        # findings, decoded afresh on every read, would not be the same objects.
        result.findings.materialize()
    if args.write_baseline:
        written = Baseline.of(with_copies(result.findings), file=args.write_baseline)
        written.write(args.write_baseline)
        total = sum(entry.count for entry in written.entries)
        print(f"policypack lint: recorded {total} findings in {args.write_baseline}", file=err)
        if result.errors or result.rule_errors:
            print(
                f"policypack lint: {args.write_baseline} leaves out what could not be read or judged "
                "(see the errors); fix them and write it again",
                file=err,
            )
        return dataclasses.replace(gate, baseline=match(written, list(with_copies(result.findings))))
    if baseline is None:
        return gate
    found = match(baseline, list(with_copies(result.findings)), strict=args.strict_baseline)
    if args.prune_baseline:
        if found.stale:
            found.pruned.write(baseline.file)
            stale = sum(entry.count for entry in found.stale)
            print(f"policypack lint: pruned {stale} stale entries from {baseline.file}", file=err)
        found = dataclasses.replace(found, strict=False)  # they are gone from the file now
    return dataclasses.replace(gate, baseline=found)


# --- policypack baseline to-config ----------------------------------------------


def add_baseline_command(commands: Any) -> None:
    baseline = commands.add_parser(
        "baseline",
        help="work with baseline files (docs/baseline.md)",
        description="Work with baseline files written by `policypack lint --write-baseline`.",
    )
    actions = baseline.add_subparsers(dest="action", metavar="ACTION", required=True, help="what to do")
    to_config = actions.add_parser(
        "to-config",
        help="turn a baseline into `exemptions` of a policy-pack config (for pulumi preview --policy-pack-config)",
        description="Print a policy-pack config whose `exemptions` cover the baseline's objects, rule by rule, "
        "for `pulumi preview --policy-pack-config` and Pulumi Cloud policy groups. An exemption covers a rule "
        "on a whole object (by URN, or kind/namespace/name), which is coarser than the baseline's fields.",
    )
    to_config.add_argument("baseline", metavar="BASELINE", help="a baseline file (lint --write-baseline)")
    to_config.add_argument("--config", "-c", metavar="FILE", help="merge into this config (its entries are kept)")
    to_config.add_argument("--reason", metavar="TEXT", help="the exemptions' reason (default: baselined in FILE)")
    to_config.add_argument(
        "--expires", metavar="YYYY-MM-DD", help="the exemptions' expiry: the findings come back after it"
    )
    to_config.add_argument("--output", "-o", metavar="FILE", help="write the config to FILE instead of stdout")


def baseline_command(args: argparse.Namespace, registry: Registry, stdout: TextIO) -> int:
    from policypack.config import ConfigError, PackConfig, load_config_mapping

    where = "policypack baseline to-config"
    try:
        baseline = Baseline.load(args.baseline)
        if args.expires is not None:
            _check_date(args.expires)
        base: Any = load_config_mapping(args.config) if args.config else {}
        if not isinstance(base, Mapping):
            raise ConfigError(f"{args.config}: the config must be a mapping of rule names to settings")
    except (BaselineError, ConfigError, ValueError) as error:
        print(f"{where}: {error}", file=sys.stderr)
        return 2
    exemptions, warnings = to_exemptions(baseline, args.reason, args.expires)
    for rule in sorted(set(exemptions) - set(registry.rules)):
        warnings.append(f"{rule}: left out: no such rule in this policypack")
        del exemptions[rule]
    for warning in warnings:
        print(f"{where}: {warning}", file=sys.stderr)
    config = merge_exemptions(base, exemptions)
    try:
        PackConfig.from_mapping(config, registry, args.config or "<generated config>")
    except ConfigError as error:
        print(f"{where}: the merged config is invalid: {error}", file=sys.stderr)
        return 2
    text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    if not args.output:
        stdout.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        print(f"{where}: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0


def _check_date(text: str) -> None:
    from policypack.config import parse_iso_date

    try:
        parse_iso_date(text)
    except ValueError:
        raise ValueError(f"--expires {text!r} is not a date (YYYY-MM-DD)") from None
