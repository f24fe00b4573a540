"""IAM roles trust only the accounts you name.

Fires on each AWS account principal (`123456789012`, `arn:aws:iam::123456789012:root`,
or a user or role ARN in that account) of an `Allow` statement in a role's trust
policy (`assumeRolePolicy` of `aws:iam/role:Role`):

- with `allowedAccountIds` set, when the account is not in the list;
- without it (the role's own account is not known offline), when the statement
  has no condition that narrows who may assume it (`sts:ExternalId`,
  `aws:PrincipalOrgID`, `aws:PrincipalArn`, `aws:SourceAccount`, ...): this is
  advice to review the trust and list your accounts.

Why it matters:
    Trusting another account delegates the choice of who may assume the role to
    that account's administrators: any of its users or roles that they allow gets
    the role's permissions. Third parties without `sts:ExternalId` open the
    confused-deputy problem: anyone using the same vendor can make it assume your
    role.

How to fix:
    Trust a named role rather than the whole account, require
    `sts:ExternalId` for vendors, or `aws:PrincipalOrgID` for your organisation;
    and list your own accounts in `allowedAccountIds`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import TRUST_POLICY_TYPES, constrains_principal, trust_policies
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    allowed = {str(a) for a in options["allowedAccountIds"]}
    for document in trust_policies(resource):
        for statement in document.statements():
            if not statement.allows:
                continue
            for principal in statement.principals() or ():
                account = principal.account
                if account is None:
                    continue
                if allowed:
                    if account not in allowed:
                        yield Violation(
                            principal.path,
                            f'{statement.label} trusts account {account} ("{principal.value}"), '
                            "which is not in allowedAccountIds",
                        )
                    continue
                keys = statement.constrained_by(constrains_principal)
                if keys is not None and not keys:
                    yield Violation(
                        principal.path,
                        f'{statement.label} trusts account {account} ("{principal.value}") with no condition: '
                        "if that is another account, require sts:ExternalId or aws:PrincipalOrgID "
                        "(list your own accounts in allowedAccountIds)",
                    )


RULE = Rule(
    name="iam-no-cross-account-trust",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    types=TRUST_POLICY_TYPES,
    check=check,
    options={
        "allowedAccountIds": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[0-9]{12}$"},
            "default": [],
            "description": (
                "Your AWS account ids. When set, a trust policy naming any other account is reported; "
                "when empty, account principals without a narrowing condition are reported for review."
            ),
        }
    },
    tags=("aws", "iam", "least-privilege", "trust-policy"),
)
