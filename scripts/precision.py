#!/usr/bin/env python3
"""Precision and volume of the pack's findings on a corpus of real manifests.

    .venv/bin/python scripts/precision.py [CORPUS] [--labels FILE] [--sets MODE] [--json]

Lints CORPUS (default ../shared/corpus/real-world) as `policypack lint` does and prints

- findings per workload (objects with a pod spec), in total and failing the gate,
  overall and per rule;
- precision over the labelled sample (tests/corpus_labels.json): of the labelled
  findings still reported, the share labelled `true`, with every `false` one still
  reported listed by place (tests/test_precision.py asserts there are none).

A label is `{"rule", "file" (relative to the corpus), "line", "verdict": true |
debatable | false | duplicate | artifact, "why"}` (`artifact`: caused by how a review
corpus was collected, such as one folder's files taken from different commits; left
out of the share). Label new findings when rules change: run with
`--unlabelled` to list the findings of the labelled rules that have no label.

A fresh review draws a sample to label with `--sample N --seed S --out FILE`: top-level
findings (folded ones stay under their root cause), each rule's put in an order, and
taken round-robin over the rules until N, so every rule that fired is in the sample.
Each entry carries the verdict of a label in `--labels` with the same (rule, file,
line), or null, so a relabel after fixes only has to read the findings that are new.

The order (`--draw`): `stable` (default) ranks each finding by a hash of the seed and
its (rule, file, line, container), so a fix that removes findings only lets the next
ones of that rule into the sample, and every other draw stays. `shuffle` is the
order the reviews of corpus5 to corpus8 used: the findings sorted by (rule, file,
line, container, object) and shuffled per rule by one `random.Random(S)`, in which
any change to one rule's findings reshuffles the rules after it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: PYTHONPATH=/other/checkout measures that one

from policypack.engine import Engine  # noqa: E402
from policypack.lint import lint_paths  # noqa: E402
from policypack.model import POD_KINDS  # noqa: E402
from policypack.registry import load_registry  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real-world"
DEFAULT_LABELS = ROOT / "tests" / "corpus_labels.json"


def measure(corpus: Path, sets: str | None = None, per_repository: bool = False) -> dict:
    """Findings of one lint run over the corpus, keyed by (rule, file, line); with
    `per_repository`, of one run per top-level folder (a review corpus's
    `<owner>__<repo>/`), as each repository's team lints its own: one run over many
    repositories folds two repositories' `Deployment/postgres` in `default` as copies
    of one object (corpus23's artifact)."""
    kwargs = {"sets": sets} if sets else {}
    engine = Engine(load_registry())
    if per_repository:
        roots = sorted(str(child) for child in corpus.iterdir() if child.is_dir() and not child.name.startswith("."))
        results = [lint_paths([root], engine, **kwargs) for root in roots]
    else:
        results = [lint_paths([str(corpus)], engine, **kwargs)]
    workloads = sum(1 for result in results for ref, _, _ in result.checks if ref.kind in POD_KINDS)
    findings = []
    details: list[dict] = []  # top-level findings with object, container and message (--sample)
    folded = []  # listed under their root cause (policypack/folding.py): read, not counted
    pending = [(finding, False) for result in results for finding in result.findings]
    while pending:
        finding, under = pending.pop()
        pending.extend((f, True) for f in finding.folded)
        if finding.error or finding.location is None:
            continue
        file = str(Path(finding.location.file).resolve().relative_to(corpus.resolve()))
        (folded if under else findings).append((finding.rule, file, finding.location.line, finding.blocks))
        if not under:
            details.append(
                {
                    "rule": finding.rule,
                    "file": file,
                    "line": finding.location.line,
                    "object": f"{finding.object.kind}/{finding.object.name}",
                    "container": finding.container,
                    "message": finding.message,
                    "folded": [f.rule for f in finding.folded],
                }
            )
    return {
        "workloads": workloads,
        "objects": sum(result.objects for result in results),
        "findings": findings,
        "folded": folded,
        "details": details,
    }


def _rank(seed: int, detail: dict) -> str:
    key = f"{seed}\0{detail['rule']}\0{detail['file']}\0{detail['line']}\0{detail['container'] or ''}"
    return hashlib.sha256(key.encode()).hexdigest()


def draw_sample(details: list[dict], size: int, seed: int, labels: list[dict], draw: str = "stable") -> list[dict]:
    """Round-robin over the rules, each rule's findings in the `draw` order (module doc)."""
    by_rule: dict[str, list[dict]] = {}
    for detail in sorted(details, key=lambda d: (d["rule"], d["file"], d["line"], d["container"] or "", d["object"])):
        by_rule.setdefault(detail["rule"], []).append(detail)
    if draw == "shuffle":
        rng = random.Random(seed)
        for rule in sorted(by_rule):
            rng.shuffle(by_rule[rule])
    else:
        for rule in by_rule:
            by_rule[rule].sort(key=lambda detail: _rank(seed, detail))
    known = {(label["rule"], label["file"], label["line"]): label for label in labels}
    sample: list[dict] = []
    while len(sample) < size and any(by_rule.values()):
        for rule in sorted(by_rule):
            if by_rule[rule] and len(sample) < size:
                entry = dict(by_rule[rule].pop(0))
                label = known.get((entry["rule"], entry["file"], entry["line"]))
                entry["verdict"] = label["verdict"] if label else None
                entry["why"] = label.get("why", "") if label else ""
                sample.append(entry)
    return sample


def precision(findings: list[tuple], labels: list[dict], top: list[tuple] | None = None) -> dict:
    """Of the labels whose finding is still reported (top-level or folded), the
    verdicts. A finding labelled duplicate that is now folded under its root cause
    (`top`: the top-level findings) is resolved: folding is the answer to a
    duplicate, and it is not counted."""
    reported = {(rule, file, line) for rule, file, line, _ in findings}
    leading = reported if top is None else {(rule, file, line) for rule, file, line, _ in top}
    present = [
        label
        for label in labels
        if (label["rule"], label["file"], label["line"]) in (leading if label["verdict"] == "duplicate" else reported)
    ]
    verdicts = Counter(label["verdict"] for label in present)
    return {
        "labelled": len(labels),
        "reported": len(present),
        "verdicts": dict(verdicts),
        # `artifact`: caused by how a review corpus was collected (files of one folder
        # from different commits), not by the pack: out of the share.
        "precision": verdicts["true"] / judged if (judged := len(present) - verdicts["artifact"]) else None,
        "false_reported": [label for label in present if label["verdict"] in ("false", "duplicate")],
        # Labelled true, no longer reported: what a change lost (`--lost` lists them).
        "true_lost": [label for label in labels if label["verdict"] == "true" and label not in present],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--sets", choices=("run", "directory", "file"), help="as `policypack lint --sets`")
    parser.add_argument(
        "--per-repository",
        action="store_true",
        help="lint each top-level folder (a review corpus's <owner>__<repo>) in a run of its own",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--unlabelled", action="store_true", help="list findings of labelled rules without a label")
    parser.add_argument("--lost", action="store_true", help="list findings labelled true that are no longer reported")
    parser.add_argument("--sample", type=int, metavar="N", help="draw N findings to label (with --out)")
    parser.add_argument("--seed", type=int, default=17, help="seed of the sample's shuffle (default 17)")
    parser.add_argument("--out", type=Path, help="where --sample writes its JSON list")
    parser.add_argument(
        "--draw",
        choices=("stable", "shuffle"),
        default="stable",
        help="the sample's order: stable under fixes (default), or shuffle, as corpus5-8 were drawn",
    )
    args = parser.parse_args(argv)
    if args.sample and not args.out:
        parser.error("--sample needs --out FILE")
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    data = measure(args.corpus, args.sets, args.per_repository)
    labels = json.loads(args.labels.read_text()) if args.labels.is_file() else []
    workloads = max(data["workloads"], 1)
    total = Counter(rule for rule, *_ in data["findings"])
    failing = Counter(rule for rule, _, _, blocks in data["findings"] if blocks)
    sample = precision(data["findings"] + data["folded"], labels, data["findings"])
    if args.sample:
        drawn = draw_sample(data["details"], args.sample, args.seed, labels, args.draw)
        args.out.write_text(json.dumps(drawn, indent=1) + "\n")
        carried = sum(1 for entry in drawn if entry["verdict"])
        print(f"sample: {len(drawn)} findings written to {args.out} ({carried} carry a label)", file=sys.stderr)
    if args.json:
        out = {
            "workloads": data["workloads"],
            "objects": data["objects"],
            "findings": sum(total.values()),
            "failing": sum(failing.values()),
            "perRule": {rule: {"findings": total[rule], "failing": failing[rule]} for rule in sorted(total)},
            "sample": sample,
        }
        print(json.dumps(out, indent=2))
        return 0
    print(f"corpus: {args.corpus}")
    print(f"objects: {data['objects']}, workloads: {data['workloads']}")
    all_findings, all_failing = sum(total.values()), sum(failing.values())
    print(
        f"findings: {all_findings} ({all_findings / workloads:.2f} per workload), "
        f"failing the gate: {all_failing} ({all_failing / workloads:.2f} per workload)"
    )
    print(f"\n{'rule':44} {'findings':>8} {'/wl':>6} {'failing':>8} {'/wl':>6}")
    for rule, count in sorted(total.items(), key=lambda item: (-item[1], item[0])):
        print(f"{rule:44} {count:8} {count / workloads:6.2f} {failing[rule]:8} {failing[rule] / workloads:6.2f}")
    print(f"\nlabelled sample: {sample['labelled']} labels, {sample['reported']} still reported: {sample['verdicts']}")
    if sample["precision"] is not None:
        print(f"precision (plainly true / reported labelled): {sample['precision']:.1%}")
    for label in sample["false_reported"]:
        where = f"{label['rule']} {label['file']}:{label['line']}"
        print(f"  {label['verdict'].upper()} still reported: {where} ({label.get('why', '')})")
    if args.lost:
        for label in sample["true_lost"]:
            where = f"{label['rule']} {label['file']}:{label['line']}"
            print(f"  TRUE no longer reported: {where} ({label.get('why', '')})")
    if args.unlabelled:
        rules = {label["rule"] for label in labels}
        known = {(label["rule"], label["file"], label["line"]) for label in labels}
        for rule, file, line, _ in sorted(data["findings"]):
            if rule in rules and (rule, file, line) not in known:
                print(f"  unlabelled: {rule} {file}:{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
