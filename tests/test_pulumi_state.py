"""Pulumi previews (`pulumi preview --json`) read offline: recognised by content,
judged by the new state of each step, reported by URN."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from policypack.cli import main
from policypack.engine import Engine
from policypack.lint import LintResult, lint_text, run_stack_rules
from policypack.pulumi_state import is_preview_digest, is_stack_export, preview_resources
from policypack.registry import load_registry
from policypack.values import UNKNOWN

REGISTRY = load_registry()
STACK = "urn:pulumi:dev::platform::pulumi:pulumi:Stack::platform-dev"
PROVIDER = "urn:pulumi:dev::platform::pulumi:providers:aws::default_6_66_0::04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def repo_urn(name: str) -> str:
    return f"urn:pulumi:dev::platform::aws:ecr/repository:Repository::{name}"


def state(urn: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A resource state as `stack.SerializeResource` writes it."""
    token = urn.split("::")[2]
    return {"urn": urn, "custom": True, "type": token, "inputs": inputs, "outputs": {}, "parent": STACK, **extra}


def step(op: str, urn: str, new: dict | None = None, old: dict | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"op": op, "urn": urn, "provider": PROVIDER}
    if old is not None:
        out["oldState"] = old
    if new is not None:
        out["newState"] = new
    return out


MUTABLE = {"name": "x", "imageTagMutability": "MUTABLE", "imageScanningConfiguration": {"scanOnPush": True}}


def preview() -> dict[str, Any]:
    """A preview digest with one step of each kind that matters."""
    return {
        "config": {"aws:region": "eu-west-1"},
        "steps": [
            step("same", STACK, new={"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack"}),
            step(
                "create", PROVIDER.rsplit("::", 1)[0], new=state(PROVIDER.rsplit("::", 1)[0], {"region": "eu-west-1"})
            ),
            step("create", repo_urn("created"), new=state(repo_urn("created"), MUTABLE)),
            step(
                "update",
                repo_urn("updated"),
                new=state(repo_urn("updated"), MUTABLE),
                old=state(repo_urn("updated"), {}),
            ),
            step("same", repo_urn("same"), new=state(repo_urn("same"), MUTABLE)),
            # A replacement appears as several steps of one URN: judged once.
            step("create-replacement", repo_urn("replaced"), new=state(repo_urn("replaced"), MUTABLE)),
            step("replace", repo_urn("replaced"), new=state(repo_urn("replaced"), MUTABLE)),
            step("delete-replaced", repo_urn("replaced"), old=state(repo_urn("replaced"), MUTABLE)),
            # Deletes and reads leave nothing managed by this stack to judge.
            step("delete", repo_urn("deleted"), old=state(repo_urn("deleted"), MUTABLE)),
            step("read", repo_urn("read"), new=state(repo_urn("read"), MUTABLE, external=True)),
            # Masked secrets and values computed during the update are not judged.
            step(
                "create",
                repo_urn("secret"),
                new=state(repo_urn("secret"), {**MUTABLE, "imageTagMutability": "[secret]"}),
            ),
            step(
                "create",
                repo_urn("computed"),
                new=state(repo_urn("computed"), {**MUTABLE, "imageTagMutability": UNKNOWN_STRING}),
            ),
        ],
        "duration": 2718281828,
        "changeSummary": {"create": 5, "update": 1, "replace": 1, "delete": 1, "same": 2},
    }


def test_previews_are_recognised_by_content() -> None:
    assert is_preview_digest(preview())
    assert is_preview_digest({"changeSummary": {"same": 4}, "duration": 1000})  # nothing to change: no steps
    assert not is_stack_export(preview())
    assert not is_preview_digest({"version": 3, "deployment": {"resources": []}})
    # Other YAML with "steps": a Tekton task (a Kubernetes object), a CI job.
    assert not is_preview_digest(
        {"apiVersion": "tekton.dev/v1", "kind": "Task", "steps": [{"op": "x", "newState": {}}]}
    )
    assert not is_preview_digest({"steps": [{"name": "build", "run": "make"}]})
    assert not is_preview_digest({"steps": "create"})


def test_each_resource_that_will_exist_is_judged_once_by_its_new_inputs() -> None:
    judged = [(resource.urn, resource.get("imageTagMutability")) for resource, _ in preview_resources(preview())]
    # pulumi:* types (the stack, the provider) are skipped, as are deletes and reads.
    assert [urn for urn, _ in judged] == [
        repo_urn(name) for name in ("created", "updated", "same", "replaced", "secret", "computed")
    ]
    assert dict(judged)[repo_urn("secret")] is UNKNOWN
    assert dict(judged)[repo_urn("computed")] is UNKNOWN


