"""Bounded memory (policypack/spill.py): findings and the objects the stack rules wait
for spill to temporary files past a threshold, and every report reads them back in
the order of the run kept in memory. Here the thresholds are lowered so that a few
files spill, and each report must be the same, byte for byte, as with none spilled."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
from pathlib import Path

import pytest

from policypack import spill
from policypack.baseline import Anchor
from policypack.cli import main
from policypack.engine import Engine, Finding, Location, ObjectRef, Suppression
from policypack.lint import lint_paths
from policypack.loader import parse_documents
from policypack.model import resource_from_manifest
from policypack.registry import load_registry
from policypack.rule import Enforcement, Severity

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_registry()


def generated_set(folder: Path, documents: int = 150) -> Path:
    """A seeded mix of workloads, Services, Ingresses, RBAC... from bench/scale.py."""
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "scale.py")
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    folder.mkdir()
    scale.generate(folder, documents, per_file=15)
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    generated = generated_set(tmp_path_factory.mktemp("spill") / "generated")
    return [str(generated), str(ROOT / "tests" / "rules" / "service-selects-no-pods"), str(ROOT / "examples")]


def lint(monkeypatch: pytest.MonkeyPatch, spilled: bool, *argv: str) -> tuple[int, str]:
    with monkeypatch.context() as patch:
        patch.setattr(spill, "SPILL_AFTER", 3 if spilled else 1 << 40)
        patch.setattr(spill, "OBJECTS_IN_MEMORY", 2 if spilled else 1 << 40)
        out = io.StringIO()
        code = main(["lint", *argv], stdout=out)
    return code, out.getvalue()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_every_report_is_the_same_spilled(monkeypatch: pytest.MonkeyPatch, inputs: list[str], fmt: str) -> None:
    kept = lint(monkeypatch, False, "--format", fmt, *inputs)
    assert kept[1].count("\n") > 100  # findings to compare
    assert lint(monkeypatch, True, "--format", fmt, *inputs) == kept


@pytest.mark.exhaustive  # the options' own code paths do not depend on the spill; --full runs them
@pytest.mark.parametrize(
    "extra",
    [
        ["-v", "--fail-on", "low"],
        ["--statistics"],
        ["--sets", "file"],
        ["--select", "service-selects-no-pods,pdb-missing,require-pinned-images"],
        ["--format", "json", "--fail-on", "medium", "--sets", "directory"],
        ["--format", "sarif", "-v"],
    ],
)
def test_options_are_the_same_spilled(monkeypatch: pytest.MonkeyPatch, inputs: list[str], extra: list[str]) -> None:
    assert lint(monkeypatch, True, *extra, *inputs) == lint(monkeypatch, False, *extra, *inputs)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_a_baseline_matches_the_same_spilled(
    monkeypatch: pytest.MonkeyPatch, inputs: list[str], tmp_path: Path, fmt: str
) -> None:
    baseline = tmp_path / "baseline.json"
    assert lint(monkeypatch, True, "--write-baseline", str(baseline), inputs[1], inputs[0])[0] == 0
    kept = lint(monkeypatch, False, "--baseline", str(baseline), "-v", "--format", fmt, *inputs)
    assert "baselined" in kept[1] or '"unchanged"' in kept[1]
    assert lint(monkeypatch, True, "--baseline", str(baseline), "-v", "--format", fmt, *inputs) == kept


def test_the_run_spills_past_the_thresholds(monkeypatch: pytest.MonkeyPatch, inputs: list[str]) -> None:
    monkeypatch.setattr(spill, "SPILL_AFTER", 3)
    monkeypatch.setattr(spill, "OBJECTS_IN_MEMORY", 2)
    waited: list[object] = []
    run_stack = Engine.run_stack

    def watch(self: Engine, resources: list, *args: object) -> object:
        waited.extend(resources)
        return run_stack(self, resources, *args)

    monkeypatch.setattr(Engine, "run_stack", watch)
    result = lint_paths(inputs, Engine(REGISTRY))
    assert result.findings.spilled
    assert len(result.findings) == sum(1 for _ in result.findings) > 500
    assert sum(isinstance(resource, spill.SpilledResource) for resource in waited) == len(waited) - 2


# --- the store ----------------------------------------------------------------------


def finding(file: str | None, line: int, rule: str = "r", **extra: object) -> Finding:
    return Finding(
        rule=rule,
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        message=f"m{line}",
        path=("spec", "containers", 0, "image"),
        object=ObjectRef("kubernetes:apps/v1:Deployment", "Deployment", "apps/v1", "ns", "web"),
        container="web",
        location=None if file is None else Location(file, line, 3),
        anchor=Anchor("spec.containers[name=web].image", kind="Deployment", group="apps", name="web"),
        **extra,  # type: ignore[arg-type]
    )


def test_a_finding_reads_back_equal_with_everything_it_holds() -> None:
    folded = finding("a.yaml", 9, rule="folded")
    full = dataclasses.replace(
        finding("a.yaml", 4),
        suppression=Suppression("exemption", "why", "cfg: r.exemptions[0]"),
        folded=(folded,),
        error=False,
    )
    failure = dataclasses.replace(finding(None, 0), error=True, anchor=None, container=None)
    store = spill.FindingStore(spill_after=0)
    for item in (full, failure, finding("b.yaml", 1)):
        store.append(item)
    store.flush()
    assert store.spilled
    assert list(store) == [full, failure, finding("b.yaml", 1)]
    assert store.errors == [failure]
    assert store.suppressed() == [full]


def test_the_store_keeps_the_order_and_the_files() -> None:
    store = spill.FindingStore(spill_after=2)
    made = [finding("a.yaml", 1), finding("b.yaml", 2), finding("a.yaml", 3), finding(None, 4), finding("b.yaml", 5)]
    for index, item in enumerate(made):
        store.append(item)
        if index % 2:
            store.flush()
    assert store.spilled
    assert list(store) == made and len(store) == 5  # the last one not flushed yet
    assert store.files() == ["a.yaml", "b.yaml", spill.UNKNOWN_FILE]
    assert store.of_file("a.yaml") == [made[0], made[2]]
    assert store.of_file("b.yaml") == [made[1], made[4]]
    store.materialize()
    assert not store.spilled and list(store) == made
    assert store == made and store[1:3] == made[1:3]


def test_a_lazy_list_encodes_as_the_list() -> None:
    for items in ([], [{"a": [1, 2]}, {"b": None}]):
        expected = json.dumps({"x": items, "y": 1}, indent=2)
        out = io.StringIO()
        json.dump({"x": spill.LazyList(lambda items=items: iter(items), empty=not items), "y": 1}, out, indent=2)
        assert out.getvalue() == expected


def test_a_spilled_object_reads_as_the_object() -> None:
    text = (ROOT / "examples" / "manifests" / "shop.yaml").read_text()
    documents = [item for item in parse_documents("shop.yaml", text) if getattr(item, "data", None)]
    store = spill.ObjectStore(in_memory=0)
    originals = []
    for document in documents:
        resource = resource_from_manifest(document.data)
        resource.source = "shop.yaml"
        originals.append(resource)
        store.append((resource, document.positions(())))
    for original, (waiting, positions) in zip(originals, store, strict=True):
        assert isinstance(waiting, spill.SpilledResource)
        for field in dataclasses.fields(original):  # props read back, the rest kept
            assert getattr(waiting, field.name) == getattr(original, field.name)
        assert (waiting.name, waiting.namespace, waiting.metadata) == (
            original.name,
            original.namespace,
            original.metadata,
        )
        assert waiting.pod_spec == original.pod_spec and waiting.pod_labels == original.pod_labels
        assert positions.locate(("metadata", "name")) == documents[originals.index(original)].locate(
            ("metadata", "name")
        )
    store.close()


def test_a_full_disk_keeps_the_run_in_memory(monkeypatch: pytest.MonkeyPatch, inputs: list[str]) -> None:
    kept = lint(monkeypatch, False, "--format", "json", *inputs)

    def full(self: object, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spill._SpillFile, "append", full)
    assert lint(monkeypatch, True, "--format", "json", *inputs) == kept


def _random_value(rng, depth: int = 0):
    kinds = ["str", "int", "float", "bool", "none"] + (["dict", "list", "lazy", "tuple"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(
            rng.choice(["a", "Z", '"', "\\", "\n", "\t", "\x00", "é", "𝄞", "\u2028", " ", "{", "]"])
            for _ in range(rng.randrange(6))
        )
    if kind == "int":
        return rng.choice([0, -1, 7, 2**70, -(2**40)])
    if kind == "float":
        return rng.choice([0.5, -1e300, 1e-7, float("nan"), float("inf"), 3.0])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "none":
        return None
    items = [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == "list":
        return items
    if kind == "tuple":
        return tuple(items)
    if kind == "lazy":
        return spill.LazyList(lambda items=items: iter(items), empty=not items)
    keys = [rng.choice(["a", "b", "rule", "é", "\n", "x y", ""]) + str(i) for i in range(len(items))]
    return dict(zip(keys, items, strict=True))


def _plain(value):
    """The value with LazyLists as lists (what json.dumps is given to compare)."""
    if isinstance(value, spill.LazyList):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


def test_dump_json_writes_what_json_dumps_writes() -> None:
    import random

    rng = random.Random(5)
    for _ in range(3000):
        value = _random_value(rng)
        out = io.StringIO()
        spill.dump_json(value, out)
        assert out.getvalue() == json.dumps(_plain(value), indent=2), value


def test_dump_json_writes_the_corpus_report_as_json_dumps() -> None:
    from policypack.engine import Engine
    from policypack.lint import lint_paths
    from policypack.report import Gate, json_report

    corpus = ROOT.parent / "shared" / "corpus" / "real-world"
    paths = [str(corpus)] if corpus.is_dir() else [str(ROOT / "examples")]
    result = lint_paths(paths, Engine(REGISTRY))
    gate = Gate()
    out = io.StringIO()
    spill.dump_json(json_report(result, gate, lazy=True), out)
    assert out.getvalue() == json.dumps(json_report(result, gate, lazy=False), indent=2)
