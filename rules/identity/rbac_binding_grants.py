"""RBAC bindings do not hand dangerous permissions to their subjects.

Judges each RoleBinding and ClusterRoleBinding together with the role its `roleRef`
names, when that role is among the objects linted together (or in the stack): a
Role in the binding's own namespace, or a ClusterRole. Fires on the binding's
`roleRef.name`, once per dangerous capability the role grants within the binding's
reach, and names the binding, its subjects, the capability and the role rules that
grant it:

- read Secrets (`get`, `list`, `watch` on `secrets` without `resourceNames`);
- run commands in pods (`pods/exec`, `pods/attach`, `pods/portforward`,
  `pods/ephemeralcontainers`);
- create pods, directly or through a workload controller;
- escalate privileges (`bind`, `escalate`, `impersonate`);
- reach every kubelet API (`nodes/proxy`);
- approve certificate signing requests;
- change admission control (webhook and admission policy configurations);
- create PersistentVolumes;
- create service account tokens.

A RoleBinding grants only within its namespace, even when it references a
ClusterRole: the cluster-scoped powers of that ClusterRole (nodes, PersistentVolumes,
certificate approval, webhooks, `escalate` on ClusterRoles, impersonating users and
groups) do not count. An aggregated ClusterRole (`aggregationRule`) is judged
through the ClusterRoles its selectors pick in the set, the way the control plane
fills it.

Why it matters:
    The per-role rules (rbac-no-secret-read, rbac-no-pod-exec and the others) see a
    role alone; what makes a dangerous permission real is a binding, and who it goes
    to. A ServiceAccount bound to a role that reads every Secret hands every
    credential of the namespace to whoever compromises one of its pods; a CI
    identity that can create pods can run them as any service account in reach.
    Seeing the binding, the subject and the role together shows the path an
    attacker would take, and where to cut it.

How to fix:
    Bind a narrower role, or narrow the role itself: name the objects with
    `resourceNames`, drop the verb, or split the permission into a role bound only
    to the subject that needs it. Prefer a RoleBinding to a ClusterRoleBinding, so
    the grant stops at the namespace:

        kind: RoleBinding
        metadata: {name: ci, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deploy-only}
        subjects:
          - {kind: ServiceAccount, name: deployer, namespace: shop}

Notes:
    A binding whose role is not in the set is not judged (the per-role rules judge
    roles on their own, wherever they are defined); a Role is only looked up in the binding's own
    namespace, and in Pulumi mode only among resources of the same Kubernetes
    provider. Bindings to `cluster-admin` are no-cluster-admin-binding's. An
    aggregated ClusterRole whose sources cannot be resolved yet (unknown labels or
    selectors) is skipped, as is a binding whose `roleRef` or role rules are not
    known yet, or which has no subjects. Advisory by default: the per-role rules
    already block the critical capabilities (escalation, certificate approval) on
    the role itself; this rule adds who receives them. Set `capabilities` to report
    only some of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN

from ._rbac import (
    CAPABILITIES,
    Grant,
    aggregation_sources,
    binding_grants,
    describe_subject,
    is_aggregated,
    subjects,
)

BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
ROLE_KINDS = ("Role", "ClusterRole")

#: What each capability lets a subject do, as the message says it.
PHRASES: dict[str, str] = {
    "secret-read": "read any Secret by name",
    "pod-exec": "run commands in pods",
    "workload-create": "create pods",
    "escalation": "escalate privileges",
    "node-proxy": "reach every kubelet API",
    "csr-approval": "approve certificate requests",
    "admission-changes": "change admission control",
    "pv-create": "create PersistentVolumes",
    "token-create": "create service account tokens",
}

#: The same, for the option's documentation.
SUMMARIES: dict[str, str] = {**PHRASES, "secret-read": "read Secrets"}

# One (role the rules are written in, grant) pair: the role is an aggregation source
# when the bound ClusterRole is aggregated.
Sourced = tuple[Resource, Grant]


def _named(kind: str, namespace: Any, name: Any) -> str:
    shown = name if isinstance(name, str) else "(name not known yet)"
    return f"{kind} {namespace}/{shown}" if isinstance(namespace, str) else f"{kind} {shown}"


def _bound_role(stack: Stack, binding: Resource) -> Any:
    """The Role or ClusterRole the binding's `roleRef` names, if it is in the set:
    None when absent (or the reference is impossible), UNKNOWN when undecided."""
    kind, name = binding.get("roleRef", "kind"), binding.get("roleRef", "name")
    if kind is UNKNOWN or name is UNKNOWN:
        return UNKNOWN
    if kind == "ClusterRole":
        return None if name == "cluster-admin" else stack.find("ClusterRole", name)
    if kind == "Role" and binding.kind == "RoleBinding":
        # A RoleBinding's Role is always in the binding's own namespace.
        return stack.find("Role", name, stack.namespace_of(binding))
    return None  # a ClusterRoleBinding cannot reference a Role; other kinds do not exist


def _effective_roles(role: Resource, cluster_roles: list[Resource], seen: frozenset[int]) -> list[Resource] | None:
    """The roles whose own rules make up `role`: itself, or for an aggregated
    ClusterRole the ClusterRoles its selectors pick (recursively: the control plane
    copies an aggregated source's rules, themselves aggregated). None when unknowns
    leave that undecided."""
    aggregated = is_aggregated(role)
    if aggregated is UNKNOWN:
        return None
    if aggregated is False:
        return [role]
    sources = aggregation_sources(role, cluster_roles)
    if sources is None:
        return None
    found: list[Resource] = []
    for source in sources:
        if id(source) in seen:
            continue  # an aggregation cycle adds nothing new
        resolved = _effective_roles(source, cluster_roles, seen | {id(source)})
        if resolved is None:
            return None
        found.extend(r for r in resolved if all(r is not f for f in found))
    return found


def _phrase(capability: str, grants: Iterable[Sourced]) -> str:
    if capability == "secret-read" and any(r.verb in ("list", "watch") for _, g in grants for r in g.requests):
        return "read every Secret's data"
    return PHRASES.get(capability, capability)


def _where(bound: Resource, stack: Stack, grants: list[Sourced]) -> str:
    """`rule #0: get, list on secrets`, each source role named when aggregated."""
    parts = []
    for source, grant in grants:
        origin = "" if source is bound else f"{_named(source.kind, stack.namespace_of(source), source.name)} "
        parts.append(f"{origin}rule #{grant.rule_index}: {grant.detail}")
    text = "; ".join(parts)
    if any(source is not bound for source, _ in grants):
        return f"aggregated from {text}"
    return text


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    wanted = set(options.get("capabilities", list(CAPABILITIES)))
    cluster_roles = stack.of_kind("ClusterRole")
    for binding in stack.of_kind(*BINDING_KINDS):
        role = _bound_role(stack, binding)
        if not isinstance(role, Resource):
            continue  # not in the set, or not known yet
        who = [describe_subject(subject) for _, subject in subjects(binding)]
        if not who:
            continue  # grants nothing to anyone (or its subjects are not known yet)
        roles = _effective_roles(role, cluster_roles, frozenset({id(role)}))
        if roles is None:
            continue
        by_capability: dict[str, list[Sourced]] = {}
        for source in roles:
            for grant in binding_grants(binding, source) or []:
                by_capability.setdefault(grant.capability, []).append((source, grant))
        namespace = stack.namespace_of(binding)
        if binding.kind == "ClusterRoleBinding":
            scope = "across the cluster"
        else:
            scope = f"in namespace {namespace}" if isinstance(namespace, str) else "in its namespace"
        named_binding = _named(binding.kind, namespace, binding.name)
        named_role = _named(role.kind, stack.namespace_of(role), role.name)
        for capability in CAPABILITIES:
            found = by_capability.get(capability)
            if capability not in wanted or not found:
                continue
            yield StackViolation(
                binding,
                ("roleRef", "name"),
                f'{named_binding} grants {", ".join(who)} "{_phrase(capability, found)}" {scope} '
                f"through {named_role} ({_where(role, stack, found)})",
            )


RULE = Rule(
    name="rbac-binding-grants",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="identity",
    kinds={*BINDING_KINDS, *ROLE_KINDS},
    check=check,
    stack=True,
    options={
        **NAMESPACE_OPTION,
        "capabilities": {
            "type": "array",
            "items": {"type": "string", "enum": list(CAPABILITIES)},
            "default": list(CAPABILITIES),
            "description": (
                "The dangerous capabilities to report: "
                + ", ".join(f"`{key}` ({SUMMARIES.get(key, key)})" for key in CAPABILITIES)
                + ". All by default."
            ),
        },
    },
    tags=("cross-object", "rbac", "least-privilege"),
)
