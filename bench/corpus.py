"""Lint a corpus with `policypack lint` and compare with the floor for any YAML-based
linter: PyYAML's C loader just loading the same files.

    .venv/bin/python bench/corpus.py [PATH] [--runs 5]

Both are measured in the same run, interleaved. The lint is timed as a user runs it
(a new process, interpreter start-up included); the bare load runs in a child
process too, so both pay the same start-up.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real-world"

BARE_LOAD = """
import sys, os, yaml
for top in sys.argv[1:]:
    for directory, _, files in os.walk(top):
        for name in sorted(files):
            if name.endswith((".yaml", ".yml", ".json")):
                try:
                    with open(os.path.join(directory, name), encoding="utf-8") as handle:
                        for _ in yaml.load_all(handle, Loader=yaml.CSafeLoader):
                            pass
                except Exception:
                    pass
"""


def timed(command: list[str]) -> float:
    begin = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lint = [sys.executable, "-m", "policypack", "lint", args.path]
    bare = [sys.executable, "-c", BARE_LOAD, args.path]
    results: dict[str, list[float]] = {"policypack lint": [], "C loader, load only": []}
    for _ in range(args.runs):
        results["policypack lint"].append(timed(lint))
        results["C loader, load only"].append(timed(bare))
    for name, times in results.items():
        print(f"{name:<20} median {statistics.median(times):6.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
    ratio = statistics.median(results["policypack lint"]) / statistics.median(results["C loader, load only"])
    print(f"policypack lint / C loader: {ratio:.2f}")


if __name__ == "__main__":
    main()
