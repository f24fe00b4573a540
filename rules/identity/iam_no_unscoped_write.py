"""IAM policies do not grant write actions on every resource when they can be scoped.

Fires on each `Action` entry of an `Allow` statement in an identity-based policy
(`aws:iam/policy:Policy`, `rolePolicy`, `userPolicy`, `groupPolicy`, a Role's
`inlinePolicies`) whose `Resource` is `*` (or every resource of a service or type,
or `NotResource`) and which grants, by name or by wildcard, actions of the
"Write" or "Permissions management" access level that AWS lets a policy scope to
resources. The IAM action database says which: actions that only work on `*`
(`xray:PutTraceSegments`) are
not judged, nor are those in `allowedActions`.

Why it matters:
    `dynamodb:DeleteTable` on `*` deletes any table of the account, not the one the
    service owns; `sqs:SendMessage` on `*` lets a compromised worker inject jobs
    into every queue. Writes are where a stolen credential does damage, and a
    resource ARN is the cheapest limit there is.

How to fix:
    Put the ARNs the workload writes to in `Resource`:

        {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
         "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"}

Notes:
    A statement narrowed by a condition on its targets (`aws:ResourceTag/...`,
    `iam:ResourceTag/...`, `iam:PolicyARN`, `iam:PermissionsBoundary`) is not judged.
    Privilege-escalation actions are left to `iam-no-privilege-escalation`, and `*`
    and whole-service wildcards on every resource to `no-iam-admin-wildcards`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import (
    ESCALATION_ACTIONS,
    IDENTITY_POLICY_TYPES,
    admin_wildcard,
    constrains_target,
    expand,
    identity_policies,
)
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

WRITE_LEVELS = frozenset({"Write", "Permissions management"})
LEFT_TO_ESCALATION = ESCALATION_ACTIONS | {"iam:passrole"}


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    skip = LEFT_TO_ESCALATION | {str(a).lower() for a in options["allowedActions"]}
    for document in identity_policies(resource):
        for statement in document.statements():
            if not statement.allows or statement.reach() != "all":
                continue
            constrained = statement.constrained_by(constrains_target)
            if constrained is None or constrained:
                continue
            for entry in statement.actions():
                if admin_wildcard(entry.value, statement):
                    continue
                hits = sorted(
                    {
                        a.full_name
                        for a in expand(entry.value)
                        if a.levels & WRITE_LEVELS and a.takes_resource and a.full_name.lower() not in skip
                    }
                )
                if not hits:
                    continue
                named = ", ".join(hits[:3]) + (f" and {len(hits) - 3} more" if len(hits) > 3 else "")
                yield Violation(
                    entry.path,
                    f'{statement.label} allows "{entry.value}" on {statement.resources_text()}: '
                    f"{len(hits)} write action(s) that could be limited to named resources ({named})",
                )


RULE = Rule(
    name="iam-no-unscoped-write",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    types=IDENTITY_POLICY_TYPES,
    check=check,
    options={
        "allowedActions": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": ["cloudwatch:PutMetricData"],
            "description": (
                "Write actions that may be granted on every resource (exact names). "
                "`cloudwatch:PutMetricData` is scoped by namespace conditions, not ARNs, in practice."
            ),
        }
    },
    tags=("aws", "iam", "least-privilege"),
)
