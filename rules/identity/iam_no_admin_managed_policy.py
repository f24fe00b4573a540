"""No AdministratorAccess, PowerUserAccess or IAMFullAccess attachments.

Fires on each attachment of an AWS managed policy named in `policies`
(`arn:aws:iam::aws:policy/AdministratorAccess`, `PowerUserAccess`, `IAMFullAccess`
by default; any partition, any path) by `aws:iam/rolePolicyAttachment`,
`userPolicyAttachment`, `groupPolicyAttachment`, `policyAttachment` (`policyArn`),
the `*PolicyAttachmentsExclusive` resources (`policyArns`), and a Role's
`managedPolicyArns`.

Why it matters:
    AdministratorAccess is `*` on `*`. IAMFullAccess is administrator access with
    one extra step (attach AdministratorAccess to yourself). PowerUserAccess allows
    everything but IAM and Organizations: every secret, every key, every bucket,
    and `iam:PassRole`-free ways to run code with the account's other roles. A
    workload, CI pipeline or node role holding one of these is the account.

How to fix:
    Attach a policy that lists what the identity needs: a customer-managed policy,
    or a narrow AWS managed policy (`AmazonS3ReadOnlyAccess`,
    `AmazonEKSWorkerNodePolicy`). For humans, use IAM Identity Center permission
    sets with break-glass access kept outside application stacks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import MANAGED_POLICY_TYPES, managed_policy_arns
from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation

AWS_MANAGED = lazy_compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:[^*?]*/)?(?P<name>[^/]+)$")


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    denied = {str(p) for p in options["policies"]}
    for arn in managed_policy_arns(resource):
        if not isinstance(arn.value, str):
            continue
        match = AWS_MANAGED.match(arn.value)
        if match and match["name"] in denied:
            yield Violation(arn.path, f'attaches the AWS managed policy "{match["name"]}" ({arn.value})')


RULE = Rule(
    name="iam-no-admin-managed-policy",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types=MANAGED_POLICY_TYPES,
    check=check,
    options={
        "policies": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"],
            "description": "Names of AWS managed policies that must not be attached (the last part of the ARN).",
        }
    },
    tags=("aws", "iam", "least-privilege"),
)
