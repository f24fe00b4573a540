"""Config files of every odd shape: a clear error naming the file (or valid), never an
internal error. The shapes are those scripts/fuzz_config.py and issue 14 found
(deep nesting was a RecursionError; YAML dates and impossible dates were a
ValueError from PyYAML), and the neighbours of each."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from policypack.cli import main

EXEMPTION = "require-pinned-images:\n  exemptions:\n    - {{name: x, reason: r, expires: {}}}\n"
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f"], "abcdefg", strict=True)
)

# (file name, content, what the error says; "" for a valid config)
SHAPES = [
    ("date.yaml", EXEMPTION.format("2027-03-01"), ""),
    ("bad-month.yaml", EXEMPTION.format("2027-13-01"), "option 'exemptions.0.expires'"),
    ("bad-day.yaml", EXEMPTION.format("2027-02-30"), "'2027-02-30' is not a date"),
    ("datetime.yaml", EXEMPTION.format("2027-03-01 10:00:00"), "option 'exemptions.0.expires'"),
    ("int-date.yaml", EXEMPTION.format("20270301"), "is not of type 'string'"),
    ("date-key.yaml", "2027-03-01: advisory\n", "unknown rule '2027-03-01'"),
    ("int-key.yaml", "1: advisory\n", "unknown rule 1"),
    ("null-key.yaml", "~: advisory\n", "unknown rule None"),
    ("bool-key.yaml", "true: advisory\n", "unknown rule True"),
    ("list-key.yaml", "? [a, b]\n: advisory\n", "found unhashable key"),
    ("map-key.yaml", "? {a: b}\n: advisory\n", "found unhashable key"),
    ("merge.yaml", "require-pinned-images: {<<: {enforcementLevel: advisory}}\n", ""),
    ("merge-twice.yaml", "require-pinned-images: {<<: {requireDigest: true}, requireDigest: false}\n", ""),
    ("python-tag.yaml", "require-pinned-images: !!python/object/apply:os.system ['echo pwned']\n", "constructor"),
    ("binary.yaml", "require-pinned-images: !!binary aGVsbG8=\n", "expected an enforcement level"),
    ("set.yaml", "require-pinned-images: !!set {a, b}\n", "expected an enforcement level"),
    ("alias-bomb.yaml", ALIAS_BOMB, "unknown rule 'a'"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested too deeply"),
    ("deep-map.yaml", "{a: " * 5_000 + "1" + "}" * 5_000 + "\n", "nested too deeply"),
    ("empty.yaml", "", "must be a mapping"),
    ("list.json", "[]", "must be a mapping"),
    ("bom.json", "\ufeff{}", "invalid JSON: Unexpected UTF-8 BOM"),
    ("trailing-comma.json", '{"require-pinned-images": {"requireDigest": true,}}', "c.json:1:50: invalid JSON"),
    ("comment.json", '{"require-pinned-images": "advisory"} // ok?', "invalid JSON"),
    ("nan.json", '{"require-pinned-images": {"requireDigest": NaN}}', "NaN is not a JSON value"),
    ("inf.json", '{"hpa-min-replicas": {"minReplicas": 1e999}}', "is not of type 'integer'"),
    ("big.yaml", "hpa-min-replicas: {minReplicas: 99999999999999999999999999999}\n", ""),
    ("twice.json", '{"all": "advisory", "all": "mandatory"}', "'all' is given twice"),
    ("twice.yaml", "all: advisory\nall: mandatory\n", "line 2, column 1: 'all' is given twice"),
    ("tab.yaml", "require-pinned-images:\n\trequireDigest: true\n", "neither valid JSON nor valid YAML"),
    ("level-list.yaml", "require-pinned-images: {enforcementLevel: [x]}\n", "enforcement level must be one of"),
    ("all-options.yaml", "all: {enforcementLevel: advisory, requireDigest: true}\n", "'all' takes only"),
    ("exemption-ints.yaml", "require-pinned-images: {exemptions: [1, 2]}\n", "is not of type 'object'"),
    ("float-version.yaml", "pss-seccomp-baseline: {kubernetesVersion: 1.30}\n", "kubernetesVersion"),
    ("version.json", '{"version": 2, "policies": {}}', "unknown rule 'version'"),
]


@pytest.mark.parametrize(("name", "text", "says"), SHAPES, ids=[s[0] for s in SHAPES])
def test_config_shapes_found_by_fuzzing(tmp_path: Path, capsys, name: str, text: str, says: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if name == "trailing-comma.json":
        path = path.rename(tmp_path / "c.json")
    out = io.StringIO()
    code = main(["check-config", str(path)], stdout=out)
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    if says:
        assert code == 2 and says in err and str(path) in err, err
    else:
        assert code == 0 and out.getvalue() == f"{path}: valid\n", err
    # lint reads a config the same way.
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    code = main(["lint", "-c", str(path), str(manifest)], stdout=io.StringIO())
    assert code == (2 if says else 0)
    assert "internal error" not in capsys.readouterr().err


def test_undecodable_config_is_a_clear_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"require-pinned-images: \xe9\n")
    assert main(["check-config", str(path)], stdout=io.StringIO()) == 2
    assert f"{path}: cannot read the config file" in capsys.readouterr().err
