"""The everyday surface of `policypack lint` (issue 14): output a person acts on,
configs that never crash, and no silent no-ops."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from policypack.cli import main
from policypack.registry import load_registry
from policypack.report import TEXT_WIDTH, fix_hint

ROOT = Path(__file__).resolve().parent.parent
UNPINNED_POD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: p
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx
          ports: [{containerPort: 80}]
"""
LONG_MESSAGE_ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything-and-then-some-more-of-everything}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
"""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*argv: str, stdout: io.StringIO | None = None) -> tuple[int, str]:
    out = stdout if stdout is not None else io.StringIO()
    code = main(list(argv), stdin=Tty(), stdout=out)
    return code, out.getvalue()


@pytest.fixture
def here(tmp_path: Path, monkeypatch) -> Path:
    """Run in tmp_path, so file names in the output are short and known."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def only(*rules: str, **entries: object) -> dict:
    """A config with every rule off but `rules`."""
    return {rule.name: "disabled" for rule in load_registry() if rule.name not in rules} | entries


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return name


# --- output a person acts on ------------------------------------------------------


def test_every_finding_is_a_clickable_line_with_severity_gate_status_and_a_fix_hint(here: Path) -> None:
    write(here, "pod.yaml", UNPINNED_POD)
    write(here, "c.json", json.dumps(only("require-pinned-images", "require-liveness-probe")))
    code, out = run("lint", "-c", "c.json", "pod.yaml")
    lines = out.splitlines()
    registry = load_registry()
    assert code == 1
    # A message that does not fit beside the location goes on the next line, whole.
    located = [
        f"{line} {lines[index + 1].strip()}" if line.endswith("]") else line
        for index, line in enumerate(lines)
        if re.match(r"^pod\.yaml:\d+:\d+: ", line)
    ]
    assert len(located) == 2
    assert any(" require-pinned-images [medium, fails the gate] Deployment shop/p: " in line for line in located)
    assert any(" require-liveness-probe [low, advisory] Deployment shop/p: " in line for line in located)
    hints = [line for line in lines if line.startswith("  fix: ")]
    assert f"  fix: {fix_hint(registry.get('require-pinned-images'))}" in hints and len(hints) == 2
    assert "\033[" not in out  # not a terminal: no colour


def test_fix_hint_is_the_first_sentence_of_how_to_fix_on_one_line() -> None:
    registry = load_registry()
    for rule in registry:
        hint = fix_hint(rule)
        assert hint and "\n" not in hint, rule.name
        assert " ".join(rule.how_to_fix.split()).startswith(hint), rule.name


def test_colour_only_on_a_terminal(here: Path, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    write(here, "pod.yaml", UNPINNED_POD)
    _, piped = run("lint", "pod.yaml")
    _, terminal = run("lint", "pod.yaml", stdout=Tty())
    assert "\033[" not in piped and "\033[" in terminal


def test_long_messages_are_shortened_to_the_width_and_whole_with_v(here: Path) -> None:
    write(here, "role.yaml", LONG_MESSAGE_ROLE)
    code, out = run("lint", "role.yaml")
    assert code == 1
    body = out.split("\n\n")[0].splitlines()
    assert max(len(line) for line in body) <= TEXT_WIDTH
    assert any(line.endswith("…") for line in body)
    code, verbose = run("lint", "-v", "role.yaml")
    assert "…" not in verbose.split("\n\n")[0]
    assert max(len(line) for line in verbose.splitlines()) > TEXT_WIDTH


def test_a_long_path_puts_the_message_on_its_own_line(here: Path) -> None:
    name = "a-very-long-directory-name-for-manifests/" * 2 + "and-a-deployment-file-name-that-goes-on.yaml"
    write(here, name, UNPINNED_POD)
    _, out = run("lint", name)
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "require-pinned-images" in line)
    assert re.match(rf"^{re.escape(name)}:11:11: require-pinned-images \[medium, fails the gate\]$", lines[first])
    assert lines[first + 1].startswith('  Deployment shop/p: container "app" uses image "nginx"')
    assert all(len(line) <= TEXT_WIDTH for line in lines if not line.startswith(name) and "Gate:" not in line)


