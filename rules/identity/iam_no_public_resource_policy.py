"""Resource policies do not open a bucket, repository, queue, topic or secret to anyone.

Fires on each `Allow` statement of a resource policy (`aws:s3/bucketPolicy:BucketPolicy`,
`aws:ecr/repositoryPolicy:RepositoryPolicy`, `aws:sqs/queuePolicy:QueuePolicy`,
`aws:sns/topicPolicy:TopicPolicy`, `aws:secretsmanager/secretPolicy:SecretPolicy`)
whose principal is everyone (`"*"`, `{"AWS": "*"}`, or `NotPrincipal`) and that has no
condition narrowing who may call it (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalTag/...`,
`aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`, `aws:SourceVpc`,
`aws:SourceVpce`, `aws:SourceIp`, `aws:userid`).

Why it matters:
    A statement for `*` is for every AWS account and, for S3, anonymous callers
    on the internet: public buckets are the classic data leak, a public ECR
    repository gives away images with their embedded configuration, a public queue
    or topic accepts anyone's messages.

How to fix:
    Name the principals, or keep `*` and add a condition on who calls:

        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}

    For a website, serve the bucket through CloudFront with origin access control
    (`aws:SourceArn` of the distribution) rather than a public bucket.

Notes:
    `aws:SecureTransport` and other conditions on how a call is made do not narrow
    who makes it. An unknown principal or condition during preview is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import RESOURCE_POLICY_TYPES, constrains_principal, resource_policies
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for document in resource_policies(resource):
        for statement in document.statements():
            if not statement.allows:
                continue
            if statement.has("NotPrincipal"):
                where = (
                    statement.field_path("NotPrincipal") if statement.principals("NotPrincipal") is not None else None
                )
            else:
                where = next((p.path for p in statement.principals() or () if p.anyone), None)
            if where is None:
                continue
            keys = statement.constrained_by(constrains_principal)
            if keys is None or keys:
                continue
            actions = ", ".join(f'"{a.value}"' for a in statement.actions()[:3]) or "its actions"
            yield Violation(where, f"{statement.label} allows anyone {actions}, with no condition on who calls")


RULE = Rule(
    name="iam-no-public-resource-policy",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types=RESOURCE_POLICY_TYPES,
    check=check,
    tags=("aws", "iam", "least-privilege", "data-exposure"),
)
