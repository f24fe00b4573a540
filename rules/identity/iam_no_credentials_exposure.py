"""IAM policies do not grant actions that return credentials on every resource.

Fires on each `Action` entry of an `Allow` statement in an identity-based policy
(`aws:iam/policy:Policy`, `rolePolicy`, `userPolicy`, `groupPolicy`, a Role's
`inlinePolicies`) that grants, on every resource, an action whose response carries
credentials: `sts:GetFederationToken`, `sts:GetSessionToken`,
`redshift:GetClusterCredentials`, `rds-db:connect`,
`lightsail:GetInstanceAccessDetails`, `secretsmanager:GetSecretValue`,
`iam:CreateServiceSpecificCredential`, `cognito-identity:GetCredentialsForIdentity`,
`sso:GetRoleCredentials` and others (after policy_sentry's credentials-exposure
list). Wildcards count (`secretsmanager:*`, `redshift:Get*`). Actions listed in
`allowedActions` are not judged.

Why it matters:
    Credentials returned by these calls outlive the session that fetched them and
    work from anywhere: every database user's password, every secret, a federation
    token for any user. A compromised workload with such a grant hands out access
    that no longer depends on it.

How to fix:
    Name the resources the workload needs (the secret's ARN, the database user
    `arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABC/app`).

Notes:
    `ecr:GetAuthorizationToken` only works on `*` and is needed by every image
    pull, so it is in `allowedActions` by default. `iam:CreateAccessKey`,
    `iam:CreateLoginProfile` and `iam:UpdateLoginProfile` are reported by
    `iam-no-privilege-escalation`. Statements narrowed by a condition on their
    targets (`aws:ResourceTag/...`) are not judged; `*` and whole-service wildcards
    on every resource are left to `no-iam-admin-wildcards`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import (
    CREDENTIAL_ACTIONS,
    ESCALATION_ACTIONS,
    IDENTITY_POLICY_TYPES,
    admin_wildcard,
    constrains_target,
    expand,
    granted,
    identity_policies,
)
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    allowed = {str(a).lower() for a in options["allowedActions"]}
    judged = CREDENTIAL_ACTIONS - ESCALATION_ACTIONS - allowed
    for document in identity_policies(resource):
        for statement in document.statements():
            if not statement.allows or statement.reach() != "all":
                continue
            constrained = statement.constrained_by(constrains_target)
            if constrained is None or constrained:
                continue
            hits: dict[int, tuple[Any, list[str]]] = {}
            for entry, action in granted(statement, judged):
                if not admin_wildcard(entry.value, statement):
                    hits.setdefault(id(entry), (entry, []))[1].append(action)
            for entry, actions in hits.values():
                names = ", ".join(found[0].full_name if (found := expand(a)) else a for a in actions)
                yield Violation(
                    entry.path,
                    f'{statement.label} allows "{entry.value}" on {statement.resources_text()}, '
                    f"which returns credentials: {names}",
                )


RULE = Rule(
    name="iam-no-credentials-exposure",
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
            "default": ["ecr:GetAuthorizationToken"],
            "description": "Credential-returning actions that may be granted on every resource (exact names).",
        }
    },
    tags=("aws", "iam", "least-privilege", "credentials-exposure"),
)