def test_statistics_counts_per_rule_and_keeps_the_exit_code(here: Path) -> None:
    write(here, "pods.yaml", UNPINNED_POD + "---\n" + UNPINNED_POD.replace("name: p", "name: q"))
    code, out = run("lint", "pods.yaml")
    stat_code, stats = run("lint", "--statistics", "pods.yaml")
    assert stat_code == code == 1
    assert "pods.yaml:" not in stats  # counts instead of findings
    row = next(line for line in stats.splitlines() if line.endswith("require-pinned-images"))
    assert row.split() == ["2", "2", "medium", "require-pinned-images"]
    assert stats.splitlines()[0].split() == ["count", "failing", "severity", "rule"]
    assert re.search(r"^by severity: \d+ critical, \d+ high, \d+ medium, \d+ low$", stats, re.M)
    assert stats.splitlines()[-2] == out.splitlines()[-2]  # the same summary


def test_select_and_ignore_choose_the_rules_of_a_run(here: Path, capsys) -> None:
    write(here, "pod.yaml", UNPINNED_POD)
    _, out = run("lint", "--select", "require-pinned-images", "pod.yaml")
    assert {m for m in re.findall(r"^pod\.yaml:\d+:\d+: (\S+)", out, re.M)} == {"require-pinned-images"}
    _, out = run("lint", "--select", "require-*-probe,require-pinned-images", "--ignore", "require-liveness-probe",
                 "pod.yaml")  # fmt: skip
    assert {m for m in re.findall(r"^pod\.yaml:\d+:\d+: (\S+)", out, re.M)} == {
        "require-pinned-images",
        "require-readiness-probe",
    }
    _, out = run("lint", "--ignore", "require-pinned-images", "pod.yaml")
    assert "require-pinned-images" not in out.split("\n\n")[0] and "require-readiness-probe" in out
    # A selected rule the config turned off runs; a name that matches nothing is an error.
    write(here, "off.json", json.dumps({"require-pinned-images": "disabled"}))
    _, out = run("lint", "-c", "off.json", "--select", "require-pinned-images", "pod.yaml")
    assert "require-pinned-images [medium, fails the gate]" in out
    assert run("lint", "--select", "require-pinned-image", "pod.yaml")[0] == 2
    assert "--select 'require-pinned-image' names no rule (did you mean 'require-pinned-images'?)" in (
        capsys.readouterr().err
    )


def test_the_summary_reaches_the_terminal_when_every_report_goes_to_a_file(here: Path) -> None:
    write(here, "pod.yaml", UNPINNED_POD)
    code, out = run("lint", "-f", "json=r.json", "-f", "sarif=r.sarif", "pod.yaml")
    assert code == 1 and out.splitlines()[-1].endswith("Gate: failed (exit 1).") and len(out.splitlines()) == 1
    assert json.loads((here / "r.json").read_text())["summary"]["exitCode"] == 1


def test_the_summary_points_to_explain_and_suppressions_and_uses_plurals(here: Path) -> None:
    write(here, "pod.yaml", UNPINNED_POD)
    write(here, "c.json", json.dumps(only("require-pinned-images")))
    _, out = run("lint", "-c", "c.json", "pod.yaml")
    summary, advice = out.splitlines()[-3], "\n".join(out.splitlines()[-2:])
    assert summary == "1 finding (1 failing the gate); 1 object in 1 document from 1 file. Gate: failed (exit 1)."
    assert "policypack explain RULE" in advice and "ignore.policypack.io/RULE" in advice
    assert "docs/suppressions.md" in advice
    write(
        here,
        "more.yaml",
        UNPINNED_POD.replace("name: p", "name: r") + "---\n" + UNPINNED_POD.replace("name: p", "name: q"),
    )
    _, out = run("lint", "-c", "c.json", "pod.yaml", "more.yaml")
    assert "3 findings (3 failing the gate); 3 objects in 3 documents from 2 files." in out
    write(here, "ok.yaml", UNPINNED_POD.replace("image: nginx", "image: nginx:1.27.3"))
    _, out = run("lint", "-c", "c.json", "ok.yaml")
    assert "policypack explain" not in out  # nothing to act on


# --- configs that never crash -----------------------------------------------------


EXEMPT_P = "require-pinned-images:\n  exemptions:\n    - {{name: p, reason: vendor image, expires: {expires}}}\n"


