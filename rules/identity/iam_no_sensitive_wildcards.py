"""IAM policies do not use action wildcards that reach permissions-management actions.

Fires on each `Action` entry of an `Allow` statement in an identity-based policy
(`aws:iam/policy:Policy`, `rolePolicy`, `userPolicy`, `groupPolicy`, a Role's
`inlinePolicies`) that is a wildcard (`iam:*`, `iam:Put*`, `iam:*Policy*`, `kms:*`,
`s3:*`, `*:Put*`) and, expanded through the IAM action database, grants actions
of the access levels in `accessLevels` ("Permissions management" by default: the
actions that change who may do what, such as `iam:PutRolePolicy`,
`kms:CreateGrant`, `s3:PutBucketPolicy`). The message names a few of the actions
reached. Any resource counts: a wildcard on one bucket still lets the holder
rewrite that bucket's policy.

Why it matters:
    A wildcard grants every matching action that exists now and every one AWS adds
    later. `s3:*` on a bucket also grants `s3:PutBucketPolicy`, which can make the
    bucket public; `iam:*Policy*` lets the holder attach AdministratorAccess to
    itself; `kms:*` lets it grant the key to another account. These are rarely
    what the workload needs and are exactly what an attacker looks for.

How to fix:
    List the actions the workload calls (`s3:GetObject`, `s3:PutObject`) instead of
    a wildcard, or narrow the wildcard to read levels (`s3:Get*`, `ec2:Describe*`).

Notes:
    `*`, and a whole-service wildcard on every resource, are reported by
    `no-iam-admin-wildcards` instead. A statement whose condition narrows its
    targets (`iam:PolicyARN`, `iam:PermissionsBoundary`, `aws:ResourceTag/...`,
    `iam:ResourceTag/...`) is not judged. Action names the database does not know
    expand to nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import (
    IDENTITY_POLICY_TYPES,
    admin_wildcard,
    constrains_target,
    expand,
    identity_policies,
    is_wildcard,
    wildcard_scope,
)
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

LEVELS = ("Permissions management", "Write", "Tagging", "Read", "List")


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    levels = frozenset(options["accessLevels"])
    for document in identity_policies(resource):
        for statement in document.statements():
            if not statement.allows:
                continue
            constrained = statement.constrained_by(constrains_target)
            if constrained is None or constrained:
                continue
            for entry in statement.actions():
                if not is_wildcard(entry.value) or admin_wildcard(entry.value, statement):
                    continue
                if wildcard_scope(entry.value) == "admin":
                    # Every action of every service: no need to read the whole database.
                    yield Violation(
                        entry.path, f'{statement.label} allows "{entry.value}": every action of every service'
                    )
                    continue
                hits = sorted({a.full_name for a in expand(entry.value) if a.levels & levels})
                if not hits:
                    continue
                named = ", ".join(hits[:3]) + (f" and {len(hits) - 3} more" if len(hits) > 3 else "")
                yield Violation(
                    entry.path,
                    f'{statement.label} allows "{entry.value}", a wildcard that reaches '
                    f"{len(hits)} {' or '.join(sorted(levels & frozenset(LEVELS)))} action(s): {named}",
                )


RULE = Rule(
    name="iam-no-sensitive-wildcards",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types=IDENTITY_POLICY_TYPES,
    check=check,
    options={
        "accessLevels": {
            "type": "array",
            "items": {"type": "string", "enum": list(LEVELS)},
            "default": ["Permissions management"],
            "description": (
                "Access levels (as the IAM service reference names them) that a wildcard must not reach; "
                'add "Write" to require every write action to be listed by name.'
            ),
        }
    },
    tags=("aws", "iam", "least-privilege"),
)
