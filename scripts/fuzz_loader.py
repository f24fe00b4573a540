"""Coverage-guided fuzzing of the offline input path with atheris (not part of CI).

    python3 -m venv .cache/fuzz-venv
    .cache/fuzz-venv/bin/pip install -c constraints.txt -e . atheris==3.0.0
    .cache/fuzz-venv/bin/python scripts/fuzz_loader.py [--seconds 300] [libFuzzer options...]

Each input is a file's bytes. It goes the way `policypack lint` takes a file:
`decode` -> `parse_documents` -> `lint_document` with every rule, then every
document's `locate` is asked for paths in its data. A crash is any exception that
escapes (the loader must turn bad input into `InputError`s), a rule failure (an
error finding), or a broken invariant (an error or finding without a sane line).
libFuzzer's own limits catch hangs (-timeout) and memory blow-ups (-rss_limit_mb).

The seed corpus is every fixture and example in the checkout, copied to
.cache/fuzz/corpus, where the fuzzer also keeps what it finds; crashing inputs are
written to .cache/fuzz/ as crash-*.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import atheris

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".cache" / "fuzz"

with atheris.instrument_imports():
    from policypack.engine import Engine
    from policypack.lint import LintResult, lint_document
    from policypack.loader import Document, InputError, decode, parse_documents
    from policypack.registry import load_registry

    ENGINE = Engine(load_registry())  # imports the rule modules: instrument them too


def paths(value: Any, prefix: tuple = (), limit: int = 50) -> list[tuple]:
    """Some paths in the data (breadth is enough: locate walks the node tree)."""
    out: list[tuple] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return out
    for key, item in items[:limit]:
        out.append(prefix + (key,))
        if len(prefix) < 6:
            out.extend(paths(item, prefix + (key,), limit=5))
    return out


def check_line(line: int | None, lines: int, what: str) -> None:
    if line is not None and not 1 <= line <= lines + 1:
        raise AssertionError(f"{what}: line {line} outside the file's {lines} lines")


def one_input(data: bytes) -> None:
    text = decode(data, "fuzz.yaml")
    if isinstance(text, InputError):
        check_line(text.line, data.count(b"\n") + 1, "decode error")
        return
    lines = text.count("\n") + 1
    result = LintResult()
    for item in parse_documents("fuzz.yaml", text):
        if isinstance(item, InputError):
            check_line(item.line, lines, f"input error {item.message!r}")
            continue
        assert isinstance(item, Document)
        check_line(item.line, lines, "document start")
        before = len(result.findings)
        lint_document(item, ENGINE, result)
        for finding in result.findings[before:]:
            if finding.error:
                raise AssertionError(f"rule {finding.rule} failed: {finding.message}")
            check_line(finding.location.line if finding.location else None, lines, f"finding of {finding.rule}")
        for path in paths(item.data):
            line, column = item.locate(path)
            check_line(line, lines, f"locate({path})")
            if column < 1:
                raise AssertionError(f"locate({path}): column {column}")
    for error in result.errors:
        check_line(error.line, lines, f"lint error {error.message!r}")


def seed_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    sources = [ROOT / "tests" / "rules", ROOT / "tests" / "robustness", ROOT / "examples"]
    for source in sources:
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".json") and path.stat().st_size < 64_000:
                shutil.copy(path, corpus / f"seed-{path.parent.name}-{path.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300, help="how long to fuzz")
    args, libfuzzer = parser.parse_known_args()
    corpus = WORK / "corpus"
    seed_corpus(corpus)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={args.seconds}",
        "-timeout=10",
        "-rss_limit_mb=2048",
        "-max_len=65536",
        f"-artifact_prefix={WORK}/",
        "-print_final_stats=1",
        *libfuzzer,
    ]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
