"""IAM policies do not allow every action, or every action of a service, on every resource.

Fires on each `Allow` statement of an identity-based policy (`aws:iam/policy:Policy`,
`rolePolicy`, `userPolicy`, `groupPolicy`, and a Role's `inlinePolicies`) whose
`Action` includes `*` or a whole-service wildcard such as `iam:*` or `s3:*`, and whose
`Resource` includes `*`. The document may be a JSON string or an object.

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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import IDENTITY_POLICY_TYPES, identity_policies
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

_SERVICE_WILDCARD = re.compile(r"^(?:\*|[a-z0-9-]+:\*|\*:\*)$", re.IGNORECASE)


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for document in identity_policies(resource):
        for statement in document.statements():
            if not statement.allows:
                continue
            resources = statement.values("Resource")
            if not resources or not any(r.value == "*" for r in resources):
                continue  # scoped, unknown during preview, or NotResource (another rule's concern)
            actions = statement.values("Action") or []
            wildcards = [a for a in actions if isinstance(a.value, str) and _SERVICE_WILDCARD.match(a.value)]
            if not wildcards:
                continue
            listed = ", ".join(f'"{a.value}"' for a in wildcards)
            if any(a.value in ("*", "*:*") for a in wildcards):
                meaning = "administrator access"
            else:
                meaning = "every action of the service on every resource"
            yield Violation(wildcards[0].path, f'{statement.label} allows {listed} on "*": {meaning}')


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
