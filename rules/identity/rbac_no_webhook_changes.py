"""RBAC ClusterRoles do not let anyone change admission webhooks or policies.

Fires on each rule of a ClusterRole that allows `create`, `update`, `patch`,
`delete` or `deletecollection` on `validatingwebhookconfigurations` or
`mutatingwebhookconfigurations` (`admissionregistration.k8s.io`), or on the
in-process admission policies and their bindings (`validatingadmissionpolicies`,
`validatingadmissionpolicybindings`, `mutatingadmissionpolicies`,
`mutatingadmissionpolicybindings`), including through `*`, without `resourceNames`.

Why it matters:
    Admission webhooks see every object sent to the API server, Secrets included,
    and mutating ones can rewrite them: a webhook pointed at an attacker's service
    injects containers into every new pod. Deleting a webhook or a policy switches
    off the guardrails (image policies, security policies enforced in the cluster)
    that everything else relies on.

How to fix:
    Create admission configuration at install time with the platform's own
    credentials. A controller that patches its own webhook (to inject a CA bundle)
    should name it:

        rules:
          - apiGroups: ["admissionregistration.k8s.io"]
            resources: ["mutatingwebhookconfigurations"]
            resourceNames: ["my-operator-webhook"]
            verbs: ["get", "update", "patch"]

Notes:
    Read access (`get`, `list`, `watch`) is not reported. Rules restricted by
    `resourceNames` are not reported (`create` cannot be restricted that way, so
    such rules grant no create). A namespaced Role cannot grant these
    cluster-scoped resources. Aggregated ClusterRoles are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "admission-changes"):
        yield Violation(
            grant.path, f"rule #{grant.rule_index} can change admission control: {grant.detail}{where(role)}"
        )


RULE = Rule(
    name="rbac-no-webhook-changes",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.12"),
)
