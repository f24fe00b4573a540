"""RBAC roles do not let anyone read Secrets across the board.

Fires on each rule of a Role or ClusterRole that allows `get`, `list` or `watch` on
`secrets` in the core API group, through the names themselves or through `*` in
verbs, apiGroups or resources, without `resourceNames`. A Role reads the Secrets of
its own namespace; a ClusterRole, bound cluster-wide, every Secret in the cluster.

Why it matters:
    Secrets hold service account tokens, registry credentials, TLS keys and database
    passwords. `list` and `watch` return every Secret with its data, not just names,
    so "list secrets" is "read all secrets". Whoever steals the token of a subject
    bound to such a role gets every credential in reach, often including tokens of
    more powerful service accounts.

How to fix:
    Mount the Secrets a workload needs as volumes or environment variables instead
    of reading them through the API. If a controller must read a few, name them:

        rules:
          - apiGroups: [""]
            resources: ["secrets"]
            resourceNames: ["app-tls"]
            verbs: ["get"]

Notes:
    A rule restricted by `resourceNames` is not reported: it reads only the Secrets
    it names. `secrets` in another API group (a CRD) is another resource. An
    aggregated ClusterRole (`aggregationRule`) is not judged: the control plane
    overwrites its rules. A ClusterRole labelled to aggregate into `view`, `edit` or
    `admin` says so in the message, since every holder of those roles inherits it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._rbac import role_grants, where


def check(role: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for grant in role_grants(role, "secret-read"):
        listing = any(request.verb in ("list", "watch") for request in grant.requests)
        why = "every Secret's data" if listing else "any Secret by name"
        yield Violation(grant.path, f"rule #{grant.rule_index} can read {why}: {grant.detail}{where(role)}")


RULE = Rule(
    name="rbac-no-secret-read",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={"Role", "ClusterRole"},
    check=check,
    folds_into={"no-rbac-wildcards": "entry"},
    one_per_object=True,
    tags=("rbac", "least-privilege", "cis-5.1.2"),
)
