"""Lint a corpus with this project and with checkov (a peer), and time PyYAML's C
loader just loading the same files (the floor for any YAML-based linter).

    .venv/bin/python bench/vs_checkov.py [PATH] [--runs 5] [--checkov-version 3.3.30]

All three run in the same invocation, interleaved, each as a new process (so each
pays its interpreter start-up), and each is measured from the parent with
`os.wait4`: wall time, CPU time (user + sys of the child) and peak RSS of the child.

checkov is installed from PyPI into its own virtualenv (.cache/bench/checkov-venv,
pinned) on first use, and runs its Kubernetes framework only, offline:
`--skip-download` and BC_SKIP_MAPPING=TRUE (no guidelines or mappings fetched from
the platform), CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE (no version check on PyPI).

The two tools do not do the same amount of work: checkov runs all its Kubernetes checks
(119 in 3.3.30), this project runs the rules it has; the script prints both
counts beside the times so the ratio can be read with that in mind.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from corpus import BARE_LOAD, DEFAULT_CORPUS  # noqa: E402 - bench/ is not a package

CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = ROOT / ".cache" / "bench" / "checkov-venv"
OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE", "LOG_LEVEL": "ERROR"}

TARGETS = "targets: >= 30x faster than checkov; <= 1.2x the C loader; peak RSS < 150 MB"


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + sys of the child
    rss: float  # MB, peak resident set of the child
    exit_code: int


def measure(command: list[str], env: dict[str, str] | None = None, stdout: Path | None = None) -> Run:
    """Run a child to completion; its own rusage comes from wait4 (not RUSAGE_CHILDREN,
    which would mix in every earlier child)."""
    sink = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        begin = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - begin
        process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    finally:
        if stdout:
            sink.close()
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def checkov_command(version: str, install: bool) -> list[str]:
    executable = CHECKOV_VENV / "bin" / "checkov"
    installed = CHECKOV_VENV / f".installed-{version}"
    if not installed.exists():
        if not install:
            raise SystemExit(f"checkov {version} is not installed in {CHECKOV_VENV}; run without --no-install")
        print(f"installing checkov=={version} into {CHECKOV_VENV} (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        pip = [str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", f"checkov=={version}"]
        subprocess.run(pip, check=True)
        installed.touch()
    return [str(executable)]


def summarise_ours(report: Path) -> str:
    try:
        summary = json.loads(report.read_text())["summary"]
    except (OSError, ValueError, KeyError):
        return "no report"
    return (
        f"{summary['files']} files, {summary['documents']} documents, {summary['objects']} objects, "
        f"{summary['findings']} findings, {summary['inputErrors']} input errors"
    )


def summarise_checkov(report: Path) -> str:
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return "no report"
    parts = data if isinstance(data, list) else [data]
    summary = next((p["summary"] for p in parts if p.get("check_type") == "kubernetes"), None)
    if summary is None:
        return "no kubernetes results"
    checks = summary["passed"] + summary["failed"]
    return (
        f"{summary['resource_count']} resources, {checks} check evaluations, "
        f"{summary['failed']} failed, {summary['parsing_errors']} parsing errors"
    )


def count_rules() -> int:
    from policypack.registry import load_registry

    return len(load_registry())


def count_checkov_checks(checkov: list[str], env: dict[str, str]) -> int:
    """Distinct check ids in `checkov --list` (a table with one row per check and entity)."""
    listing = subprocess.run([*checkov, "--list", "--framework", "kubernetes"], capture_output=True, text=True, env=env)
    ids = set()
    for line in listing.stdout.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 6 and cells[6] == "Kubernetes":
            ids.add(cells[2])
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkov-version", default=CHECKOV_VERSION)
    parser.add_argument("--no-install", action="store_true", help="fail instead of installing checkov")
    parser.add_argument("--skip-checkov", action="store_true", help="only this project and the C loader")
    args = parser.parse_args()
    corpus = os.path.abspath(args.path)
    if not os.path.isdir(corpus):
        raise SystemExit(f"no corpus at {corpus}")

    env = {**os.environ, **OFFLINE_ENV}
    commands: dict[str, list[str]] = {
        "policypack lint": [sys.executable, "-m", "policypack", "lint", "--format", "json", corpus],
        "C loader, load only": [sys.executable, "-c", BARE_LOAD, corpus],
    }
    if not args.skip_checkov:
        checkov = checkov_command(args.checkov_version, not args.no_install)
        commands["checkov"] = [
            *checkov,
            *("-d", corpus, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json"),
            *("--skip-download", "--skip-results-upload"),
        ]
    results: dict[str, list[Run]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as scratch:
        reports = {name: Path(scratch) / f"{index}.json" for index, name in enumerate(commands)}
        for _ in range(args.runs):  # interleaved, so all see the same machine load
            for name, command in commands.items():
                results[name].append(measure(command, env, reports[name]))
        print(f"corpus: {corpus}, {args.runs} runs each, interleaved; medians (min-max)")
        print(f"{'':<20} {'wall s':>16} {'CPU s':>16} {'peak RSS MB':>18}  exit")
        for name, runs in results.items():
            print(
                f"{name:<20} {_cell([r.wall for r in runs])} {_cell([r.cpu for r in runs])} "
                f"{_cell([r.rss for r in runs], 18, 0)}  {sorted({r.exit_code for r in runs})}"
            )
        print(f"policypack: {count_rules()} rules; {summarise_ours(reports['policypack lint'])}")
        if "checkov" in results:
            print(
                f"checkov {args.checkov_version}: {count_checkov_checks(checkov, env)} Kubernetes checks; "
                f"{summarise_checkov(reports['checkov'])}"
            )

    ours = statistics.median(r.wall for r in results["policypack lint"])
    floor = statistics.median(r.wall for r in results["C loader, load only"])
    peak = max(r.rss for r in results["policypack lint"])
    print(f"policypack / C loader (wall): {ours / floor:.2f}x")
    if "checkov" in results:
        theirs = statistics.median(r.wall for r in results["checkov"])
        cpu_ratio = statistics.median(r.cpu for r in results["checkov"]) / statistics.median(
            r.cpu for r in results["policypack lint"]
        )
        print(f"checkov / policypack: {theirs / ours:.1f}x wall, {cpu_ratio:.1f}x CPU")
    print(f"policypack peak RSS: {peak:.0f} MB")
    print(TARGETS)


def _cell(values: list[float], width: int = 16, digits: int = 2) -> str:
    text = f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
    return f"{text:>{width}}"


if __name__ == "__main__":
    main()