def test_an_unquoted_yaml_date_is_accepted_for_expires(here: Path) -> None:
    write(here, "pod.yaml", UNPINNED_POD)
    write(here, "c.yaml", EXEMPT_P.format(expires="2999-03-01"))
    assert run("check-config", "c.yaml") == (0, "c.yaml: valid\n")
    code, out = run("lint", "-c", "c.yaml", "--select", "require-pinned-images", "pod.yaml")
    assert code == 0 and "1 suppressed" in out
    write(here, "old.yaml", EXEMPT_P.format(expires="2020-03-01"))
    code, out = run("lint", "-v", "-c", "old.yaml", "--select", "require-pinned-images", "pod.yaml")
    assert code == 1 and "exemption expired on 2020-03-01" in out and "warning" not in out


@pytest.mark.parametrize("expires", ["2027-13-01", "2027-02-30", "2027-3-1", "20270301", "2027-03-01T10:00:00"])
def test_an_invalid_date_is_a_clear_error_naming_file_and_place(here: Path, capsys, expires: str) -> None:
    write(here, "c.yaml", EXEMPT_P.format(expires=expires))
    assert run("check-config", "c.yaml")[0] == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    assert "c.yaml: rule 'require-pinned-images': option 'exemptions.0.expires'" in err


def test_a_json_file_is_parsed_as_strict_json_like_pulumi_does(here: Path, capsys) -> None:
    write(here, "c.json", '{"require-pinned-images": {"requireDigest": true,}}')
    assert run("check-config", "c.json")[0] == 2
    assert "c.json:1:50: invalid JSON" in capsys.readouterr().err
    write(here, "c.yaml", '{"require-pinned-images": {"requireDigest": true,}}')  # YAML allows it
    assert run("check-config", "c.yaml")[0] == 0


@pytest.mark.parametrize(
    ("name", "text", "place"),
    [
        ("c.json", '{"require-pinned-images": "advisory", "require-pinned-images": "disabled"}', ""),
        ("c.yaml", "require-pinned-images: advisory\nrequire-pinned-images: disabled\n", "line 2, column 1: "),
        ("n.json", '{"require-pinned-images": {"requireDigest": true, "requireDigest": false}}', ""),
    ],
)
def test_a_rule_or_option_named_twice_is_refused(here: Path, capsys, name: str, text: str, place: str) -> None:
    write(here, name, text)
    assert run("check-config", name)[0] == 2
    assert f"{name}: {place}" in capsys.readouterr().err


def test_kubernetes_version_takes_the_v_kubectl_prints_and_refuses_versions_that_do_not_exist(
    here: Path, capsys
) -> None:
    write(here, "pod.yaml", UNPINNED_POD)
    assert run("lint", "--kubernetes-version", "v1.29", "pod.yaml")[0] == 1
    assert run("lint", "--kubernetes-version", "v1.29.3", "pod.yaml")[0] == 1
    code, out = run("profile", "pss-baseline", "--kubernetes-version", "v1.29")
    assert code == 0 and '"kubernetesVersion": "1.29"' in out
    capsys.readouterr()
    assert run("lint", "--kubernetes-version", "1.99", "pod.yaml")[0] == 2
    assert "Kubernetes 1.99 does not exist" in capsys.readouterr().err
    assert run("profile", "strict", "--kubernetes-version", "1.99")[0] == 2
    newest = max(
        (r.options["kubernetesVersion"]["default"] for r in load_registry() if "kubernetesVersion" in r.options),
        key=lambda v: int(v.split(".")[1]),
    )
    following = f"1.{int(newest.split('.')[1]) + 1}"
    capsys.readouterr()
    assert run("lint", "--kubernetes-version", following, "pod.yaml")[0] == 1  # may be just released: a warning
    assert f"Kubernetes {following} is newer than any version the rules know" in capsys.readouterr().err


# --- no silent no-ops -----------------------------------------------------------------

ANNOTATED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    ignore.policypack.io/require-pinned-image: "typo in the rule name"
    ignore.policypack.io/require-pinned-images.sidecar: "no such container"
    ignore.policypack.io/require-resource-limits.app: "a real container"
spec:
  template:
    metadata:
      annotations:
        ignore.policypack.io/require-liveness-probe.ap: "typo in the container"
    spec:
      containers:
        - name: app
          image: nginx:1.27.3
