"""The offline loader on YAML and JSON as they are found in the wild."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import LintResult, lint_paths, lint_text, run_stack_rules
from policypack.loader import Document, InputError, Note, decode, expand_paths, parse_documents
from policypack.registry import load_registry

REGISTRY = load_registry()
# The Services here are shorthand without ports, which required-fields-missing would
# report beside the findings whose places these tests check.
ENGINE = Engine(REGISTRY, PackConfig.from_mapping({"required-fields-missing": "disabled"}, REGISTRY, "<test>"))


def docs(text: str) -> list[Document | InputError]:
    return list(parse_documents("f.yaml", text))


def lint(text: str, name: str = "f.yaml") -> LintResult:
    result = LintResult()
    lint_text(name, text, ENGINE, result)
    run_stack_rules(ENGINE, result)  # the public LoadBalancer's rule reads the set
    return result


PUBLIC_LB = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n"


def test_multi_document_positions_are_file_lines() -> None:
    text = "a: 1\n---\n# comment\n" + PUBLIC_LB + "---\n" + PUBLIC_LB
    result = lint(text)
    assert [f.location.line for f in result.findings] == [8, 14]
    assert [f.location.column for f in result.findings] == [3, 3]
    assert result.documents == 3 and result.objects == 2


def test_a_document_marker_inside_a_block_scalar_does_not_split() -> None:
    (doc,) = docs("data:\n  script: |\n    echo one\n    ---\n    echo two\n")
    assert doc.data == {"data": {"script": "echo one\n---\necho two\n"}}


def test_directives_and_document_end_markers() -> None:
    items = docs("a: 1\n...\n%YAML 1.1\n---\nb: 2\n")
    assert [d.data for d in items] == [{"a": 1}, {"b": 2}]


def test_yaml_1_1_equals_value_is_a_string() -> None:
    (doc,) = docs("default: =\nlist: [=, a]\n")
    assert doc.data == {"default": "=", "list": ["=", "a"]}


def test_yaml_1_1_scalars_keep_their_types() -> None:
    (doc,) = docs("a: yes\nb: 0755\nc: 1.5\nd: ~\ne: 2024-01-01\nf: '3'\ng: !!binary aGk=\nh: 0x1F\n")
    assert doc.data == {"a": True, "b": 493, "c": 1.5, "d": None, "e": "2024-01-01", "f": "3", "g": "aGk=", "h": 31}


def test_tags_never_construct_objects() -> None:
    (doc,) = docs("a: !!python/object/apply:os.system ['echo pwned']\nb: !custom value\n")
    assert doc.data == {"a": ["echo pwned"], "b": "value"}


def test_merge_keys() -> None:
    (doc,) = docs("base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\n")
    assert doc.data["obj"] == {"x": 1, "y": 3}


def test_duplicate_keys_are_reported_and_the_document_still_linted() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: ClusterIP\n  type: LoadBalancer\n"
    result = lint(text)
    assert [(e.line, e.column) for e in result.errors] == [(6, 3)]
    assert "duplicate key 'type' (first on line 5)" in result.errors[0].message
    assert [f.rule for f in result.findings] == ["no-public-load-balancer"]  # the last value is used


def test_a_go_template_is_a_parse_error_with_its_place_and_the_rest_is_linted() -> None:
    text = PUBLIC_LB + "---\nkind: Service\nmetadata:\n  labels:\n    cell: {{cell}}\n---\n" + PUBLIC_LB
    result = lint(text)
    assert [(e.line, e.column) for e in result.errors] == [(10, 12)]
    assert "render it first" in result.errors[0].message
    assert [f.location.line for f in result.findings] == [5, 16]


def test_scanner_errors_have_positions() -> None:
    (error,) = docs("a:\n\tb: 1\n")  # a tab in indentation
    assert isinstance(error, InputError) and error.line == 2 and "YAML parse error" in error.message


def test_empty_and_comment_only_documents_are_not_errors() -> None:
    result = lint("# just a comment\n---\n---\n\n")
    assert not result.errors and not result.findings and not result.notes


def test_non_kubernetes_yaml_is_skipped_with_a_note() -> None:
    result = lint(
        "replicaCount: 3\nimage: {repository: nginx}\n---\n- a\n- b\n---\njust a string\n---\nkind: Deployment\n"
    )
    assert not result.errors and result.objects == 0
    assert [n.message for n in result.notes] == [
        "skipped: not a Kubernetes object (no apiVersion and kind)",
        "skipped: document is a list, not an object",
        "skipped: document is a string, not an object",
        "skipped: not a Kubernetes object (no apiVersion)",
    ]


def test_a_kubernetes_object_without_its_api_version_is_an_error() -> None:
    # corpus16 (kong-dist-kubernetes): a Service that lost its apiVersion, which kubectl
    # refuses, was skipped quietly, and its public admin LoadBalancer went unjudged. A
    # document of another tool with a `kind` (no metadata) is still skipped with a note.
    text = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: proxy}\nspec: {ports: [{port: 80}]}\n---\n"
        "kind: Service\nmetadata:\n  name: kong-admin-ssl\nspec: {type: LoadBalancer}\n---\n"
        "kind: Deployment\nreplicas: 3\n"
    )
    result = lint(text)
    message = (
        "invalid Kubernetes object: Service kong-admin-ssl has no apiVersion (kubectl and the API server refuse it)"
    )
    assert [(e.line, e.message) for e in result.errors] == [(6, message)]
    assert result.objects == 1
    assert [n.message for n in result.notes] == ["skipped: not a Kubernetes object (no apiVersion)"]


def test_a_built_in_kind_in_a_group_that_does_not_serve_it_is_an_error() -> None:
    # corpus18 (joshperry/mail): Services written `apiVersion: apps/v1`, which kubectl
    # and the API server refuse, were judged as Services. Knative's Service (a custom
    # group) and a Deployment in the group it left (extensions) are objects as before.
    text = (
        "apiVersion: apps/v1\nkind: Service\nmetadata: {name: postfix}\nspec: {type: LoadBalancer}\n---\n"
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello}\n---\n"
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\n---\n"
        "apiVersion: v1\nkind: CronJob\nmetadata: {name: nightly}\n---\n"
        # corpus27 (kops' route53-mapper): a group without a dot is Kubernetes' own or
        # none (a custom resource's group is a domain); one without a known kind is left.
        "apiVersion: app/v1\nkind: Deployment\nmetadata: {name: route53-mapper}\n---\n"
        "apiVersion: app/v1\nkind: Widget\nmetadata: {name: w}\n"
    )
    result = lint(text)
    assert [(e.line, e.message) for e in result.errors] == [
        (1, "invalid Kubernetes object: apps/v1 serves no kind Service (it is in the core group (v1))"),
        (14, "invalid Kubernetes object: v1 serves no kind CronJob (it is in batch)"),
        (18, "invalid Kubernetes object: app/v1 serves no kind Deployment (it is in apps)"),
    ]
    assert result.objects == 2  # Knative's Service, the Widget (the old Deployment, podless, is a fragment)


def test_a_refused_workload_stands_in_for_the_pods_it_was_meant_to_run() -> None:
    # corpus41 (Rellikia): a Deployment written `apiVersion: v1` is an input error; the
    # Service meant for its pods is not also told it selects none. Its stand-in is read
    # as written, so a Service selecting labels it does not carry still is (the true
    # finding a stand-in of unknown content lost), and it gets no finding of its own.
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n  selector: {app: %s}\n"
    service += "  ports: [{port: 80}]\n---\n"
    deployment = (
        "apiVersion: v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: nginx:1.27}]}\n"
    )
    alone = lint(service % ("web", "web"))
    assert "service-selects-no-pods" in [f.rule for f in alone.findings]
    result = lint(service % ("web", "web") + service % ("app", "app") + deployment)
    assert [e.message for e in result.errors] == [
        "invalid Kubernetes object: v1 serves no kind Deployment (it is in apps)"
    ]
    assert [(f.rule, f.object.name) for f in result.findings if f.rule == "service-selects-no-pods"] == [
        ("service-selects-no-pods", "app")
    ]
    assert all(f.object.kind == "Service" for f in result.findings)
    assert result.objects == 2


def test_kind_that_is_not_a_string_is_an_error_at_its_place() -> None:
    result = lint("apiVersion: v1\nkind: [Service]\n")
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (2, 1, "invalid Kubernetes object: kind must be a string")
    ]


def test_unknown_kinds_and_crds_are_linted_without_findings() -> None:
    result = lint(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {containers: 3}\n---\n"
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n"
    )
    assert result.objects == 2 and not result.findings and not result.errors


def test_list_items_are_objects_with_their_own_lines() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n  - " + PUBLIC_LB.replace("\n", "\n    ").rstrip() + "\n"
    result = lint(text)
    assert result.objects == 1
    assert [(f.location.line, f.path) for f in result.findings] == [(8, ("spec", "type"))]


def test_typed_lists_are_expanded_too() -> None:
    text = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ServiceList",
            "items": [
                json.loads(json.dumps({"apiVersion": "v1", "kind": "Service", "spec": {"type": "LoadBalancer"}}))
            ],
        }
    )
    assert [f.rule for f in lint(text).findings] == ["no-public-load-balancer"]


def test_json_files_get_line_numbers() -> None:
    manifest = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}}
    text = json.dumps(manifest, indent=2)
    (finding,) = lint(text, "svc.json").findings
    assert (finding.location.file, finding.location.line, finding.location.column) == ("svc.json", 8, 5)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(ord("b"), ord("j")):
        prev = chr(i - 1)
        lines.append(f"{chr(i)}: &{chr(i)} [" + ",".join([f"*{prev}"] * 9) + "]")
    (error,) = docs("\n".join(lines) + "\n")  # refused from node sizes, before anything is built
    assert isinstance(error, InputError) and "alias bomb" in error.message


def test_small_aliases_are_fine() -> None:
    (doc,) = docs("x: &x {a: 1}\ny: *x\n")
    assert doc.data == {"x": {"a": 1}, "y": {"a": 1}}


def test_recursive_alias_is_refused() -> None:
    (error,) = docs("a: &a\n  b: *a\n")
    assert isinstance(error, InputError) and "recursive alias" in error.message


@pytest.mark.parametrize("depth", [600, 5000])
def test_deep_nesting_is_an_error_not_a_crash(depth: int) -> None:
    text = "a: " + "[" * depth + "]" * depth + "\n"
    (error,) = docs(text)
    assert isinstance(error, InputError) and error.line == 1


def test_invalid_utf8_names_the_place() -> None:
    error = decode(b"a: 1\nb: caf\xe9\n", "bad.yaml")
    assert isinstance(error, InputError)
    assert (error.line, error.column) == (2, 7) and "invalid UTF-8" in error.message


def test_binary_files_are_refused() -> None:
    error = decode(b"\x89PNG\r\n\x1a\n\x00\x00", "image.yaml")
    assert isinstance(error, InputError) and "binary file" in error.message


def test_byte_order_marks_and_crlf() -> None:
    assert decode(b"\xef\xbb\xbfa: 1\r\n", "x") == "a: 1\r\n"
    assert decode("a: 1\n".encode("utf-16"), "x") == "a: 1\n"
    result = lint(PUBLIC_LB.replace("\n", "\r\n"))
    assert [f.location.line for f in result.findings] == [5]


def test_stack_exports_are_read_by_urn(tmp_path: Path) -> None:
    export = {
        "version": 3,
        "deployment": {
            "resources": [
                {"urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "type": "pulumi:pulumi:Stack"},
                {
                    "urn": "urn:pulumi:dev::p::kubernetes:core/v1:Service::web",
                    "type": "kubernetes:core/v1:Service",
                    "inputs": {"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}},
                },
                {
                    "urn": "urn:pulumi:dev::p::aws:iam/policy:Policy::admin",
                    "type": "aws:iam/policy:Policy",
                    "inputs": {"policy": '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'},
                },
            ]
        },
    }
    result = lint(json.dumps(export, indent=2), "stack.json")
    assert sorted((f.rule, f.object.urn) for f in result.findings) == [
        ("no-iam-admin-wildcards", "urn:pulumi:dev::p::aws:iam/policy:Policy::admin"),
        ("no-public-load-balancer", "urn:pulumi:dev::p::kubernetes:core/v1:Service::web"),
    ]
    assert all(f.location.line and f.location.line > 5 for f in result.findings)


# --- files and directories ----------------------------------------------------


def test_directories_are_walked_in_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "svc.yml").write_text(PUBLIC_LB)
    (tmp_path / "a.yaml").write_text(PUBLIC_LB)
    (tmp_path / "c.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("not yaml")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text(PUBLIC_LB)
    files = [p for p in expand_paths([str(tmp_path)]) if isinstance(p, str)]
    assert [os.path.relpath(p, tmp_path) for p in files] == ["a.yaml", "c.json", os.path.join("b", "svc.yml")]


def test_helm_chart_templates_are_skipped_with_a_note(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "svc.yaml").write_text("kind: Service\nmetadata: {name: {{ .Release.Name }}}\n")
    items = list(expand_paths([str(tmp_path)]))
    assert [os.path.basename(p) for p in items if isinstance(p, str)] == ["Chart.yaml"]
    assert any(isinstance(n, Note) and "helm template" in n.message for n in items)


def test_symlink_loops_end(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.yaml").write_text("a: 1\n")
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    items = list(expand_paths([str(tmp_path)]))
    assert [os.path.relpath(p, tmp_path) for p in items if isinstance(p, str)] == [os.path.join("d", "x.yaml")]
    assert [n.message for n in items if isinstance(n, Note)] == ["skipped: symbolic link loop"]


def test_a_symlink_loop_named_as_input_is_called_a_loop(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.yaml", tmp_path / "a.yaml")
    os.symlink(tmp_path / "a.yaml", tmp_path / "b.yaml")
    os.symlink(tmp_path / "gone.yaml", tmp_path / "c.yaml")
    items = list(expand_paths([str(tmp_path / "a.yaml"), str(tmp_path / "c.yaml")]))
    assert [(os.path.basename(e.file), e.message) for e in items if isinstance(e, InputError)] == [
        ("a.yaml", "symbolic link loop"),
        ("c.yaml", "broken symbolic link"),
    ]


def test_missing_and_unreadable_inputs_are_errors_and_the_rest_is_linted(tmp_path: Path) -> None:
    good = tmp_path / "svc.yaml"
    good.write_text(PUBLIC_LB.replace("name: web", "name: svc"))  # (not a copy of locked.yaml's)
    locked = tmp_path / "locked.yaml"
    locked.write_text(PUBLIC_LB)
    locked.chmod(0)
    result = lint_paths([str(tmp_path / "missing.yaml"), str(locked), str(good)], ENGINE)
    messages = [e.message for e in result.errors]
    assert "no such file or directory" in messages[0]
    if os.geteuid() != 0:  # root reads anything
        assert "cannot read" in messages[1]
    assert [f.location.file for f in result.findings][-1] == str(good)


def test_typed_list_items_may_leave_out_kind_and_api_version() -> None:
    text = (
        "apiVersion: v1\nkind: ServiceList\nitems:\n  - metadata: {name: a}\n    spec: {type: LoadBalancer}\n  - 42\n"
    )
    result = lint(text)
    assert [(f.rule, f.location.line) for f in result.findings] == [("no-public-load-balancer", 5)]
    assert [(n.line, n.message) for n in result.notes] == [(6, "skipped items[1]: not a Kubernetes object")]


def test_generic_list_items_need_their_own_kind() -> None:
    result = lint("apiVersion: v1\nkind: List\nitems:\n  - metadata: {name: a}\n")
    assert result.objects == 0 and result.notes[0].message == "skipped items[0]: not a Kubernetes object"


# --- found in review: each of these once crashed, misplaced or misread -----------


@pytest.mark.parametrize(
    ("text", "place", "message"),
    [
        ("a: 0x_\n", (1, 4), "cannot read this value as an integer"),
        ("spec: {type: !!int foo}\n", (1, 14), "cannot read this value as an integer"),
        ("a: !!float x\n", (1, 4), "cannot read this value as a number"),
        ("a: !!bool maybe\n", (1, 4), "cannot read this value as a boolean"),
        ("a: " + "1" * 5000 + "\n", (1, 4), "as an integer"),
    ],
)
def test_unreadable_scalars_are_errors_at_their_place(text: str, place: tuple, message: str) -> None:
    result = lint(PUBLIC_LB + "---\n" + text + "---\n" + PUBLIC_LB)
    (error,) = result.errors
    assert (error.line, error.column) == (place[0] + 6, place[1]) and message in error.message
    assert len(result.findings) == 2  # the documents around it are still linted


def test_json_surrogate_pair_escapes_are_read() -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "annotations": {"owner": "team \U0001f600"}},
        "spec": {"type": "LoadBalancer"},
    }
    text = json.dumps(manifest, indent=2)
    assert "\\ud83d\\ude00" in text
    result = lint(text, "svc.json")
    assert not result.errors
    assert [(f.rule, f.location.line) for f in result.findings] == [("no-public-load-balancer", 11)]


def test_directives_with_comments_before_the_document_start() -> None:
    result = lint("%YAML 1.1\n# a comment\n\n---\n" + PUBLIC_LB)
    assert not result.errors and [f.location.line for f in result.findings] == [9]


def test_a_byte_order_mark_before_a_later_document() -> None:
    result = lint("a: 1\n\ufeff---\n" + PUBLIC_LB)
    assert not result.errors and [f.location.line for f in result.findings] == [7]


def test_forbidden_characters_are_errors_at_their_place_and_the_rest_is_linted() -> None:
    text = PUBLIC_LB + "---\n" + 'apiVersion: v1\nkind: ConfigMap\ndata:\n  x: "a\x01b"\n' + "---\n" + PUBLIC_LB
    result = lint(text)
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (10, 8, "YAML parse error: character U+0001 is not allowed in YAML")
    ]
    assert [f.location.line for f in result.findings] == [5, 16]


def test_forbidden_characters_far_into_a_stream_do_not_repeat_earlier_documents() -> None:
    text = PUBLIC_LB + "---\nfiller: [" + ", ".join(["x"] * 20000) + ']\n---\nbad: "\x7f"\n---\n' + PUBLIC_LB
    result = lint(text)
    assert len(result.errors) == 1 and "U+007F" in result.errors[0].message
    assert [f.location.line for f in result.findings] == [5, 15]


def test_unicode_line_separators_do_not_shift_lines() -> None:
    text = (
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations: {note: "a\u2028b"}\n'
        "spec:\n  type: LoadBalancer\n"
    )
    (finding,) = lint(text).findings
    assert (finding.location.line, finding.location.column) == (7, 3)


@pytest.mark.parametrize("stray", ["\r", "\r\r\r"])
def test_a_carriage_return_without_line_feed_does_not_shift_lines(stray: str) -> None:
    # libyaml counts a lone CR as a line break; grep and the report count line feeds.
    text = f"apiVersion: v1\nkind: Service\nmetadata:\n  {stray}name: web\nspec:\n  type: LoadBalancer\n"
    # (libyaml reads `name` at the top level, which unknown-fields reports: not this test's subject)
    (finding,) = [f for f in lint(text).findings if f.rule == "no-public-load-balancer"]
    assert (finding.location.line, finding.location.column) == (6, 3)
    (error,) = docs("a: 1\r\nb: 2\r" + stray + "c: [\n")  # the error is at the end: line 3, column 1
    assert isinstance(error, InputError) and (error.line, error.column) == (3, 1)


def test_nesting_just_under_the_parser_limit_is_an_error_with_a_place() -> None:
    text = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 400))
    (error,) = docs(text)
    assert isinstance(error, InputError) and "nesting deeper than" in error.message and error.column


def test_alias_budget_is_per_file() -> None:
    bomb = ["a: &a [" + ",".join(["x"] * 100) + "]", "b: &b [" + ",".join(["*a"] * 100) + "]"]
    one = "\n".join(bomb) + "\nc: [" + ",".join(["*b"] * 9) + "]\n"  # ~100k values each
    text = "---\n".join([one] * 12)
    items = docs(text)
    refused = [i for i in items if isinstance(i, InputError)]
    assert refused and "alias bomb" in refused[0].message
    assert sum(isinstance(i, Document) for i in items) < 12


def _export(*entries: dict) -> str:
    return json.dumps({"version": 3, "deployment": {"resources": list(entries)}}, indent=2)


def _pod_entry(name: str, image: object, **extra) -> dict:
    return {
        "urn": f"urn:pulumi:dev::p::kubernetes:core/v1:Pod::{name}",
        "type": "kubernetes:core/v1:Pod",
        "inputs": {
            "metadata": {"name": name},
            "spec": {
                "replicas": 2.0,
                "containers": [
                    {
                        "name": "c",
                        "image": image,
                        "resources": {"limits": {"cpu": 1.0, "memory": "1Gi"}},
                    }
                ],
            },
        },
        **extra,
    }


SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def test_stack_export_secrets_unknowns_and_entries_pulumi_does_not_analyse() -> None:
    text = _export(
        _pod_entry("plain", "nginx:latest"),
        _pod_entry("shown-secret", {**SECRET_SIG, "plaintext": '"nginx:latest"'}),
        _pod_entry("encrypted-secret", {**SECRET_SIG, "ciphertext": "v1:abc"}),
        _pod_entry("unknown", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"),
        _pod_entry("pending-delete", "nginx:latest", delete=True),
        _pod_entry("read-only", "nginx:latest", external=True),
    )
    result = lint(text, "stack.json")
    assert not result.errors and not result.rule_errors
    assert result.objects == 4  # the deleted copy and the external resource are not judged
    flagged = sorted(f.object.urn.rsplit("::", 1)[-1] for f in result.findings if f.rule == "require-pinned-images")
    assert flagged == ["plain", "shown-secret"]  # encrypted and unknown images are not judged


def test_a_document_that_is_no_object_among_kubernetes_objects_is_an_error() -> None:
    # corpus46 (OpenShift's managed-cluster-config): a CronJob file opening with a bare
    # URL line, its own YAML document; kubectl refuses the whole file. In a file of
    # something else, the same document is only skipped (above).
    result = lint("https://example.com/runbook\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    assert [(e.line, e.message) for e in result.errors] == [
        (1, "invalid document: a string among Kubernetes objects, not an object (kubectl refuses the file)")
    ]
    assert result.objects == 1
