"""RBAC ClusterRoles do not let anyone approve certificate signing requests.

Fires on each rule of a ClusterRole that allows `update` or `patch` on
`certificatesigningrequests/approval` (`certificates.k8s.io`), including through
`*`. The message says whether the same ClusterRole also grants `approve` on a
signer the API server trusts for client certificates
(`kubernetes.io/kube-apiserver-client`, `...-client-kubelet`, `legacy-unknown`, or
`kubernetes.io/*`), which together issue credentials.

Why it matters:
    Approving a CSR for a client signer mints a certificate the API server accepts
    as any user or group named in it: a new identity with whatever RBAC that name
    holds, valid until it expires and impossible to revoke short of rotating the
    cluster CA. It is a path to cluster-admin.

How to fix:
    Leave approval to the control plane's approvers. A controller that issues
    certificates for its own signer should be limited to that signer:

        rules:
          - apiGroups: ["certificates.k8s.io"]
            resources: ["signers"]
            resourceNames: ["example.com/my-signer"]
            verbs: ["approve"]

Notes:
    Approval needs both permissions; they are often split over two roles bound to
    the same subject, so the approval subresource alone is reported (as CIS 5.1.11
    asks), and the signer part is named when this ClusterRole grants it too. A
    namespaced Role cannot grant either (cluster-scoped) and is not reported.
    Aggregated ClusterRoles are not judged (their rules are overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import SIGNER_APPROVAL, allows, role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "csr-approval"):
        signer = allows(role.get("rules"), SIGNER_APPROVAL)
        if signer is None:
            # Half of what approval needs: say so, and not that it can approve.
            message = (
                f"rule #{grant.rule_index} can set the approval of certificate requests: {grant.detail}; "
                "with approve on a client signer (granted to the same subject elsewhere) that issues "
                "client certificates"
            )
        else:
            message = (
                f"rule #{grant.rule_index} can approve certificate requests: {grant.detail} with approve on "
                f"client signers in rule #{signer.rule_index}: can issue client certificates"
            )
        yield Violation(grant.path, f"{message}{where(role)}")


RULE = Rule(
    name="rbac-no-csr-approval",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.11"),
)