"""


def test_suppression_annotations_that_name_nothing_warn_and_fail_under_strict(here: Path) -> None:
    write(here, "web.yaml", ANNOTATED)
    code, out = run("lint", "--select", "require-pinned-images", "web.yaml")
    assert code == 0
    warnings = [line for line in out.splitlines() if ": warning: " in line]
    assert warnings == [
        "web.yaml:7:5: warning: annotation ignore.policypack.io/require-pinned-image suppresses nothing: "
        "no rule 'require-pinned-image' (did you mean 'require-pinned-images'?)",
        "web.yaml:8:5: warning: annotation ignore.policypack.io/require-pinned-images.sidecar suppresses nothing: "
        "no container 'sidecar' in Deployment web (containers: app)",
        "web.yaml:14:9: warning: annotation ignore.policypack.io/require-liveness-probe.ap suppresses nothing: "
        "no container 'ap' in Deployment web (did you mean 'app'?)",
    ]
    assert "3 warnings" in out.splitlines()[-1] or "3 warnings" in out
    code, out = run("lint", "--profile", "strict", "--select", "require-pinned-images", "web.yaml")
    assert code == 1 and "Gate: failed (exit 1)" in out
    code, out = run("lint", "-f", "json", "web.yaml")
    assert [w["line"] for w in json.loads(out)["warnings"]] == [7, 8, 14]


def test_a_container_suffix_on_an_object_without_containers_warns(here: Path) -> None:
    write(here, "cm.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n"
          "    ignore.policypack.io/no-public-load-balancer.web: reason\nspec: {type: ClusterIP}\n")  # fmt: skip
    _, out = run("lint", "cm.yaml")
    assert "Service has no containers (drop .web)" in out


ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
  annotations:
    ignore.policypack.io/require-pinned-images.app: "pinned by the release pipeline"
spec:
  template:
    metadata:
      annotations:
        ignore.policypack.io/require-resource-limits.apq: "typo in the container"
    spec:
      containers:
        - name: app
          image: nginx
"""


def test_container_suffixes_on_a_custom_resource_name_its_templates_containers(here: Path) -> None:
    # A Rollout's pod template is judged like a Deployment's: its containers are real.
    write(here, "rollout.yaml", ROLLOUT)
    _, out = run("lint", "--select", "require-pinned-images,require-resource-limits", "rollout.yaml")
    assert "1 suppressed" in out  # the .app suffix is honoured, and not warned about
    warnings = [line for line in out.splitlines() if ": warning: " in line]
    assert warnings == [
        "rollout.yaml:11:9: warning: annotation ignore.policypack.io/require-resource-limits.apq suppresses "
        "nothing: no container 'apq' in Rollout web (did you mean 'app'?)"
    ], out


def test_an_exemption_that_suppressed_nothing_warns(here: Path) -> None:
    write(here, "pod.yaml", UNPINNED_POD)
    config = {
        "require-pinned-images": {
            "exemptions": [
                {"name": "p", "reason": "used"},
                {"name": "gone-*", "namespace": "shop", "reason": "stale"},
            ]
        }
    }
    write(here, "c.json", json.dumps(config))
    code, out = run("lint", "-c", "c.json", "--select", "require-pinned-images", "pod.yaml")
    assert code == 0
    assert (
        "c.json: warning: exemption require-pinned-images.exemptions[1] (namespace=shop, name=gone-*) "
        "suppressed no finding in this run: remove it if stale"
    ) in out.splitlines()
    assert "exemptions[0]" not in out


