"""This project beside the Go linters and checkov, in one run: the corpus and one file.

    .venv/bin/python bench/peers.py [--corpus PATH] [--file FILE] [--runs 5] [--no-checkov]

Every tool runs as a new process, interleaved run by run, measured from the parent
with `os.wait4` (wall, CPU = user + sys of the child, peak RSS); the tables give
medians. Rows:

- policypack lint --format json, with the compiled YAML reader and with the pure
  reader (POLICYPACK_PURE_READER=1), every default rule;
- kube-score v1.20.0 (`go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0`,
  found on PATH or in ~/go/bin), `score -o json`, all its default checks, on the
  corpus files it can parse (it aborts the whole run on one it cannot, e.g. a
  duplicate key; the script probes each file once first);
- checkov (bench/vs_checkov.py installs it into .cache/bench/checkov-venv), its
  Kubernetes framework offline, on the corpus; skipped with --no-checkov;
- kube-linter cannot be built here (its module is not served by the Go module proxy):
  its figures are the issue's reference figures, measured outside the project, and are
  printed as such, not measured.

Python children run without PYTHONDONTWRITEBYTECODE, as on a user's machine (the
first, untimed, run writes the bytecode cache).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from corpus import DEFAULT_CORPUS  # noqa: E402 - bench/ is not a package
from vs_checkov import CHECKOV_VERSION, OFFLINE_ENV, Run, checkov_command, measure  # noqa: E402

ONE_FILE = ROOT / "examples" / "manifests" / "shop.yaml"
EXTENSIONS = (".yaml", ".yml", ".json")

# kube-linter 0.7.x built from source at commit 905fb08, measured outside the project on
# this machine (issue 15): CPU seconds. Not measured by this script.
KUBE_LINTER_REFERENCE = {"corpus, all 62 checks": 3.48, "corpus, default checks": 1.8, "one file, all checks": 0.069}

GOALS = (
    "goals: corpus CPU <= 0.5 x kube-linter all checks (3.48 s ref.); one file CPU <= 2 x kube-linter (0.069 s ref.); "
    ">= 40x checkov wall; peak RSS < 150 MB"
)


def corpus_files(corpus: Path) -> list[str]:
    return sorted(str(p) for p in corpus.rglob("*") if p.suffix in EXTENSIONS and p.is_file())


def find_kube_score() -> str | None:
    found = shutil.which("kube-score")
    home = Path.home() / "go" / "bin" / "kube-score"
    return found or (str(home) if home.exists() else None)


def kube_score_parsable(kube_score: str, files: list[str]) -> list[str]:
    """The files kube-score can read (it refuses the whole run for one it cannot)."""
    keep = []
    for name in files:
        probe = subprocess.run([kube_score, "score", "-o", "json", name], capture_output=True, text=True, check=False)
        if "Failed to score files" not in probe.stderr:
            keep.append(name)
    return keep


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "POLICYPACK_PURE_READER")}
    env.update(extra)
    return env


def median(runs: list[Run], attribute: str) -> float:
    return statistics.median(getattr(r, attribute) for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--file", default=str(ONE_FILE))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkov-runs", type=int, default=3)
    parser.add_argument("--no-checkov", action="store_true")
    args = parser.parse_args()

    files = corpus_files(Path(args.corpus))
    kube_score = find_kube_score()
    lint = [sys.executable, "-m", "policypack", "lint", "--format", "json"]
    compiled, pure = child_env(), child_env(POLICYPACK_PURE_READER="1")
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "corpus: policypack, compiled reader": ([*lint, args.corpus], compiled),
        "corpus: policypack, pure reader": ([*lint, args.corpus], pure),
        "one file: policypack, compiled reader": ([*lint, args.file], compiled),
        "one file: policypack, pure reader": ([*lint, args.file], pure),
    }
    score_files: list[str] = []
    if kube_score:
        score_files = kube_score_parsable(kube_score, files)
        commands["corpus: kube-score"] = ([kube_score, "score", "-o", "json", *score_files], compiled)
        commands["one file: kube-score"] = ([kube_score, "score", "-o", "json", args.file], compiled)
    else:
        print("kube-score not found (go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0)", file=sys.stderr)
    checkov: list[str] | None = None
    if not args.no_checkov:
        checkov = checkov_command(CHECKOV_VERSION, install=True)
        checkov += ["-d", args.corpus, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json"]
        checkov += ["--skip-download", "--skip-results-upload"]

    for command, env in commands.values():  # warm-up: bytecode caches, page cache
        measure(command, env)
    results: dict[str, list[Run]] = {name: [] for name in commands}
    checkov_runs: list[Run] = []
    for index in range(args.runs):
        for name, (command, env) in commands.items():
            results[name].append(measure(command, env))
        if checkov and index < args.checkov_runs:
            checkov_runs.append(measure(checkov, {**os.environ, **OFFLINE_ENV}))
        print(f"run {index + 1}/{args.runs} done", file=sys.stderr)

    load = os.getloadavg()
    print(f"{len(files)} corpus files ({args.corpus}); kube-score reads {len(score_files)} of them")
    print(f"one file: {args.file}; medians of {args.runs} runs (checkov: {len(checkov_runs)})")
    print(f"load average {load[0]:.1f} {load[1]:.1f} at the end")
    print()
    print("| run | wall | CPU (user+sys) | peak RSS |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        wall, cpu, rss = median(runs, "wall"), median(runs, "cpu"), median(runs, "rss")
        print(f"| {name} | {wall:.3f} s | {cpu:.3f} s | {rss:.0f} MB |")
    if checkov_runs:
        wall, cpu, rss = median(checkov_runs, "wall"), median(checkov_runs, "cpu"), median(checkov_runs, "rss")
        print(f"| corpus: checkov {CHECKOV_VERSION} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB |")
    for name, cpu in KUBE_LINTER_REFERENCE.items():
        print(f"| {name}: kube-linter (reference, not measured here) | - | {cpu} s | - |")

    corpus = results["corpus: policypack, compiled reader"]
    one = results["one file: policypack, compiled reader"]
    print()
    print(GOALS)
    ratio = median(corpus, "cpu") / KUBE_LINTER_REFERENCE["corpus, all 62 checks"]
    print(f"corpus CPU / kube-linter all checks (reference): {ratio:.2f}")
    ratio = median(one, "cpu") / KUBE_LINTER_REFERENCE["one file, all checks"]
    print(f"one-file CPU / kube-linter (reference): {ratio:.2f}")
    if kube_score:
        for scope in ("corpus", "one file"):
            ratio = median(results[f"{scope}: policypack, compiled reader"], "cpu") / median(
                results[f"{scope}: kube-score"], "cpu"
            )
            print(f"{scope} CPU / kube-score: {ratio:.2f}")
    if checkov_runs:
        print(f"checkov wall / corpus wall: {median(checkov_runs, 'wall') / median(corpus, 'wall'):.1f}x")
        print(f"checkov CPU / corpus CPU: {median(checkov_runs, 'cpu') / median(corpus, 'cpu'):.1f}x")
    print(f"corpus peak RSS: {median(corpus, 'rss'):.0f} MB")


if __name__ == "__main__":
    main()
