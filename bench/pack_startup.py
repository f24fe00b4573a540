"""Time the policy pack's start-up as the Pulumi CLI sees it: from launching
`python -u -m pulumi.policy <engine> <pack-dir>` to the port on stdout.

    .venv/bin/python bench/pack_startup.py [--runs 10] [--rules 60]

Prints the median and range. Compare with the bare SDK (a pack with one trivial
policy, written to a temporary directory) measured in the same run, so the figure
says what this pack adds on top of what any Python pack pays. `--rules N` pads the
pack to N rules with renamed copies of the shipped ones (bench/synthetic_rules.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic_rules import write_copies

ROOT = Path(__file__).resolve().parent.parent

BARE_PACK = """
from pulumi_policy import PolicyPack, ResourceValidationPolicy
PolicyPack("bare", [ResourceValidationPolicy("noop", "does nothing", validate=lambda args, report: None)])
"""


def start_once(pack_dir: Path, env: dict[str, str] | None = None) -> float:
    begin = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(pack_dir)],
        cwd=pack_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    line = process.stdout.readline()
    elapsed = time.perf_counter() - begin
    process.kill()
    process.wait()
    if not line.strip().isdigit():
        raise SystemExit(f"{pack_dir}: no port printed: {line!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rules", type=int, default=0, help="pad the pack to this many rules with copies")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as bare_dir:
        (Path(bare_dir) / "__main__.py").write_text(BARE_PACK)
        env = {**os.environ, **write_copies(Path(bare_dir) / "rules", args.rules)}
        results = {"this pack": [], "bare SDK pack": []}
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            results["this pack"].append(start_once(ROOT, env))
            results["bare SDK pack"].append(start_once(Path(bare_dir)))
    for name, times in results.items():
        median, low, high = (1000 * statistics.median(times), 1000 * min(times), 1000 * max(times))
        print(f"{name:<14} median {median:7.1f} ms  (min {low:.1f}, max {high:.1f}, {len(times)} runs)")
    ratio = statistics.median(results["this pack"]) / statistics.median(results["bare SDK pack"])
    print(f"ratio this/bare: {ratio:.2f}")


if __name__ == "__main__":
    main()
