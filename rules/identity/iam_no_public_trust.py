"""IAM roles cannot be assumed by anyone.

Fires on each `Allow` statement of a role's trust policy (`assumeRolePolicy` of
`aws:iam/role:Role`) that lets in every principal (`"Principal": "*"`,
`{"AWS": "*"}`, or `NotPrincipal`) without a condition that narrows who
(`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
`aws:PrincipalArn`, `aws:PrincipalTag/...`, `aws:SourceAccount`, `aws:SourceArn`,
`aws:SourceOrgID`, `aws:SourceIp`, `aws:SourceVpc(e)`, `sts:ExternalId`), and on a
web-identity statement (`Federated` OIDC provider, `sts:AssumeRoleWithWebIdentity`)
with no condition on the token's subject (`<provider>:sub`, or
`cognito-identity.amazonaws.com:aud` for Cognito identity pools).

Why it matters:
    A role any AWS account can assume is a public credential: anyone who learns
    its ARN gets its permissions. A GitHub Actions or EKS OIDC trust without a
    `sub` condition lets every repository on GitHub, or every service account in
    the cluster, assume the role.

How to fix:
    Name the principals (`{"AWS": "arn:aws:iam::123456789012:role/deployer"}`,
    `{"Service": "ec2.amazonaws.com"}`), or add a condition:

        "Condition": {"StringEquals": {
          "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main",
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}

Notes:
    A condition counts only with a positive operator (`StringEquals`, `StringLike`,
    `ArnLike`, `IpAddress`, ...; not `...IfExists` or `ForAllValues:`, which hold when
    the key is absent) and a value that is more than wildcards. An unknown principal
    or condition during preview is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import TRUST_POLICY_TYPES, Statement, constrains_principal, trust_policies
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

WEB_IDENTITY_PROVIDERS = (
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "cognito-identity.amazonaws.com",
)


def is_web_identity(provider: str) -> bool:
    return ":oidc-provider/" in provider or provider in WEB_IDENTITY_PROVIDERS


def subject_key(key: str) -> bool:
    return key.endswith(":sub") or key == "cognito-identity.amazonaws.com:aud"


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for document in trust_policies(resource):
        for statement in document.statements():
            if statement.allows:
                yield from judge(statement)


def judge(statement: Statement) -> Iterator[Violation]:
    if statement.has("NotPrincipal"):
        principals = statement.principals("NotPrincipal")
        anyone = statement.field_path("NotPrincipal") if principals is not None else None
    else:
        principals = statement.principals() or []
        anyone = next((p.path for p in principals if p.anyone), None)
    if anyone is not None:
        keys = statement.constrained_by(constrains_principal)
        if keys is not None and not keys:
            yield Violation(anyone, f"{statement.label} lets any AWS principal assume the role, with no condition")
        return
    for principal in principals or ():
        if principal.kind != "Federated" or not isinstance(principal.value, str):
            continue
        if not is_web_identity(principal.value):
            continue
        keys = statement.constrained_by(subject_key)
        if keys is not None and not keys:
            provider = principal.value.rsplit("oidc-provider/", 1)[-1]
            yield Violation(
                principal.path,
                f'{statement.label} lets any identity of "{provider}" assume the role: no condition on the subject',
            )


RULE = Rule(
    name="iam-no-public-trust",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types=TRUST_POLICY_TYPES,
    check=check,
    tags=("aws", "iam", "least-privilege", "trust-policy"),
)
