"""Pods do not get a Kubernetes API token unless they say they need one.

Fires on every pod-bearing object whose pod spec leaves
`automountServiceAccountToken` unset (so the token is mounted by default) or, with
`acceptExplicitTrue` turned off, sets it to `true`. An explicit `false` always
passes. By default an explicit `true` passes as well: it is a visible, reviewable
statement that the pod talks to the API server.

Why it matters:
    By default every container gets its service account's token at
    `/var/run/secrets/kubernetes.io/serviceaccount/token`. Most applications never
    call the Kubernetes API, but anyone who compromises one of them can, with
    whatever RBAC the service account has (and in many clusters the `default`
    account has been granted more than anyone remembers).

How to fix:
    Turn the mount off for pods that do not use the API:

        spec:
          automountServiceAccountToken: false

    and set it to `true`, with a dedicated service account, for those that do.

Notes:
    The ServiceAccount's own `automountServiceAccountToken: false` also stops the
    mount when the pod leaves the field unset, but a manifest linter cannot see the
    ServiceAccount a pod will use. Teams that manage the setting on their
    ServiceAccounts turn on `acceptServiceAccountSetting`: a pod that leaves the
    field unset then passes if it names a service account other than `default`.
    ServiceAccount objects themselves are not judged: whether an account's pods
    need the API is decided per workload, and the `default` account is the identity
    rules' business. During a Pulumi preview an unknown value is given the benefit
    of the doubt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN

from .._fixes import set_where_found


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None:
        return
    value = pod.get("automountServiceAccountToken")
    if value is False or value is UNKNOWN:
        return
    if value is True:
        if options["acceptExplicitTrue"] is True:
            return
        message = "the pod sets automountServiceAccountToken: true, so every container gets an API token"
    else:
        account = pod.get("serviceAccountName")
        if account is UNKNOWN:
            return
        named = isinstance(account, str) and account not in ("", "default")
        if named and options["acceptServiceAccountSetting"] is True:
            return
        message = (
            "the pod does not set automountServiceAccountToken: false, so every container gets an API token "
            f'for service account "{account if named else "default"}"'
        )
    yield Violation(pod.path + ("automountServiceAccountToken",), message)


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`automountServiceAccountToken: false` on the pod (unsafe: an application that
    talks to the Kubernetes API loses its token)."""
    return set_where_found(check(obj, options), obj, "automountServiceAccountToken", False)


RULE = Rule(
    name="no-service-account-token-automount",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={
        "acceptExplicitTrue": {
            "type": "boolean",
            "default": True,
            "description": (
                "Accept `automountServiceAccountToken: true` as a deliberate statement that the pod needs the API."
            ),
        },
        "acceptServiceAccountSetting": {
            "type": "boolean",
            "default": False,
            "description": (
                "Accept an unset field when the pod names a service account other than `default` "
                "(you set `automountServiceAccountToken: false` on your ServiceAccounts)."
            ),
        },
    },
    tags=("cis-5.1.6", "nsa-hardening"),
    fix=Fix(fix, Applicability.UNSAFE),
)
