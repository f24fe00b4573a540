"""`policypack fix` on a copy of ../shared/corpus/real-world (skipped without it).

After the safe fixes: no finding appears that was not there, every comment line is
still there, and a second run is a no-op (so every finding of a safe-fix rule that
remains is one its fix declines on purpose: a privileged container, an API move that
is not schema-compatible, a file that does not parse). Figures:
scripts/fix_corpus.py and docs/fixes.md.
"""

from __future__ import annotations

import collections
import shutil
from pathlib import Path

import pytest

from policypack.engine import Engine
from policypack.fix import fix_text
from policypack.lint import lint_paths
from policypack.loader import expand_paths
from policypack.registry import load_registry

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-world"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus/real-world")


def _findings(root: Path, engine: Engine) -> collections.Counter:
    result = lint_paths([str(root)], engine)
    return collections.Counter(
        (f.rule, f.location.file if f.location else None, f.object.kind, f.object.name, f.path)
        for f in result.findings
        if f.suppression is None
    )


def _files(root: Path) -> list[str]:
    return [item for item in expand_paths([str(root)]) if isinstance(item, str)]


def _fix_all(root: Path, engine: Engine) -> dict[str, list[str]]:
    problems = {}
    for name in _files(root):
        raw = Path(name).read_bytes()
        bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
        try:
            text = raw[len(bom) :].decode("utf-8")
        except UnicodeDecodeError:
            continue
        result = fix_text(name, text, engine)
        if result.changed:
            Path(name).write_bytes(bom + result.fixed.encode("utf-8"))
        problems[name] = result.problems
    return problems


def test_fix_on_the_corpus(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    registry = load_registry()
    engine = Engine(registry)
    comments_before = collections.Counter(
        (name, line)
        for name in _files(root)
        for line in Path(name).read_bytes().decode("utf-8", "replace").splitlines()
        if "#" in line
    )
    before = _findings(root, engine)
    _fix_all(root, engine)
    after = _findings(root, engine)
    snapshot = {name: Path(name).read_bytes() for name in _files(root)}

    assert not (after - before), f"new findings: {sorted(after - before)[:10]}"
    safe = {rule.name for rule in registry if rule.fix is not None and rule.fix.safe}
    assert sum(before[k] for k in before if k[0] in safe) > sum(after[k] for k in after if k[0] in safe)
    comments_after = collections.Counter(
        (name, line)
        for name in _files(root)
        for line in Path(name).read_bytes().decode("utf-8", "replace").splitlines()
        if "#" in line
    )
    assert not (comments_before - comments_after), "comment lines lost"

    _fix_all(root, engine)
    assert {name: Path(name).read_bytes() for name in _files(root)} == snapshot, "the second run changed files"