def test_a_helm_chart_folder_says_how_to_lint_it_and_does_not_pass(here: Path) -> None:
    write(here, "chart/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    write(here, "chart/values.yaml", "replicaCount: 1\n")
    write(here, "chart/templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n{{ .Values.x }}\n")
    code, out = run("lint", "chart")
    assert code == 2
    assert "chart: error: is a Helm chart" in out and "helm template NAME chart | policypack lint -" in out
    assert run("lint", "--allow-empty", "chart")[0] == 0
    write(here, "k8s/pod.yaml", UNPINNED_POD.replace("image: nginx", "image: nginx:1.27.3"))
    code, out = run("lint", "--select", "require-pinned-images", "chart", "k8s")
    assert code == 0 and "chart: warning: Helm chart: its templates were not linted" in out


@pytest.mark.parametrize(
    "metadata",
    ["!!python/object/apply:os.system ['echo pwned']", "[a, b]", "just-a-name", "42"],
)
def test_metadata_that_is_not_a_mapping_is_a_malformed_object(here: Path, metadata: str) -> None:
    write(here, "cm.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata: {metadata}\ndata: {{a: b}}\n")
    code, out = run("lint", "cm.yaml")
    assert code == 2
    assert re.search(r"^cm\.yaml:3:\d+: error: malformed ConfigMap: metadata must be a mapping", out, re.M)
    assert "Gate: error (exit 2)" in out


def test_shop_hardened_example_passes_even_the_strict_profile() -> None:
    example = str(ROOT / "examples" / "manifests" / "shop-hardened.yaml")
    for argv in (["lint", example], ["lint", "--profile", "strict", example]):
        code, out = run(*argv)
        assert code == 0, out
        assert out.startswith("0 findings (0 failing the gate); 6 objects")
    assert run("lint", str(ROOT / "examples"))[0] == 1  # shop.yaml breaks the rules on purpose


# --- contributors: --help and the docs ----------------------------------------------


def test_every_subcommand_and_argument_has_a_description() -> None:
    import argparse

    from policypack.cli import build_parser

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    assert set(helps) == set(commands.choices) and all(helps.values())
    for name, sub in commands.choices.items():
        assert sub.description, f"{name} has no description"
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_profile_takes_the_name_as_lint_spells_it_too() -> None:
    assert run("profile", "strict") == run("profile", "--profile", "strict") == run("profile", "-p", "strict")
    assert run("profile")[0] == 2 and run("profile", "strict", "-p", "playbook")[0] == 2


def test_flags_in_the_readme_are_flags_of_the_cli() -> None:
    from policypack.cli import build_parser

    parser = build_parser()
    known = {
        option
        for sub in parser._subparsers._group_actions[0].choices.values()
        for action in sub._actions
        for option in action.option_strings
    }
    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"policypack (?:lint|profile|rules|explain|check-config|docs)\b[^\n`|]*", readme))
    flags = {flag for line in used for flag in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", line)}
    assert flags and flags <= known, sorted(flags - known)


def test_the_pre_commit_examples_pin_something_that_exists() -> None:
    """No `rev:` names a tag the repository does not have (there are none yet)."""
    import subprocess

    tags = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    for page in ("README.md", "docs/ci.md"):
        for rev in re.findall(r"^\s*rev:\s*(\S+)", (ROOT / page).read_text(), re.M):
            assert re.fullmatch(r"[0-9a-f]{40}", rev) or rev in tags, f"{page}: rev {rev} is no sha and no tag"


def test_ci_runs_the_readme_test_command_with_every_tier() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    command = [line for line in block.splitlines() if line and not line.startswith("#")][1]
    tests = command.split("&& .venv/bin/ruff check .", 1)[1]
    assert "--full" in tests and "-n auto" in tests
    assert (".venv/bin/ruff check ." + tests) in (ROOT / ".ci" / "run").read_text()


def test_the_fixture_harness_fails_on_an_offline_finding_without_a_line() -> None:
    from policypack.engine import Finding, Location, ObjectRef
    from policypack.lint import LintResult
    from policypack.rule import Enforcement, Severity
    from tests.support.harness import offline_lines

    def finding(location: Location | None) -> Finding:
        return Finding("r", Severity.LOW, Enforcement.ADVISORY, "m", (), ObjectRef("t"), location=location)

    placed = LintResult(findings=[finding(Location("f.yaml", 3, 1))])
    assert offline_lines(placed) == [("r", 3)]
    for where in (None, Location("f.yaml")):
        with pytest.raises(AssertionError, match="offline findings without a line"):
            offline_lines(LintResult(findings=[finding(where)]))


def test_the_readme_shows_the_output_as_printed(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```console\n", 1)[1].split("```", 1)[0]
    for command in block.split("\n$ ")[0:]:
        argv, *shown = command.removeprefix("$ ").splitlines()
        argv = argv.split("#")[0].split()[1:]
        _, out = run(*argv)
        printed = out.splitlines()
        for line in shown:
            if line and line != "...":
                assert line in printed, f"{' '.join(argv)}: README line not printed: {line!r}"
