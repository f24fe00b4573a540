"""IAM policies do not grant privilege-escalation actions on every resource.

Fires on each `Action` entry of an `Allow` statement in an identity-based policy
(`aws:iam/policy:Policy`, `rolePolicy`, `userPolicy`, `groupPolicy`, a Role's
`inlinePolicies`) that grants, on every resource (`*`, or every resource of the type,
`arn:aws:iam::123456789012:role/*`), an action with which an identity can raise its
own privileges: `iam:CreatePolicyVersion`, `iam:SetDefaultPolicyVersion`,
`iam:Attach{User,Role,Group}Policy`, `iam:Put{User,Role,Group}Policy`,
`iam:CreateAccessKey`, `iam:CreateLoginProfile`, `iam:UpdateLoginProfile`,
`iam:UpdateAssumeRolePolicy`, `iam:AddUserToGroup`, or `iam:PassRole`. Wildcards
count (`iam:Put*`, `iam:*Policy`). For `iam:PassRole` the message also names what
in the same resource (one policy, or all inline policies of a role) lets the
holder run code as the passed role:
`ec2:RunInstances`, `lambda:CreateFunction` with `lambda:InvokeFunction`,
`lambda:CreateEventSourceMapping` or `lambda:AddPermission`,
`cloudformation:CreateStack`, `glue:CreateDevEndpoint`,
`datapipeline:CreatePipeline` with `PutPipelineDefinition`, SageMaker notebooks,
CodeBuild projects, ECS tasks.

Why it matters:
    Each of these turns a limited identity into an administrator: write a new
    default version of a policy attached to yourself, attach AdministratorAccess,
    mint an access key or console password for an admin user, rewrite a role's
    trust policy to let yourself in, or pass an admin role to an EC2 instance or
    Lambda function you control. One stolen credential with such a grant is the
    whole account.

How to fix:
    Name the resources: the roles a workload may pass
    (`arn:aws:iam::123456789012:role/app-task`), the users whose keys it rotates.
    Or constrain the statement: `iam:PolicyARN` to the policies that may be
    attached, `iam:PermissionsBoundary` to require a boundary on what is created,
    `aws:ResourceTag/...` to the identities it manages.

Notes:
    A resource pattern such as `role/app-*` is taken as a naming convention and not
    judged. A statement whose condition narrows its targets (`iam:PolicyARN`,
    `iam:PermissionsBoundary`, `aws:ResourceTag/...`, `iam:ResourceTag/...`) is not
    judged; `iam:PassedToService` is not such a condition (it limits the service,
    not which role). `*` and `iam:*` on every resource are reported by
    `no-iam-admin-wildcards` instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.iam import (
    ESCALATION_ACTIONS,
    IDENTITY_POLICY_TYPES,
    PASS_ROLE_PARTNERS,
    admin_wildcard,
    constrains_target,
    expand,
    granted,
    identity_policies,
)
from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

PASS_ROLE = "iam:passrole"
PARTNER_ACTIONS = frozenset(action for group in PASS_ROLE_PARTNERS for action in group)


def spelled(action: str) -> str:
    """`iam:passrole` as AWS spells it (`iam:PassRole`), from the database."""
    found = expand(action)
    return found[0].full_name if found else action


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    # One resource's documents belong to one identity (a role's inline policies).
    statements = [s for document in identity_policies(resource) for s in document.statements() if s.allows]
    # What the identity can run code with, on any resource.
    partners = {action for s in statements for _, action in granted(s, PARTNER_ACTIONS)}
    runs = [group for group in PASS_ROLE_PARTNERS if partners.issuperset(group)]
    for statement in statements:
        if statement.reach() != "all":
            continue
        constrained = statement.constrained_by(constrains_target)
        if constrained is None or constrained:
            continue
        hits: dict[int, tuple[Any, list[str]]] = {}
        for entry, action in granted(statement, ESCALATION_ACTIONS | {PASS_ROLE}):
            if not admin_wildcard(entry.value, statement):
                hits.setdefault(id(entry), (entry, []))[1].append(action)
        for entry, actions in hits.values():
            names = ", ".join(spelled(a) for a in actions)
            message = f'{statement.label} allows "{entry.value}" on {statement.resources_text()}: {names}'
            if PASS_ROLE in actions:
                if runs:
                    with_ = "; ".join(" + ".join(spelled(a) for a in group) for group in runs)
                    message += f" (any role can be passed, and run with {with_})"
                else:
                    message += " (any role can be passed to a service)"
            yield Violation(entry.path, message)


RULE = Rule(
    name="iam-no-privilege-escalation",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    types=IDENTITY_POLICY_TYPES,
    check=check,
    tags=("aws", "iam", "least-privilege", "privilege-escalation"),
)
