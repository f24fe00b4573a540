"""`policypack fix` over a copy of ../shared/corpus/real-world: the figures for docs/fixes.md.

    .venv/bin/python scripts/fix_corpus.py [--unsafe-fixes] [CORPUS]

Copies the corpus to a temporary directory, lints it, fixes it, lints it again and
fixes it a second time; prints findings before and after per rule with a fix, new
findings, comment lines kept, and whether the second run changed anything.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICYPACK = [sys.executable, "-m", "policypack"]


def lint(directory: Path) -> list[dict]:
    run = subprocess.run([*POLICYPACK, "lint", "-f", "json", "."], cwd=directory, capture_output=True, text=True)
    return json.loads(run.stdout)["findings"]


def key(finding: dict) -> tuple:
    obj = finding["object"]
    return (finding["rule"], finding["file"], obj.get("kind"), obj.get("namespace"), obj.get("name"), finding["path"])


def comment_lines(directory: Path) -> collections.Counter:
    lines: collections.Counter = collections.Counter()
    for path in sorted(directory.rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            lines.update((str(path.relative_to(directory)), line) for line in text.splitlines() if "#" in line)
    return lines


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus" / "real-world"))
    parser.add_argument("--unsafe-fixes", action="store_true")
    args = parser.parse_args()
    rules = json.loads(subprocess.run([*POLICYPACK, "rules", "-f", "json"], capture_output=True, text=True).stdout)
    fixes = {rule["name"]: rule["fix"] for rule in rules if rule["fix"]}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, work)
        before, comments = lint(work), comment_lines(work)
        extra = ["--unsafe-fixes"] if args.unsafe_fixes else []
        first = subprocess.run([*POLICYPACK, "fix", *extra, "."], cwd=work, capture_output=True, text=True)
        after, kept = lint(work), comment_lines(work)
        fixed = snapshot(work)
        subprocess.run([*POLICYPACK, "fix", *extra, "."], cwd=work, capture_output=True, text=True)
        second_noop = snapshot(work) == fixed
    count_before = collections.Counter(f["rule"] for f in before)
    count_after = collections.Counter(f["rule"] for f in after)
    new = collections.Counter(key(f) for f in after) - collections.Counter(key(f) for f in before)
    print(f"fix: exit {first.returncode}; {first.stderr.strip().splitlines()[-1]}")
    print(f"findings: {len(before)} before, {len(after)} after; new findings: {sum(new.values())}")
    for name, applicability in sorted(fixes.items()):
        print(f"  {name} ({applicability}): {count_before[name]} -> {count_after[name]}")
    lost = comments - kept
    print(f"comment lines: {sum(comments.values())} before, {sum(lost.values())} missing after")
    print(f"second run a no-op: {second_noop}")
    for item in list(new)[:10]:
        print("  new:", item)
    return 0


if __name__ == "__main__":
    sys.exit(main())
