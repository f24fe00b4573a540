"""RBAC roles do not grant wildcards in verbs, resources or API groups.

Fires on each rule of a Role or ClusterRole that lists `*` in `verbs`, `apiGroups` or
`resources` (including `*/subresource`, which RBAC matches on every resource that
has that subresource). `pods/*` is not a wildcard in RBAC (it matches a subresource
literally named `*`) and is not reported.

Why it matters:
    A wildcard grants everything that exists now and everything added later: a new
    CRD, a new subresource such as `pods/exec` or `serviceaccounts/token`, a verb like
    `escalate` or `impersonate`. Roles written with wildcards are how service accounts
    end up with cluster-admin in all but name, and a stolen token of such an account
    owns the cluster.

How to fix:
    List the API groups, resources and verbs the workload actually uses:

        rules:
          - apiGroups: ["apps"]
            resources: ["deployments"]
            verbs: ["get", "list", "watch"]

    `kubectl auth can-i --list --as=system:serviceaccount:NS:NAME` and audit logs
    show what an account really calls.

Notes:
    `nonResourceURLs` (such as `/metrics`) are not judged by this rule, nor are
    the resources of a rule whose API groups are only `custom.metrics.k8s.io` and
    `external.metrics.k8s.io`: there they are metric names, unknown in advance (its
    verbs are judged as usual). An
    aggregated ClusterRole (`aggregationRule`) is not judged: the control plane
    overwrites its rules with those of the ClusterRoles it selects, which are judged
    on their own.
    A role's wildcard rules are one finding, at the first, listing the others
    (corpus16: KubeSphere's installer role is 35 rules of `*` on `*`, one per API
    group, which is one decision to rewrite, not 35 problems).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, is_unknown

from ._rbac import is_aggregated

# A fixed order, never the order keys were written in: Pulumi hands props over as a
# protobuf Struct, which does not keep key order.
FIELDS = ("apiGroups", "resources", "verbs")
# API groups whose "resources" are metric names, which no one can list in advance:
# `resources: ["*"]` there is how every metrics reader (the HPA controller, KEDA,
# prometheus-adapter) is granted, and it reaches nothing else.
METRICS_GROUPS = frozenset({"custom.metrics.k8s.io", "external.metrics.k8s.io"})


def _is_wildcard(field: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    return value == "*" or (field == "resources" and value.startswith("*/"))


def _metric_names(groups: Any) -> bool:
    """Whether a rule's resources are metric names: its API groups are only the
    metrics APIs' (or, while they are not known yet, may be)."""
    if is_unknown(groups):
        return True
    listed = as_list(groups)
    return bool(listed) and all(
        is_unknown(group) or (isinstance(group, str) and group in METRICS_GROUPS) for group in listed
    )


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if is_aggregated(role) is not False:
        return  # its rules are the control plane's (or not known yet)
    for index, rule in enumerate(as_list(role.get("rules"))):
        if not isinstance(rule, Mapping):
            continue
        hits = []
        first_path = None
        metric_names = _metric_names(rule.get("apiGroups"))
        for field in FIELDS:
            if field == "resources" and metric_names:
                continue
            for position, value in enumerate(as_list(rule.get(field))):
                if _is_wildcard(field, value):
                    hits.append(f'{field} "{value}"')
                    first_path = first_path or ("rules", index, field, position)
        if first_path:
            yield Violation(first_path, f"rule #{index} grants a wildcard: {', '.join(hits)}")


RULE = Rule(
    name="no-rbac-wildcards",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.3"),
)
