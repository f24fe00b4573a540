"""Bad input: the contract, case by case.

Each row of CASES is an input that a linter meets in the wild, with what
`policypack lint` must do with it: the exit code when it is linted alone and when it
is linted together with a known-bad file (tests/robustness/known-bad.yaml, whose
findings must still be reported: one bad input never hides the others), and the
input errors and skip notes it must report, each naming the file and the line.

Exit codes (README, "Exit codes"): 0 nothing fails the gate; 1 a finding fails it;
2 an input that could not be read or parsed (or a usage error, or a rule failure).
Whatever the input, no rule fails (no `ruleError`) and no traceback is printed.

Exit codes and findings are checked with two rules on (tests/robustness/two-rules.json),
so rules added to the pack do not change them; every case also runs with the pack's
default rules, where the same input errors must be reported and no rule may fail.

Inputs are made at test time in tmp_path (binary content, CRLF, BOMs, symlinks and
permissions do not survive a checkout well). Most cases run the CLI in-process; the
ones where the process itself is at stake (deep nesting, alias bombs, stdin,
undecodable file names) also run as a subprocess.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from policypack.cli import main

KNOWN_BAD = Path(__file__).parent / "robustness" / "known-bad.yaml"
TWO_RULES = Path(__file__).parent / "robustness" / "two-rules.json"
# (rule, line) of every finding in KNOWN_BAD.
KNOWN_BAD_FINDINGS = [("require-pinned-images", 8), ("require-resource-limits", 16)]

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n    - name: c\n      image: {image}\n"
)
PINNED = "nginx@sha256:" + "a" * 64
NOT_TEXT = "expected YAML or JSON text"


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], Path]  # writes the input under a directory, returns the path to lint
    alone: int  # exit code when linted alone
    together: int  # exit code when linted with KNOWN_BAD
    errors: tuple[tuple[int | None, str], ...] = ()  # (line, message part) of each input error, in order
    notes: tuple[tuple[int | None, str], ...] = ()  # (line, message part) of skip notes (-v)
    findings: tuple[tuple[str, int], ...] | None = None  # (rule, line) on this input; None: not checked
    options: tuple[str, ...] = ()
    subprocess: bool = False  # also run it as a subprocess
    root_skips: bool = False  # permissions mean nothing to root


def file(name: str, content: bytes | str) -> Callable[[Path], Path]:
    def make(directory: Path) -> Path:
        path = directory / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return make


def alias_bomb(levels: int = 9) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def deep_block(depth: int) -> str:
    # Compact nested block sequences (`- - - x`) nest without growing the file quadratically.
    return "items:\n" + "- " * depth + "leaf\n"


def many_pods(count: int, padding: int) -> str:
    """`count` Pods of 9 lines each (with `---`), each with an annotation of `padding` characters."""
    pod = POD.replace("  name: {name}\n", "  name: {name}\n  annotations: {{note: {pad}}}\n")
    return "---\n".join(pod.format(name=f"p{i}", image="nginx:latest", pad="x" * padding) for i in range(count))


def symlink_loop_dir(directory: Path) -> Path:
    root = directory / "tree"
    root.mkdir()
    (root / "pod.yaml").write_text(POD.format(name="in-tree", image=PINNED))
    (root / "self").symlink_to(".")  # os.walk follows links: the loop must be cut
    return root


def symlink_loop_file(directory: Path) -> Path:
    (directory / "a.yaml").symlink_to("b.yaml")
    (directory / "b.yaml").symlink_to("a.yaml")
    return directory / "a.yaml"


def symlink_loop_inside_dir(directory: Path) -> Path:
    root = directory / "links"
    root.mkdir()
    (root / "a.yaml").symlink_to("b.yaml")
    (root / "b.yaml").symlink_to("a.yaml")
    (root / "ok.yaml").write_text(POD.format(name="ok", image=PINNED))
    return root


def unreadable_file(directory: Path) -> Path:
    path = file("secret.yaml", POD.format(name="u", image=PINNED))(directory)
    path.chmod(0)
    return path


def unreadable_dir(directory: Path) -> Path:
    root = directory / "tree"
    (root / "locked").mkdir(parents=True)
    (root / "ok.yaml").write_text(POD.format(name="ok", image=PINNED))
    (root / "locked" / "hidden.yaml").write_text(POD.format(name="h", image=PINNED))
    (root / "locked").chmod(0)
    return root


def non_yaml_dir(directory: Path) -> Path:
    root = directory / "docs"
    root.mkdir()
    (root / "README.md").write_text("# not YAML\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "values.yaml.bak").write_text("a: 1\n")
    return root


def huge_file(directory: Path) -> Path:
    return file("huge.yaml", many_pods(2_000, 1_500))(directory)  # 3.3 MB, 2,000 documents


CASES: list[Case] = [
    # --- hostile YAML ---
    Case(
        "alias-bomb",
        file("bomb.yaml", alias_bomb()),
        2,
        2,
        errors=((6, "aliases expand this file by more than"),),
        subprocess=True,
    ),
    Case(
        "recursive-alias",
        file("recursive.yaml", "a: &a [*a]\n"),
        2,
        2,
        errors=((1, "recursive alias: a node contains itself"),),
    ),
    Case(
        "10000-deep-flow-nesting",
        file("deep-flow.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        2,
        2,
        errors=((1, "exceeded maximum nesting depth"),),
        subprocess=True,
    ),
    Case(
        "10000-deep-block-nesting",
        file("deep-block.yaml", deep_block(10_000)),
        2,
        2,
        errors=((2, "exceeded maximum nesting depth"),),
        subprocess=True,
    ),
    Case(
        "deep-but-parseable-nesting",  # deeper than our builder's limit, within libyaml's
        file("deep-500.yaml", "a: " + "[" * 500 + "]" * 500 + "\n"),
        2,
        2,
        errors=((1, "nesting deeper than 200 levels"),),
    ),
    Case(
        "large-file-2000-documents-3-MB",
        huge_file,
        1,
        1,
        findings=tuple(("require-pinned-images", 10 * index + 9) for index in range(2_000))
        + tuple(("require-resource-limits", 10 * index + 8) for index in range(2_000)),
    ),
    # --- not text ---
    Case(
        "invalid-utf-8",
        file("latin1.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n"),
        2,
        2,
        errors=((4, "invalid UTF-8 (byte 0xe9)"),),
    ),
    Case(
        "binary-file",
        file("image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        2,
        2,
        errors=((3, "binary file (contains NUL bytes)"),),
    ),
    Case(
        "nul-byte-in-text",
        file("nul.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x00b\n"),
        2,
        2,
        errors=((4, "binary file (contains NUL bytes)"),),
    ),
    Case(
        "control-character",
        file("bell.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x07b\n"),
        2,
        2,
        errors=((4, "character U+0007 is not allowed in YAML"),),
    ),
    # --- encodings and line ends that are fine ---
    Case(
        "utf-8-bom",
        file("bom.yaml", b"\xef\xbb\xbf" + POD.format(name="bom", image="nginx").encode()),
        1,
        1,
        findings=(("require-pinned-images", 8), ("require-resource-limits", 7)),
    ),
    Case(
        "utf-16-with-bom",
        file("utf16.yaml", POD.format(name="wide", image="nginx").encode("utf-16")),
        1,
        1,
        findings=(("require-pinned-images", 8), ("require-resource-limits", 7)),
    ),
    Case(
        "bom-before-each-document",  # files joined with `cat`
        file(
            "boms.yaml",
            ("\ufeff" + POD.format(name="a", image="nginx") + "\ufeff---\n" + POD.format(name="b", image=PINNED)),
        ),
        1,
        1,
        findings=(("require-pinned-images", 8), ("require-resource-limits", 7), ("require-resource-limits", 16)),
    ),
    Case(
        "crlf-line-ends",
        file("crlf.yaml", POD.format(name="crlf", image="nginx").replace("\n", "\r\n")),
        1,
        1,
        findings=(("require-pinned-images", 8), ("require-resource-limits", 7)),
    ),
    Case(
        "lone-carriage-returns",  # libyaml counts them as line breaks; lines are counted by line feeds
        file("cr.yaml", POD.format(name="cr", image="nginx").replace("  name: cr\n", "  \r\rname: cr\n")),
        1,
        1,
        findings=(("require-pinned-images", 8), ("require-resource-limits", 7)),
    ),
    # --- YAML that is wrong ---
    Case(
        "tab-indentation",
        file("tabs.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"),
        2,
        2,
        errors=((4, "found character that cannot start any token"),),
    ),
    Case(
        "duplicate-keys",  # reported, and the document is still judged by its last value
        file("dup.yaml", POD.format(name="dup", image=PINNED) + "      image: nginx:latest\n"),
        2,
        2,
        errors=((9, "duplicate key 'image' (first on line 8)"),),
        findings=(("require-pinned-images", 9), ("require-resource-limits", 7)),
    ),
    Case(
        "broken-document-among-good-ones",
        file(
            "mixed.yaml",
            POD.format(name="a", image="nginx") + "---\nkey: [unclosed\n---\n" + POD.format(name="b", image="redis"),
        ),
        2,
        2,
        errors=((11, "YAML parse error"),),
        findings=(
            ("require-pinned-images", 8),
            ("require-pinned-images", 19),
            ("require-resource-limits", 7),
            ("require-resource-limits", 18),
        ),
    ),
    Case(
        "helm-template",
        file("tpl.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n"),
        2,
        2,
        errors=((4, "this looks like a template"),),
    ),
    Case("empty-file", file("empty.yaml", b""), 0, 1),
    Case("comments-only", file("comments.yaml", "# nothing\n---\n# here\n"), 0, 1),
    # --- documents of the wrong shape ---
    Case(
        "document-is-a-list",
        file("list.yaml", "- a\n- b\n"),
        0,
        1,
        notes=((1, "skipped: document is a list, not an object"),),
    ),
    Case(
        "document-is-a-scalar",
        file("scalar.yaml", "---\njust text\n"),
        0,
        1,
        notes=((2, "skipped: document is a string, not an object"),),
    ),
    Case(
        "kind-is-not-a-string",
        file("kind.yaml", "apiVersion: v1\nkind: [Pod]\nmetadata: {name: k}\n"),
        2,
        2,
        errors=((2, "invalid Kubernetes object: kind must be a string"),),
    ),
    Case(
        "api-version-is-a-number",
        file("api.yaml", "apiVersion: 1\nkind: Pod\n"),
        2,
        2,
        errors=((1, "invalid Kubernetes object: apiVersion must be a string"),),
    ),
    Case(
        "containers-is-a-string",
        file("cstr.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec:\n  containers: nginx:latest\n"),
        0,
        1,
        findings=(),
    ),
    Case(
        "containers-is-a-map",
        file(
            "cmap.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: m}\nspec:\n  containers: {name: c, image: nginx}\n",
        ),
        0,
        1,
        findings=(),
    ),
    Case(
        "numbers-where-strings-belong",
        file(
            "numbers.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: 7, namespace: 8}\nspec:\n  containers:\n"
            "    - {name: 1, image: 42}\n    - {name: c, image: nginx:1.25, resources: 5}\n",
        ),
        1,
        1,
        findings=(("require-resource-limits", 6), ("require-resource-limits", 7)),
    ),
    Case(
        "strings-where-numbers-belong",
        file(
            "strings.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: s}\nspec:\n  replicas: 'three'\n"
            "  template:\n    spec:\n      containers:\n        - name: c\n          image: " + PINNED + "\n"
            "          ports: [{containerPort: '80'}]\n"
            "          resources: {limits: {cpu: one, memory: lots}, requests: {cpu: true, memory: []}}\n",
        ),
        0,
        1,
        findings=(),
    ),
    Case(
        "huge-integers",
        file(
            "huge-int.yaml",
            f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {10**400}}}\nspec:\n  containers:\n"
            f"    - name: c\n      image: {PINNED}\n"
            f"      ports: [{{containerPort: {10**400}}}, {{containerPort: 1e400}}]\n",
        ),
        1,
        1,
        findings=(("require-resource-limits", 6),),
    ),
    Case(
        "integer-too-long-to-read",  # Python refuses to parse more than 4300 digits
        file("long-int.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  n: " + "9" * 5000 + "\n"),
        2,
        2,
        errors=((5, "cannot read this value as an integer"),),
    ),
    Case(
        "stack-export-with-broken-entries",
        file(
            "stack.json",
            json.dumps(
                {
                    "deployment": {
                        "resources": [
                            1,
                            "x",
                            {"type": 5},
                            {"type": "aws:iam/policy:Policy", "urn": 7, "inputs": {"policy": "{not json"}},
                            {"type": "kubernetes:core/v1:Pod", "urn": "u", "inputs": {"spec": {"containers": "x"}}},
                        ]
                    }
                }
            ),
        ),
        0,
        1,
        findings=(),
    ),
    # --- the file system ---
    Case(
        "symlink-loop-in-a-directory",
        symlink_loop_dir,
        1,
        1,
        notes=((None, "skipped: symbolic link loop"),),
        findings=(("require-resource-limits", 7),),  # once: the loop is not followed
    ),
    Case(
        "symlink-loop-named-on-the-command-line",
        symlink_loop_file,
        2,
        2,
        errors=((None, "symbolic link loop"),),
    ),
    Case(
        "symlink-loop-files-in-a-directory",
        symlink_loop_inside_dir,
        2,
        2,
        errors=((None, "cannot read: Too many levels of symbolic links"),) * 2,
    ),
    Case(
        "missing-file",
        lambda directory: directory / "nope.yaml",
        2,
        2,
        errors=((None, "no such file or directory"),),
    ),
    Case(
        "unreadable-file",
        unreadable_file,
        2,
        2,
        errors=((None, "cannot read: Permission denied"),),
        root_skips=True,
    ),
    Case(
        "unreadable-directory",
        unreadable_dir,
        2,
        2,
        errors=((None, "cannot read directory: Permission denied"),),
        root_skips=True,
    ),
    Case(
        "directory-of-non-yaml-files",
        non_yaml_dir,
        2,
        2,
        errors=((None, "no .yaml, .yml, .json files found in this directory"),),
    ),
    Case("directory-of-non-yaml-files-allowed", non_yaml_dir, 0, 1, options=("--allow-empty",)),
]


def lint(*argv: str, config: Path | None = TWO_RULES) -> tuple[int, dict, str]:
    """policypack lint --format json, in-process; (exit code, report, everything printed)."""
    out, err = io.StringIO(), io.StringIO()
    stderr, sys.stderr = sys.stderr, err
    options = ["--config", str(config)] if config else []
    try:
        code = main(["lint", "--format", "json", *options, *argv], stdin=io.BytesIO(b""), stdout=out)
    finally:
        sys.stderr = stderr
    printed = out.getvalue() + err.getvalue()
    return code, json.loads(out.getvalue()), printed


def under(file: str, path: Path) -> bool:
    return file == str(path) or file.startswith(str(path) + os.sep)


def check_report(case: Case, path: Path, code: int, report: dict, printed: str, expected_code: int) -> None:
    assert "Traceback" not in printed
    assert code == expected_code, (code, report["errors"])
    assert not [f for f in report["findings"] if f["ruleError"]], "a rule failed on this input"
    errors = [(e["line"], e["message"]) for e in report["errors"] if under(e["file"], path)]
    assert len(errors) == len(case.errors), errors
    for (line, message), (want_line, want) in zip(errors, case.errors, strict=True):
        assert want in message and line == want_line, (line, message)
    notes = [(n.get("line"), n["message"]) for n in report["skipped"] if under(n["file"], path)]
    for want_line, want in case.notes:
        assert any(want in message and line == want_line for line, message in notes), notes
    if case.findings is not None:
        found = sorted((f["rule"], f["line"]) for f in report["findings"] if under(f["file"], path))
        assert found == sorted(case.findings)


def make_input(case: Case, tmp_path: Path) -> Path:
    if case.root_skips and os.geteuid() == 0:
        pytest.skip("permissions do not apply to root")
    return case.make(tmp_path)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_alone(case: Case, tmp_path: Path) -> None:
    path = make_input(case, tmp_path)
    code, report, printed = lint(*case.options, str(path))
    check_report(case, path, code, report, printed, case.alone)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_with_every_default_rule(case: Case, tmp_path: Path) -> None:
    """The pack's default rules: the same input errors, no rule failure, no traceback."""
    path = make_input(case, tmp_path)
    code, report, printed = lint(*case.options, str(path), str(KNOWN_BAD), config=None)
    assert "Traceback" not in printed
    assert not [(f["rule"], f["message"]) for f in report["findings"] if f["ruleError"]]
    errors = [(e["line"], e["message"]) for e in report["errors"] if under(e["file"], path)]
    assert len(errors) == len(case.errors), errors
    for (line, message), (want_line, want) in zip(errors, case.errors, strict=True):
        assert want in message and line == want_line, (line, message)
    assert code == max(case.together, 1)  # the known-bad file fails the gate at least


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_with_a_known_bad_file_that_is_still_linted(case: Case, tmp_path: Path) -> None:
    path = make_input(case, tmp_path)
    for order in ([str(path), str(KNOWN_BAD)], [str(KNOWN_BAD), str(path)]):
        code, report, printed = lint(*case.options, *order)
        check_report(case, path, code, report, printed, case.together)
        found = sorted((f["rule"], f["line"]) for f in report["findings"] if f["file"] == str(KNOWN_BAD))
        assert found == sorted(KNOWN_BAD_FINDINGS)


