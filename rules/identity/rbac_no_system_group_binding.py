"""Nothing is bound to anonymous users, to all users, or to `system:masters`.

Fires on each subject of a RoleBinding or ClusterRoleBinding named
`system:anonymous` (the user of unauthenticated requests), `system:unauthenticated`
(every unauthenticated request), `system:authenticated` (every authenticated
user), `system:serviceaccounts` (every service account of the cluster, so every pod
that mounts a token; corpus22's MySQL operator binds its ClusterRole so), or
`system:masters`, as a User or a Group.

Why it matters:
    A binding to `system:anonymous` or `system:unauthenticated` gives the role to
    anyone who can reach the API server, with no credentials at all. One to
    `system:authenticated` gives it to every identity the cluster accepts: every
    service account in every namespace and, on managed clusters, possibly every
    account of the cloud provider (on GKE it once meant any Google account).
    `system:masters` bypasses RBAC entirely, so a binding to it is at best dead and
    at worst a sign that credentials in that group are expected to exist.

How to fix:
    Bind the role to the specific groups, users or service accounts that need it:

        subjects:
          - kind: Group
            name: platform-readers
            apiGroup: rbac.authorization.k8s.io

Notes:
    The built-in bindings the API server creates for discovery and health checks
    (`system:discovery`, `system:public-info-viewer`) are not in manifests and are
    left alone, and so is `system:serviceaccounts` bound to a role that only reads
    discovery or public information (`system:service-account-issuer-discovery`, which
    clusters bind to it for OIDC discovery). Groups of one namespace's accounts
    (`system:serviceaccounts:<namespace>`) and `system:nodes` are not reported.
    A subject of the wrong kind names no one (corpus27's k-rail binds
    `Group system:anonymous`: anonymous requests are the User `system:anonymous` in
    the Group `system:unauthenticated`), so it is not reported either.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_unknown

from ._rbac import describe_role_ref, subjects

# What each name means, for the message.
SYSTEM_SUBJECTS = {
    "system:anonymous": "anyone, without credentials",
    "system:unauthenticated": "anyone, without credentials",
    "system:authenticated": "every authenticated user",
    "system:masters": "the group that bypasses RBAC",
    "system:serviceaccounts": "every service account of every namespace, so every pod's token",
}
# Which kind of subject each name is: anonymous requests are the User
# `system:anonymous` in the Group `system:unauthenticated`; the others are groups.
SUBJECT_KINDS = {name: "Group" for name in SYSTEM_SUBJECTS} | {"system:anonymous": "User"}
# Built-in roles that only let a client discover the API or read public information:
# the cluster itself binds them to such groups (OIDC discovery of service-account
# tokens binds `system:service-account-issuer-discovery` to `system:serviceaccounts`).
HARMLESS_ROLES = frozenset(
    {"system:service-account-issuer-discovery", "system:public-info-viewer", "system:discovery", "system:basic-user"}
)


def check(binding: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    granted = describe_role_ref(binding)
    for index, subject in subjects(binding):
        name, kind = subject.get("name"), subject.get("kind")
        # A service account's name cannot contain ":", so the name alone decides.
        if kind == "ServiceAccount" or not isinstance(name, str) or name not in SYSTEM_SUBJECTS:
            continue
        if is_unknown(kind) or (kind in ("User", "Group") and kind != SUBJECT_KINDS[name]):
            continue  # no request carries it (k-rail's `Group system:anonymous`): the subject grants nothing
        if name == "system:serviceaccounts":
            role = binding.get("roleRef", "name")
            if is_unknown(role) or (isinstance(role, str) and role in HARMLESS_ROLES):
                continue  # a discovery role, or not known yet: it may be one
        who = f"{kind} {name}" if isinstance(kind, str) else name
        yield Violation(
            ("subjects", index, "name"), f"{binding.kind} grants {granted} to {who} ({SYSTEM_SUBJECTS[name]})"
        )


RULE = Rule(
    name="rbac-no-system-group-binding",
    doc=__doc__,
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    kinds={"RoleBinding", "ClusterRoleBinding"},
    check=check,
    tags=("rbac", "least-privilege", "cis-5.1.7"),
)
