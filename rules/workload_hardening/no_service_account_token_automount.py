"""Pods do not get a Kubernetes API token unless they say they need one.

Fires on every pod-bearing object whose pod spec leaves
`automountServiceAccountToken` unset (so the token is mounted by default) or, with
`acceptExplicitTrue` turned off, sets it to `true`. An explicit `false` always
passes. By default an explicit `true` passes as well: it is a visible, reviewable
statement that the pod talks to the API server.

The set (the stack, or the objects linted together) decides two cases the pod spec
alone cannot:

- a pod whose service account (its `serviceAccountName`, else `default`) is a subject
  of a RoleBinding or ClusterRoleBinding in the set uses the API, so it is not
  judged: as a ServiceAccount subject of that name and namespace (a RoleBinding's
  subject without a namespace is in the binding's namespace, as Kubernetes reads
  it), as the user `system:serviceaccount:<namespace>:<name>`, or through the groups
  `system:serviceaccounts` and `system:serviceaccounts:<namespace>`;
- a pod that leaves the field unset and whose ServiceAccount in the set says
  `automountServiceAccountToken: false` gets no token, so it passes.

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
    A binding counts whatever role it references: a binding to the pod's account
    says the pod talks to the API, and `rbac-binding-grants` judges what it grants.
    A binding in another namespace counts when its subject is the pod's account
    (`subjects[].namespace` names the account's namespace, not where the grant
    applies). Teams that manage the setting on ServiceAccounts kept outside the
    linted files turn on `acceptServiceAccountSetting`: a pod that leaves the field
    unset then passes if it names a service account other than `default`.
    ServiceAccount objects themselves are not judged: whether an account's pods
    need the API is decided per workload, and the `default` account is the identity
    rules' business. What the set leaves undecided fires nothing: a value unknown
    during a Pulumi preview (the pod's account or namespace, a binding's subjects,
    the ServiceAccount's setting), or a ServiceAccount defined in several
    alternative files (docs/sets.md). The deprecated `serviceAccount` field is read
    when `serviceAccountName` is empty, as the API server does. The fix is applied
    by `policypack fix` only: Pulumi remediates one resource before the stack is
    known, when the bindings cannot be seen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS, PodSpec, Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, StackViolation, Violation
from policypack.stack import NAMESPACE_OPTION, Selection, Stack
from policypack.values import UNKNOWN, as_list

from .._fixes import set_where_found

FIELD = "automountServiceAccountToken"
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"  # the group of every service account


def account_of(pod: PodSpec) -> Any:
    """The pod's service account: `serviceAccountName`, else the deprecated
    `serviceAccount`, else `default` (UNKNOWN when not known yet)."""
    for key in ("serviceAccountName", "serviceAccount"):
        value = pod.get(key)
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(value, str) and value:
            return value
    return "default"


def pod_violation(pod: PodSpec, options: Mapping[str, Any]) -> Violation | None:
    """The verdict the pod spec alone gives (before the set is consulted)."""
    value = pod.get(FIELD)
    if value is False or value is UNKNOWN:
        return None
    if value is True:
        if options["acceptExplicitTrue"] is True:
            return None
        message = "the pod sets automountServiceAccountToken: true, so every container gets an API token"
    else:
        account = account_of(pod)
        if account is UNKNOWN:
            return None
        if account != "default" and options["acceptServiceAccountSetting"] is True:
            return None
        message = (
            "the pod does not set automountServiceAccountToken: false, so every container gets an API token "
            f'for service account "{account}"'
        )
    return Violation(pod.path + (FIELD,), message)


def pods(resource: Resource) -> list[Resource]:
    """The resource itself for a pod-bearing kind, or each pod template of a custom
    resource (as pod rules judge them; findings land on the resource)."""
    return resource.pod_views() or [resource]


def _subject_covers(subject: Any, binding: Resource, stack: Stack, account: str, namespace: Any) -> bool | None:
    """Whether one binding subject is the service account `namespace/account`: True,
    False, or None when unknowns leave it open."""
    if subject is UNKNOWN:
        return None
    if not isinstance(subject, Mapping):
        return False
    kind, name = subject.get("kind"), subject.get("name")
    if kind is UNKNOWN or name is UNKNOWN:
        return None
    if not isinstance(name, str):
        return False
    if kind == "ServiceAccount":
        if name != account:
            return False
        home = subject.get("namespace")
        if home is UNKNOWN:
            return None
        if not (isinstance(home, str) and home):
            if binding.kind != "RoleBinding":
                return False  # a ClusterRoleBinding must name it (the API server refuses one without)
            home = stack.namespace_of(binding)  # as the authorizer reads a RoleBinding's subject
    elif kind == "Group":
        if name == ALL_SERVICE_ACCOUNTS:
            return True
        if not name.startswith(ALL_SERVICE_ACCOUNTS + ":"):
            return False
        home = name[len(ALL_SERVICE_ACCOUNTS) + 1 :]
    elif kind == "User":
        prefix, _, rest = name.partition(":serviceaccount:")
        home, _, user = rest.partition(":")
        if prefix != "system" or user != account:
            return False
    else:
        return False
    if home is UNKNOWN or namespace is UNKNOWN:
        return None
    return home == namespace


def bound(stack: Stack, account: str, namespace: Any) -> bool | None:
    """Whether a RoleBinding or ClusterRoleBinding of the set names the service account
    (or a group holding it): True, False, or None when unknowns leave it open."""
    undecided = False
    for binding in stack.of_kind(*BINDING_KINDS):
        if binding.is_custom_resource:
            continue
        listed = binding.get("subjects")
        if listed is UNKNOWN:
            undecided = True
            continue
        for subject in as_list(listed):
            verdict = _subject_covers(subject, binding, stack, account, namespace)
            if verdict:
                return True
            undecided = undecided or verdict is None
    return None if undecided else False


def account_setting(stack: Stack, account: str, namespace: Any, near: Resource) -> Any:
    """The `automountServiceAccountToken` of the pod's ServiceAccount in the set: its
    value (None when unset or the account is not in the set), or UNKNOWN when the
    account's object is undecided (unknown names or namespaces, alternative copies)."""
    candidates = []
    undecided = False
    for account_object in stack.of_kind("ServiceAccount"):
        if account_object.is_custom_resource:
            continue
        name, where = account_object.name, stack.namespace_of(account_object)
        if name is UNKNOWN or (name == account and (where is UNKNOWN or namespace is UNKNOWN)):
            undecided = True
        elif name == account and where == namespace:
            candidates.append(account_object)
    if undecided:
        return UNKNOWN
    if not candidates:
        return None
    selection = stack.resolve(Selection(matched=candidates), near)
    if selection.undecided or not selection.matched:
        return UNKNOWN  # alternative copies: which one is deployed is not known
    return selection.matched[0].get(FIELD)


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    verdicts: dict[tuple[str, Any], bool | None] = {}  # bound(), per account and namespace
    for resource in stack:
        if resource.kind not in POD_KINDS and not resource.is_custom_resource:
            continue  # a ServiceAccount or a binding: context
        namespace = stack.namespace_of(resource)
        for view in pods(resource):
            pod = view.pod_spec
            if pod is None:
                continue
            violation = pod_violation(pod, options)
            if violation is None:
                continue
            account = account_of(pod)
            if account is UNKNOWN:
                continue  # which account, so which bindings, is not known yet
            key = (account, namespace)
            if key not in verdicts:
                verdicts[key] = bound(stack, account, namespace)
            if verdicts[key] is not False:
                continue  # the pod uses the API (or may: not known yet)
            if pod.get(FIELD) is None:
                setting = account_setting(stack, account, namespace, resource)
                if setting is False or setting is UNKNOWN:
                    continue  # the pod's ServiceAccount mounts no token (or that is not known yet)
            yield StackViolation(resource, violation.path, violation.message)


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`automountServiceAccountToken: false` on the pod (unsafe: an application that
    talks to the Kubernetes API loses its token)."""
    found = (pod_violation(view.pod_spec, options) for view in pods(obj) if view.pod_spec is not None)
    return set_where_found((v for v in found if v is not None), obj, FIELD, False)


RULE = Rule(
    name="no-service-account-token-automount",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds={*POD_KINDS, "ServiceAccount", *BINDING_KINDS, CUSTOM_RESOURCES},
    check=check,
    stack=True,
    options={
        **NAMESPACE_OPTION,
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
