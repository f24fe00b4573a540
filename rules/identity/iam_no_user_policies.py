"""IAM users get permissions through groups or roles, not their own policies.

Fires on an inline user policy (`aws:iam/userPolicy:UserPolicy`), a managed policy
attached to a user (`aws:iam/userPolicyAttachment:UserPolicyAttachment`,
`aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive` with
policies), and an `aws:iam/policyAttachment:PolicyAttachment` whose `users` is not
empty (CIS AWS Foundations 1.15).

Why it matters:
    Permissions attached user by user drift apart, survive the person's change of
    job, and cannot be reviewed by looking at a handful of groups or roles. Users
    with long-lived access keys and their own policies are also the identities
    attackers find first.

How to fix:
    Attach the policy to a group (`aws:iam/groupPolicyAttachment`) and add the user
    to it, or better, give people roles through IAM Identity Center and workloads
    roles they assume.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, is_unknown

USER_POLICY = "aws:iam/userPolicy:UserPolicy"
USER_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
USER_EXCLUSIVE = "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"


def named(value: Any) -> str:
    return f' "{value}"' if isinstance(value, str) else ""


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.type == USER_POLICY:
        yield Violation(("user",), f"an inline policy is attached to user{named(resource.get('user'))}")
    elif resource.type == USER_ATTACHMENT:
        yield Violation(("user",), f"a managed policy is attached to user{named(resource.get('user'))}")
    elif resource.type == USER_EXCLUSIVE:
        if [p for p in as_list(resource.get("policyArns")) if not is_unknown(p)]:
            yield Violation(("policyArns",), f"managed policies are attached to user{named(resource.get('userName'))}")
    elif resource.type == POLICY_ATTACHMENT:
        users = [u for u in as_list(resource.get("users")) if not is_unknown(u)]
        if users:
            names = ", ".join(f'"{u}"' for u in users if isinstance(u, str))
            yield Violation(("users",), f"a managed policy is attached to user(s) {names}".rstrip())


RULE = Rule(
    name="iam-no-user-policies",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    types={USER_POLICY, USER_ATTACHMENT, USER_EXCLUSIVE, POLICY_ATTACHMENT},
    check=check,
    tags=("aws", "iam", "cis-aws-1.15"),
)