def test_paths_point_into_the_steps_new_state() -> None:
    paths = {resource.urn: path for resource, path in preview_resources(preview())}
    assert paths[repo_urn("created")] == ("steps", 2, "newState", "inputs")
    assert paths[repo_urn("replaced")] == ("steps", 5, "newState", "inputs")


def lint_json(text: str) -> LintResult:
    """As `policypack lint` reads a preview or stack export: stack rules included."""
    result = LintResult()
    engine = Engine(REGISTRY)
    lint_text("preview.json", text, engine, result)
    run_stack_rules(engine, result)
    return result


def test_lint_reports_preview_findings_by_urn_and_line() -> None:
    text = json.dumps(preview(), indent=4)  # as `pulumi preview --json` prints it
    result = lint_json(text)
    assert not result.errors and not result.rule_errors
    found = sorted((f.object.urn, f.rule) for f in result.findings)
    assert found == sorted(
        (repo_urn(name), "ecr-immutable-tags") for name in ("created", "updated", "same", "replaced")
    )
    lines = text.splitlines()
    for finding in result.findings:
        assert finding.location and finding.location.line
        assert '"imageTagMutability": "MUTABLE"' in lines[finding.location.line - 1]


def test_kubernetes_resources_in_a_preview_are_judged_as_manifests() -> None:
    urn = "urn:pulumi:dev::platform::kubernetes:core/v1:Service::web"
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
    }
    digest = {"steps": [step("create", urn, new=state(urn, service))], "duration": 1, "changeSummary": {"create": 1}}
    result = lint_json(json.dumps(digest, indent=2))
    assert [(f.rule, f.object.kind, f.object.urn) for f in result.findings] == [
        ("no-public-load-balancer", "Service", urn)
    ]


def test_kubernetes_objects_in_a_preview_belong_to_their_providers_cluster() -> None:
    urn = "urn:pulumi:dev::platform::kubernetes:core/v1:ConfigMap::settings"
    provider = "urn:pulumi:dev::platform::pulumi:providers:kubernetes::prod-cluster"
    new = state(
        urn, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}, provider=f"{provider}::1a2b"
    )
    digest = {"steps": [step("create", urn, new=new)], "duration": 1, "changeSummary": {"create": 1}}
    ((resource, _),) = preview_resources(digest)
    assert resource.cluster == provider


def test_cli_gates_on_a_preview_file(tmp_path: Path) -> None:
    bad = tmp_path / "preview.json"
    bad.write_text(json.dumps(preview(), indent=4))
    out = io.StringIO()
    assert main(["lint", "--fail-on", "medium", str(bad)], stdout=out) == 1
    assert repo_urn("created") in out.getvalue()
    empty = tmp_path / "nothing.json"
    empty.write_text(json.dumps({"changeSummary": {"same": 3}, "duration": 5}))
    assert main(["lint", str(empty)], stdout=io.StringIO()) == 0


def test_the_example_stack_mixes_compliant_and_violating_resources() -> None:
    path = Path(__file__).resolve().parent.parent / "examples" / "stacks" / "eks-platform.json"
    result = LintResult()
    engine = Engine(REGISTRY)
    lint_text(str(path), path.read_text(encoding="utf-8"), engine, result)
    run_stack_rules(engine, result)
    assert not result.errors and not result.rule_errors
    found = {(f.rule, f.object.urn.rsplit("::", 1)[-1]) for f in result.findings if f.object.urn}
    # Other rules may find more in the Kubernetes workloads; these must be there.
    assert found >= {
        ("no-iam-admin-wildcards", "eks-nodes"),
        ("eks-supported-version", "platform"),
        ("eks-endpoint-access-restricted", "platform"),
        ("ec2-launch-template-imdsv2", "nodes"),
        ("eks-node-group-no-open-ssh", "batch"),
        ("ecr-scan-on-push", "ops-tools"),
        ("ecr-immutable-tags", "ops-tools"),
        ("require-resource-limits", "ops-console"),
        ("require-pinned-images", "ops-console"),
        ("no-public-load-balancer", "ops-console"),
    }
    # The compliant half: cloud resources, and the storefront workload with its Service,
    # NetworkPolicies and PodDisruptionBudget.
    compliant = {"eks-cluster", "ci-push-storefront", "eks-secrets", "general", "storefront", "default-deny"}
    assert [f.message for f in result.findings if f.object.urn.rsplit("::", 1)[-1] in compliant] == []
    assert any(f.blocks for f in result.findings)  # `policypack lint examples/` exits 1
