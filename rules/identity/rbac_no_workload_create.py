"""RBAC roles do not let anyone create pods, directly or through a workload.

Fires on a Role or ClusterRole with a rule that allows `create` on `pods` or
`replicationcontrollers` (core), `deployments`, `daemonsets`, `statefulsets`,
`replicasets` (`apps`), or `jobs`, `cronjobs` (`batch`), including through `*`:
one finding per role, on its first such rule, naming every rule that grants it
(the API groups split one decision over several rules).

Why it matters:
    Whoever creates a pod chooses its service account, its mounts and its
    privileges: it can mount any Secret or service account token of the namespace,
    and, where admission allows it, run privileged on the node. Creating a
    Deployment or a Job creates pods just the same. Admission policy (Pod Security)
    limits some of it; the Secrets and tokens of the namespace stay in reach.

How to fix:
    Let a deployment pipeline or GitOps controller hold this right, scoped to the
    namespaces it deploys to, and keep it out of application service accounts'
    roles. Enforce Pod Security `restricted` where pods are created.

    An operator that creates the workloads of its custom resources (a database
    operator's StatefulSets and backup CronJobs, a CI server's agent pods) needs
    the right: grant it in the namespaces it manages (a Role each, or a
    ClusterRole bound per namespace by RoleBindings) rather than cluster-wide, and
    record the exemption with its reason.

Notes:
    `update` and `patch` on a workload also change the pods it runs; they are not
    reported by this rule (controllers that scale or restart workloads need them).
    `create` cannot be restricted by `resourceNames`, so such rules grant no create.
    Aggregated ClusterRoles are not judged (their rules are overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    # One finding per role: RBAC splits pods, apps workloads and batch jobs into rules
    # by API group, and one decision (who holds this role) settles them all.
    found = list(role_grants(role, "workload-create"))
    if not found:
        return
    rules = ", ".join(f"#{grant.rule_index}" for grant in found)
    details = "; ".join(grant.detail for grant in found)
    yield Violation(
        found[0].path, f"rule{'s' if len(found) > 1 else ''} {rules} can create pods: {details}{where(role)}"
    )


RULE = Rule(
    name="rbac-no-workload-create",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    tags=("rbac", "least-privilege", "cis-5.1.4"),
)
