"""IAM policies do not allow every action, or every action of a service, on every resource.

Fires on each `Allow` statement of an identity-based policy (`aws:iam/policy:Policy`,
`rolePolicy`, `userPolicy`, `groupPolicy`, and a Role's `inlinePolicies`) whose
`Action` includes `*` or a whole-service wildcard (`iam:*`, `s3:*`, and spellings
such as `i*:*` or `s3:*?`), and whose `Resource` includes `*` or an ARN that covers
every resource of its service (`arn:aws:s3:::*`). Actions are compared without case,
as IAM does. The document may be a JSON string or an object.

Why it matters:
    `*` on `*` is administrator access: whoever assumes the role can read every
    secret, delete every backup and grant themselves anything. A whole-service
    wildcard on every resource is nearly as bad: `iam:*` is administrator access
    with one extra step, `s3:*` on `*` reads and deletes every bucket in the account.
    Node and pod roles of a Kubernetes cluster are reachable by any workload that can
    reach the instance metadata or a projected token.

How to fix:
    Name the actions the workload calls and the ARNs it calls them on:

        {"Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::orders-exports/*"}

    IAM Access Analyzer can generate a policy from CloudTrail activity.

Notes:
    `NotAction` and `NotResource` with `Allow`, and narrower wildcards such as
    `s3:Get*`, are not judged by this rule. Conditions do not exempt a statement:
    administrator access under a condition is still administrator access whenever
    the condition holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import IDENTITY_POLICY_TYPES, every_resource, identity_policies, wildcard_scope
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for document in identity_policies(resource):
        for statement in document.statements():
            if not statement.allows:
                continue
            resources = statement.values("Resource")
            everything = [r.value for r in resources or () if isinstance(r.value, str) and every_resource(r.value)]
            if not everything:
                continue  # scoped, unknown during preview, or NotResource (another rule's concern)
            scoped = [
                (a, wildcard_scope(a.value)) for a in statement.values("Action") or () if isinstance(a.value, str)
            ]
            wildcards = [(a, scope) for a, scope in scoped if scope]
            if not wildcards:
                continue
            listed = ", ".join(f'"{a.value}"' for a, _ in wildcards)
            on = ", ".join(f'"{r}"' for r in everything)
            if any(scope == "admin" for _, scope in wildcards):
                meaning = "administrator access"
            else:
                meaning = "every action of the service on every resource"
            yield Violation(wildcards[0][0].path, f"{statement.label} allows {listed} on {on}: {meaning}")


RULE = Rule(
    name="no-iam-admin-wildcards",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types=IDENTITY_POLICY_TYPES,
    check=check,
    tags=("aws", "iam", "least-privilege"),
)