@pytest.mark.parametrize("case", [case for case in CASES if case.subprocess], ids=lambda case: case.id)
def test_as_a_process(case: Case, tmp_path: Path) -> None:
    """Where the process itself is at stake (a C stack overflow would kill it)."""
    path = make_input(case, tmp_path)
    command = [sys.executable, "-m", "policypack", "lint", "--format", "json", "--config", str(TWO_RULES)]
    command += [str(path), str(KNOWN_BAD)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    check_report(case, path, done.returncode, json.loads(done.stdout), done.stdout + done.stderr, case.together)


def test_binary_stdin_as_a_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "policypack", "lint", "-"], input=bytes(range(256)) * 4, capture_output=True, timeout=60
    )
    assert done.returncode == 2
    assert b"<stdin>" in done.stdout and b"binary file (contains NUL bytes)" in done.stdout
    assert b"Traceback" not in done.stdout + done.stderr


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse undecodable names")
def test_undecodable_file_name_as_a_process(tmp_path: Path) -> None:
    directory = os.fsencode(tmp_path)
    with open(os.path.join(directory, b"caf\xe9.yaml"), "wb") as handle:
        handle.write(POD.format(name="n", image="nginx").encode())
    for output in ("text", "json"):
        done = subprocess.run(
            [sys.executable, "-m", "policypack", "lint", "--format", output, "-c", str(TWO_RULES), str(tmp_path)],
            capture_output=True,
            timeout=60,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        assert done.returncode == 1, done.stderr
        assert b"Traceback" not in done.stdout + done.stderr
        assert b"require-pinned-images" in done.stdout
