"""The review sample of scripts/precision.py: a fix that removes findings keeps the
rest of the draw, so a relabel after fixes reads only what is new."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "precision.py"


def load():
    spec = importlib.util.spec_from_file_location("precision_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def details(rules: dict[str, int]) -> list[dict]:
    return [
        {"rule": rule, "file": f"repo/{rule}-{i}.yaml", "line": i + 1, "object": "Deployment/x", "container": None}
        for rule, count in rules.items()
        for i in range(count)
    ]


def key(entry: dict) -> tuple:
    return entry["rule"], entry["file"], entry["line"]


def test_stable_draw_keeps_the_other_draws_when_findings_go() -> None:
    script = load()
    before = details({"a-rule": 30, "b-rule": 30, "c-rule": 30})
    drawn = script.draw_sample(before, 30, 41, [])
    assert len(drawn) == 30 and {entry["rule"] for entry in drawn} == {"a-rule", "b-rule", "c-rule"}
    # A fix removes three of a-rule's drawn findings.
    gone = {key(entry) for entry in drawn if entry["rule"] == "a-rule"}
    gone = set(sorted(gone)[:3])
    after = [d for d in before if key(d) not in gone]
    redrawn = script.draw_sample(after, 30, 41, [])
    kept = {key(entry) for entry in drawn} - gone
    assert kept <= {key(entry) for entry in redrawn}
    assert len({key(entry) for entry in redrawn} - kept) == 3  # only the places freed are drawn anew


def test_shuffle_draw_is_the_seeded_shuffle_of_the_earlier_reviews() -> None:
    # corpus5 to corpus8 were drawn so (docs/reviews/README.md): one generator for
    # every rule, in rule order, over the findings sorted by place.
    import random

    script = load()
    found = details({"a-rule": 5, "b-rule": 5})
    sample = script.draw_sample(found, 10, 29, [], "shuffle")
    rng = random.Random(29)
    a, b = found[:5], found[5:]
    rng.shuffle(a)
    rng.shuffle(b)
    assert [key(e) for e in sample] == [key(e) for pair in zip(a, b, strict=True) for e in pair]


def test_a_duplicate_folded_under_its_cause_is_resolved() -> None:
    # corpus9: pss-host-ports, labelled duplicate of the hostNetwork finding, is
    # folded into it now; a true finding folded under another is still reported.
    script = load()
    top = [("pss-host-namespaces", "a.yaml", 5, True)]
    folded = [("pss-host-ports", "a.yaml", 9, True), ("pss-seccomp-restricted", "a.yaml", 7, True)]
    labels = [
        {"rule": "pss-host-ports", "file": "a.yaml", "line": 9, "verdict": "duplicate"},
        {"rule": "pss-seccomp-restricted", "file": "a.yaml", "line": 7, "verdict": "true"},
    ]
    figures = script.precision(top + folded, labels, top)
    assert figures["verdicts"] == {"true": 1} and figures["false_reported"] == []
    # Top-level again, the duplicate counts.
    assert script.precision(top + folded, labels, top + folded[:1])["verdicts"] == {"duplicate": 1, "true": 1}
