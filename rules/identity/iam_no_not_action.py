"""IAM policies do not allow with `NotAction`, `NotResource` or `NotPrincipal`.

Fires on each `Allow` statement of an identity-based policy (`aws:iam/policy:Policy`,
`rolePolicy`, `userPolicy`, `groupPolicy`, a Role's `inlinePolicies`) or a resource
policy (`aws:s3/bucketPolicy:BucketPolicy`, `aws:ecr/repositoryPolicy:RepositoryPolicy`,
SQS queue, SNS topic and Secrets Manager secret policies) that uses `NotAction`,
`NotResource` or `NotPrincipal`. `Deny` statements with them are the usual guardrail
pattern and are not judged.

Why it matters:
    `Allow` with `NotAction: "iam:*"` allows every other action of every service,
    including every service AWS launches later; `NotResource` allows the actions on
    everything but a list; `NotPrincipal` with `Allow` lets in everyone but a list,
    anonymous callers included. These statements grant far more than they appear
    to, and grow silently.

How to fix:
    Say what is allowed: list the actions (`Action`) and the resources (`Resource`)
    or principals (`Principal`). Keep `NotAction`/`NotResource` for `Deny`
    statements, where they narrow a guardrail.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

from policypack.iam import IDENTITY_POLICY_TYPES, RESOURCE_POLICY_TYPES, identity_policies, resource_policies
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

MEANING = {
    "NotAction": "every action except those listed",
    "NotResource": "the actions on every resource except those listed",
    "NotPrincipal": "every principal except those listed, anonymous callers included",
}


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for document in chain(identity_policies(resource), resource_policies(resource)):
        for statement in document.statements():
            if not statement.allows:
                continue
            for field in ("NotAction", "NotResource", "NotPrincipal"):
                if statement.has(field):
                    yield Violation(
                        statement.field_path(field), f"{statement.label} allows with {field}: {MEANING[field]}"
                    )


RULE = Rule(
    name="iam-no-not-action",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types=IDENTITY_POLICY_TYPES | RESOURCE_POLICY_TYPES,
    check=check,
    tags=("aws", "iam", "least-privilege"),
)
