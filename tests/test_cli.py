"""The `policypack` command: inputs, outputs, exit codes."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from policypack.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "policypack" / "schemas" / "lint-report.schema.json").read_text())

PUBLIC_LB = (
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: LoadBalancer\n"
    "  ports: [{port: 80}]\n"
)
INTERNAL_LB = PUBLIC_LB.replace(
    "metadata: {name: web, namespace: shop}",
    "metadata:\n  name: web\n  annotations: {networking.gke.io/load-balancer-type: Internal}",
)
UNPINNED = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


# The rules these tests exercise; other shipped rules may also judge their manifests.
UNDER_TEST = {"no-public-load-balancer", "require-pinned-images", "require-resource-limits"}


def run(*argv: str, stdin: bytes | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.BytesIO(stdin) if stdin is not None else Tty(), stdout=out)
    return code, out.getvalue()


# The rules these tests are about; configs switch every other rule off, so rules
# added later do not change what these tests see.
CORE_RULES = ("no-public-load-balancer", "require-pinned-images", "require-resource-limits")


def core_only(**entries: object) -> dict:
    from policypack.registry import load_registry

    others = {rule.name: "disabled" for rule in load_registry() if rule.name not in CORE_RULES}
    return {**others, **entries}


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_clean_input_exits_0(tmp_path: Path) -> None:
    code, out = run("lint", write(tmp_path, "svc.yaml", INTERNAL_LB))
    assert code == 0
    assert "0 findings" in out and "Gate: passed (exit 0)" in out


def test_mandatory_finding_exits_1_with_file_line_and_column(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = os.path.relpath(write(tmp_path, "svc.yaml", PUBLIC_LB))
    code, out = run("lint", path)
    assert code == 1
    first, second = out.splitlines()[:2]
    assert first.startswith(f"{path}:5:3: no-public-load-balancer [high, fails the gate]")
    assert "Service shop/web: " in first or second.startswith("  Service shop/web: ")  # a long message: own line


def test_advisory_findings_pass_unless_fail_on(tmp_path: Path) -> None:
    path = write(tmp_path, "svc.yaml", PUBLIC_LB)
    config = write(tmp_path, "config.json", json.dumps({"all": "advisory"}))
    assert run("lint", "--config", config, path)[0] == 0
    assert run("lint", "--config", config, "--fail-on", "high", path)[0] == 1
    assert run("lint", "--config", config, "--fail-on", "critical", path)[0] == 0


def test_yaml_config_with_options(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", UNPINNED)
    config = write(
        tmp_path,
        "config.yaml",
        "all: disabled\n"
        "require-pinned-images:\n  enforcementLevel: mandatory\n  allowedRegistries: [registry.example.com/]\n"
        "require-resource-limits: disabled\n",
    )
    code, out = run("lint", "--config", config, "--format", "json", path)
    report = json.loads(out)
    assert code == 1
    assert [f["message"] for f in report["findings"] if f["rule"] in UNDER_TEST] == [
        'container "c" uses image "nginx" with no tag, which means "latest" at every pull',
        'container "c" uses image "nginx" from a registry that is not allowed (allowed: registry.example.com/)',
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"no-such-rule": "advisory"}, "unknown rule 'no-such-rule'"),
        ({"require-pinned-image": "advisory"}, "did you mean 'require-pinned-images'"),
        ({"all": "strict"}, "enforcement level must be one of"),
        ({"require-pinned-images": {"requireDigest": "yes"}}, "option 'requireDigest': 'yes' is not of type 'boolean'"),
        ({"require-pinned-images": {"allowedRegistry": []}}, "unknown option 'allowedRegistry' (did you mean"),
        (
            {"no-rbac-wildcards": {"strict": True}},
            "unknown option 'strict' (its options: exemptions, allowSuppression)",
        ),
        ({"require-pinned-images": 3}, "expected an enforcement level"),
        ([], "must be a mapping"),
    ],
)
def test_invalid_config_is_a_clear_error(tmp_path: Path, capsys, config, message: str) -> None:
    path = write(tmp_path, "config.json", json.dumps(config))
    code, _ = run("lint", "--config", path, write(tmp_path, "svc.yaml", PUBLIC_LB))
    err = capsys.readouterr().err
    assert code == 2
    assert path in err and message in err


def test_json_output_matches_its_schema(tmp_path: Path) -> None:
    write(tmp_path, "a/svc.yaml", PUBLIC_LB)
    write(tmp_path, "a/pod.yaml", UNPINNED)
    write(tmp_path, "b/broken.yaml", "a: [\n")
    write(tmp_path, "b/values.yaml", "replicas: 2\n")
    config = write(tmp_path, "core.json", json.dumps(core_only()))
    code, out = run("lint", "--format", "json", "--verbose", "--config", config, str(tmp_path))
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    assert code == 2  # a parse error wins over findings
    assert report["summary"]["exitCode"] == 2
    assert report["summary"]["inputErrors"] == 1 and report["summary"]["files"] == 5
    assert {f["rule"] for f in report["findings"]} == {
        "no-public-load-balancer",
        "require-pinned-images",
        "require-resource-limits",
    }
    finding = next(f for f in report["findings"] if f["rule"] == "require-pinned-images")
    assert finding["path"] == "spec.containers[0].image" and finding["container"] == "c"
    assert finding["line"] == 7 and finding["column"] == 7
    assert report["skipped"][0]["message"].startswith("skipped: not a Kubernetes object")


def test_stdin_with_a_dash_and_without(tmp_path: Path) -> None:
    stream = (PUBLIC_LB + "---\n" + UNPINNED).encode()
    code, out = run("lint", "-", stdin=stream)
    assert code == 1 and "<stdin>" in out
    config = write(tmp_path, "core.json", json.dumps(core_only()))
    code, out = run("lint", "--format", "json", "--config", config, stdin=stream)
    lines = sorted({(f["file"], f["line"]) for f in json.loads(out)["findings"]})
    assert lines == [("<stdin>", 5), ("<stdin>", 13), ("<stdin>", 14)]


def test_no_paths_on_a_terminal_is_a_usage_error(capsys) -> None:
    assert run("lint")[0] == 2
    assert "give files or directories" in capsys.readouterr().err


def test_a_parse_error_beside_good_files_still_lints_them(tmp_path: Path) -> None:
    write(tmp_path, "bad.yaml", "kind: Service\nmetadata:\n  name: {{ .Name }}\n")
    write(tmp_path, "good.yaml", PUBLIC_LB)
    code, out = run("lint", str(tmp_path))
    assert code == 2
    assert out.index("bad.yaml") < out.index("good.yaml")  # files in reading order
    assert "3:10" in out and "YAML parse error" in out
    assert "no-public-load-balancer" in out


def test_output_file(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    code, out = run("lint", "-f", "json", "-o", str(report), write(tmp_path, "svc.yaml", PUBLIC_LB))
    # Every report went to a file: the verdict still reaches the terminal.
    assert (
        code == 1
        and out == "1 finding (1 failing the gate); 1 object in 1 document from 1 file. Gate: failed (exit 1).\n"
    )
    assert json.loads(report.read_text())["summary"]["findings"] == 1


def test_color_only_when_asked_or_on_a_terminal(tmp_path: Path) -> None:
    path = write(tmp_path, "svc.yaml", PUBLIC_LB)
    assert "\033[" not in run("lint", path)[1]
    assert "\033[" in run("lint", "--color", "always", path)[1]


def test_rules_listing() -> None:
    code, out = run("rules", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["name"] for r in rows} >= {"no-public-load-balancer", "no-iam-admin-wildcards"}
    code, out = run("rules")
    assert "require-resource-limits" in out


def test_real_process_pipe_and_exit_code(tmp_path: Path) -> None:
    """As a user runs it: `... | python -m policypack lint -`, no traceback on bad input."""
    completed = subprocess.run(
        [sys.executable, "-m", "policypack", "lint", "-", str(tmp_path / "missing.yaml")],
        input=b"\xff\xfe\x00garbage" + PUBLIC_LB.encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert completed.returncode == 2
    assert b"Traceback" not in completed.stdout + completed.stderr
    assert b"no such file or directory" in completed.stdout


def test_empty_or_closed_stdin_fails_the_gate() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "policypack", "lint"], stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT
    )
    assert completed.returncode == 2  # an empty pipe: the command before it probably failed
    assert b"no path was given, so standard input was read, and it is empty" in completed.stdout
    piped = subprocess.run(
        [sys.executable, "-m", "policypack", "lint", "-"], stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT
    )
    assert piped.returncode == 2 and b"no YAML documents on standard input" in piped.stdout
    allowed = subprocess.run(
        [sys.executable, "-m", "policypack", "lint", "--allow-empty"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=ROOT,
    )
    assert allowed.returncode == 0
    closed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.close(0); sys.stdin = None; from policypack.cli import main; sys.exit(main(['lint']))",
        ],
        capture_output=True,
        cwd=ROOT,
    )
    assert closed.returncode == 2 and b"Traceback" not in closed.stderr


def test_undecodable_file_names_are_shown_escaped(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    with open(folder + b"/bad\xff.yaml", "wb") as handle:
        handle.write(PUBLIC_LB.encode())
    for extra in ([], ["-o", str(tmp_path / "out.txt")]):
        completed = subprocess.run(
            [sys.executable, "-m", "policypack", "lint", str(tmp_path), *extra],
            capture_output=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        assert completed.returncode == 1, completed.stderr
        assert b"Traceback" not in completed.stderr
    assert "bad\\udcff.yaml" in (tmp_path / "out.txt").read_text()


def test_a_broken_extra_rule_module_is_a_clear_error() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "policypack", "lint", "examples"],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "POLICYPACK_RULE_MODULES": "no.such.module"},
    )
    assert completed.returncode == 2
    assert b"cannot import rule module 'no.such.module'" in completed.stderr
    assert b"Traceback" not in completed.stderr


def test_an_empty_directory_fails_the_run_unless_allowed(tmp_path: Path) -> None:
    code, out = run("lint", str(tmp_path))
    assert code == 2 and "no .yaml, .yml, .json files found" in out
    assert run("lint", "--allow-empty", str(tmp_path))[0] == 0


def test_exclude_skips_what_the_walk_finds_and_says_so(tmp_path: Path) -> None:
    # Test fixtures and local-cluster variants (minikube/, kind/) a team keeps
    # beside its deployments: the reviews' "test fixture" and "minikube" classes.
    write(tmp_path, "app/web.yaml", INTERNAL_LB)
    write(tmp_path, "app/testdata/bad.yaml", PUBLIC_LB)
    write(tmp_path, "minikube/web.yaml", PUBLIC_LB)
    write(tmp_path, "app/web-dev.yaml", PUBLIC_LB)
    write(tmp_path, "examples/one/kind.yaml", PUBLIC_LB)
    write(tmp_path, "examples/kind.yaml", INTERNAL_LB)
    assert run("lint", str(tmp_path), "-f", "json")[0] == 1
    code, out = run(
        "lint",
        str(tmp_path),
        "-v",
        "--exclude",
        "testdata",
        "--exclude",
        "minikube/",
        "--exclude",
        "*-dev.yaml",
        "--exclude",
        "examples/*/kind.yaml",
    )
    assert code == 0, out
    assert "2 objects" in out and "4 skipped" in out
    for skipped in ("app/testdata", "minikube", "app/web-dev.yaml", "examples/one/kind.yaml"):
        assert f"{tmp_path}/{skipped}: skipped: excluded by --exclude" in out
    # A file named on the command line is always read.
    assert run("lint", str(tmp_path / "minikube" / "web.yaml"), "--exclude", "minikube")[0] == 1
    # A directory whose every file is excluded is an error, as an empty one is.
    code, out = run("lint", str(tmp_path / "minikube"), "--exclude", "*.yaml")
    assert code == 2 and "that --exclude leaves (1 excluded)" in out


def test_check_config(tmp_path: Path, capsys) -> None:
    good = write(
        tmp_path, "good.json", json.dumps({"all": "advisory", "require-pinned-images": {"requireDigest": True}})
    )
    assert run("check-config", good) == (0, f"{good}: valid\n")
    bad = write(tmp_path, "bad.json", json.dumps({"require-pinned-images": {"requireDigests": True}}))
    assert run("check-config", bad)[0] == 2
    assert "requireDigests" in capsys.readouterr().err


def _keys_match_schema(value: object, schema: dict) -> None:
    """Every object in the report has exactly the properties the schema lists (the
    schema lets consumers ignore additions; this keeps additions deliberate)."""
    if schema.get("type") == "object" or "properties" in schema:
        assert isinstance(value, dict)
        assert set(value) == set(schema["properties"]), (set(value), set(schema["properties"]))
        for key, item in value.items():
            _keys_match_schema(item, schema["properties"][key])
    elif schema.get("type") == "array":
        for item in value:
            _keys_match_schema(item, schema["items"])


def test_json_summary_values_order_and_gate(tmp_path: Path) -> None:
    config = write(
        tmp_path, "c.json", json.dumps({"all": "advisory", **core_only(**{"require-pinned-images": "mandatory"})})
    )
    manifests = write(tmp_path, "m.yaml", UNPINNED + "---\n" + PUBLIC_LB)
    code, out = run("lint", "-f", "json", "-c", config, "--fail-on", "high", manifests)
    report = json.loads(out)
    _keys_match_schema(report, SCHEMA)
    rows = [(f["line"], f["rule"], f["severity"], f["enforcement"], f["failsGate"]) for f in report["findings"]]
    assert rows == [
        (6, "require-resource-limits", "medium", "advisory", False),
        (7, "require-pinned-images", "medium", "mandatory", True),
        (13, "no-public-load-balancer", "high", "advisory", True),  # fails through --fail-on high
    ]
    summary = report["summary"]
    assert (summary["findings"], summary["failing"], summary["exitCode"], code) == (3, 2, 1, 1)
    assert summary["bySeverity"] == {"low": 0, "medium": 2, "high": 1, "critical": 0}
    assert (summary["files"], summary["documents"], summary["objects"]) == (1, 2, 2)


def test_rule_errors_in_json_do_not_count_as_failing_findings(tmp_path: Path) -> None:
    manifest = write(
        tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {explode: 'yes'}\n"
    )
    completed = subprocess.run(
        [sys.executable, "-m", "policypack", "lint", "-f", "json", manifest],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "POLICYPACK_RULE_MODULES": "tests.support.raising_rule"},
    )
    report = json.loads(completed.stdout)
    (finding,) = report["findings"]
    assert finding["ruleError"] and not finding["failsGate"]
    assert report["summary"]["ruleErrors"] == 1 and report["summary"]["failing"] == 0
    assert completed.returncode == report["summary"]["exitCode"] == 2


def test_no_color_and_output_files_have_no_colour(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, "svc.yaml", PUBLIC_LB)

    class TtyOut(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = TtyOut()
    main(["lint", path], stdin=Tty(), stdout=out)
    assert "\033[" in out.getvalue()  # a terminal gets colour
    monkeypatch.setenv("NO_COLOR", "1")
    out = TtyOut()
    main(["lint", path], stdin=Tty(), stdout=out)
    assert "\033[" not in out.getvalue()
    monkeypatch.delenv("NO_COLOR")
    report = tmp_path / "report.txt"
    main(["lint", "-o", str(report), path], stdin=Tty(), stdout=TtyOut())
    assert "\033[" not in report.read_text()


def test_explain_prints_the_generated_page(capsys) -> None:
    code, out = run("explain", "require-pinned-images")
    assert code == 0 and out.startswith("# require-pinned-images\n") and "## How to fix" in out
    assert run("explain", "require-pinned-image")[0] == 2
    assert "did you mean 'require-pinned-images'" in capsys.readouterr().err


def test_stack_export_findings_show_the_urn_in_text(tmp_path: Path) -> None:
    export = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": "urn:pulumi:prod::shop::kubernetes:core/v1:Service::web",
                    "type": "kubernetes:core/v1:Service",
                    "inputs": {"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}},
                }
            ]
        },
    }
    code, out = run("lint", write(tmp_path, "stack.json", json.dumps(export, indent=2)))
    assert code == 1 and "urn:pulumi:prod::shop::kubernetes:core/v1:Service::web:" in out


def test_rules_lists_profiles_and_tags() -> None:
    code, out = run("rules")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("pss-privileged "))
    assert "PBRS" in line and "[pss-baseline:privileged]" in line
    line = next(line for line in out.splitlines() if line.startswith("references-exist "))
    assert " disabled " in line and "---S" in line
    rows = json.loads(run("rules", "--format", "json")[1])
    row = next(r for r in rows if r["name"] == "pss-run-as-non-root")
    assert row["profiles"] == ["pss-restricted", "strict"] and row["enforcement"] == "disabled"


def test_a_closed_pipe_is_not_an_internal_error() -> None:
    command = f"{sys.executable} -m policypack rules | head -1"
    completed = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
    assert completed.stdout.startswith("rule ") and completed.stderr == ""


def test_text_output_keeps_manifest_text_on_one_line(tmp_path: Path) -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        '  - name: "app\\n::warning::injected\\u001b[31m"\n    image: nginx\n'
    )
    code, out = run("lint", write(tmp_path, "pod.yaml", pod))
    assert code == 1
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "\x1b" not in out and "\\n::warning::injected\\x1b" in out


def test_a_file_named_twice_is_linted_once(tmp_path: Path) -> None:
    path = write(tmp_path, "d/svc.yaml", PUBLIC_LB)
    _, once = run("lint", "-f", "json", str(tmp_path / "d"))
    _, twice = run("lint", "-f", "json", str(tmp_path / "d"), path)
    assert json.loads(once)["summary"] == json.loads(twice)["summary"]


def test_commands_lists_every_subcommand() -> None:
    # build_parser(COMMAND) builds only that subcommand's parser: COMMANDS must name them all.
    from policypack.cli import COMMANDS, build_parser

    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert tuple(subparsers.choices) == COMMANDS
    for command in COMMANDS:
        (only,) = [a for a in build_parser(command)._actions if isinstance(a, argparse._SubParsersAction)]
        assert list(only.choices) == [command]


LOCAL_STACK = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dev}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:latest
          imagePullPolicy: Never
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-settings, namespace: dev}
data: {DEBUG: true}
"""


def test_a_local_stack_is_told_of_the_correctness_profile(tmp_path: Path) -> None:
    # corpus38's EASi and corpus39's NIPT viewer: sets for a developer's machine, whose
    # hardening, probe and availability findings reviewers held debatable. The text
    # report names the profile that judges only what would break; the profile itself
    # reports the unquoted boolean the API server refuses, and then says nothing more.
    path = write(tmp_path, "local.yaml", LOCAL_STACK)
    code, out = run("lint", path)
    assert code == 1
    assert "This looks like a local development stack (imagePullPolicy: Never, " in out
    assert "local.yaml:12): `--profile correctness`" in out
    code, out = run("lint", "--profile", "correctness", path)
    assert code == 1 and "non-string-values" in out and "require-pinned-images" not in out
    assert "local development stack" not in out
    # Near miss: images that are pulled say nothing of where the set runs.
    path = write(tmp_path, "pulled.yaml", LOCAL_STACK.replace("imagePullPolicy: Never", "imagePullPolicy: Always"))
    assert "local development stack" not in run("lint", path)[1]
