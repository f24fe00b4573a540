"""What a Role's or ClusterRole's policy rules grant, the way the RBAC authorizer decides.

This module holds no rule (it defines no `RULE`, so the registry skips it); the
`rbac-*` rules and the stack rules that judge a binding by the role it references
share it.

Matching follows Kubernetes' own evaluation (`pkg/apis/rbac/v1/evaluation_helpers.go`
and the RBAC authorizer's `RuleAllows`), for a resource request:

- verbs: `*` or the exact verb;
- apiGroups: `*` or the exact group (`""` is the core group);
- resources: `*` (every resource *and* every subresource), the exact
  `resource/subresource`, or `*/subresource` (that subresource of any resource).
  `pods/*` is **not** a wildcard: it only matches a subresource literally named `*`,
  and `pods` does not match `pods/exec`;
- resourceNames: empty or missing means every object; otherwise the exact names only
  (no wildcards). A request without a name (`create`, and `list`/`watch` without a
  `metadata.name` field selector) never matches a rule that lists names;
- nonResourceURLs: `*`, the exact path, or a prefix ending in `*`; a rule for
  non-resource URLs is not consulted for resource requests.

A Role only ever grants namespaced resources in its own namespace, so a Role's rule
naming a cluster-scoped resource (`nodes/proxy`, `persistentvolumes`, webhook
configurations) grants nothing.

Unknown values (Pulumi preview): an unknown field or list entry matches nothing, so
nothing fires because of it; an unknown `resourceNames` counts as restricted.

Aggregated ClusterRoles: the control plane overwrites the `rules` of a ClusterRole
that has an `aggregationRule` with the rules of the ClusterRoles its selectors pick,
so its own listed rules say nothing and cannot be judged from that object alone
(`is_aggregated`). The other way round, a ClusterRole labelled
`rbac.authorization.k8s.io/aggregate-to-admin|edit|view: "true"` adds its rules to
those built-in roles (`aggregated_into`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policypack.model import PodSpec, Resource
from policypack.stack import Stack, label_selector_matches
from policypack.values import UNKNOWN, Path, as_list

CORE = ""
RBAC_GROUP = "rbac.authorization.k8s.io"
ADMISSION_GROUP = "admissionregistration.k8s.io"
CERTIFICATES_GROUP = "certificates.k8s.io"

#: The built-in ClusterRoles that pick up other ClusterRoles by label.
AGGREGATING_ROLES = ("admin", "edit", "view")
AGGREGATE_LABEL = "rbac.authorization.k8s.io/aggregate-to-{}"


@dataclass(frozen=True)
class Request:
    """One resource request, in the authorizer's terms."""

    verb: str
    group: str
    resource: str  # "pods/exec" for a subresource
    # None: any object, so only a rule without resourceNames grants it. A tuple:
    # the request names one of these objects (any of them suffices).
    names: tuple[str, ...] | None = None
    # Whether the resource is cluster-scoped for this verb (a Role cannot grant it).
    cluster_scoped: bool = False

    @property
    def subresource(self) -> str:
        return self.resource.partition("/")[2]

    @property
    def label(self) -> str:
        return self.resource if self.group == CORE else f"{self.resource}.{self.group}"


@dataclass(frozen=True)
class Match:
    """Which rule granted a request, and the `resources` (or `nonResourceURLs`) entry
    that did: the field a fix must change."""

    rule_index: int
    path: Path
    entry: str  # the entry as written ("*", "*/exec", "pods/exec")


def _strings(value: Any) -> list[str]:
    """The string entries of a list field; unknown and malformed entries match nothing."""
    return [item for item in as_list(value) if isinstance(item, str)]


def verb_matches(rule: Mapping[str, Any], verb: str) -> bool:
    return any(v in ("*", verb) for v in _strings(rule.get("verbs")))


def group_matches(rule: Mapping[str, Any], group: str) -> bool:
    return any(g in ("*", group) for g in _strings(rule.get("apiGroups")))


def resource_entry(rule: Mapping[str, Any], resource: str) -> tuple[int, str] | None:
    """The position and text of the first `resources` entry that matches, or None."""
    subresource = resource.partition("/")[2]
    for position, entry in enumerate(as_list(rule.get("resources"))):
        if not isinstance(entry, str):
            continue
        if entry in ("*", resource) or (subresource and entry == f"*/{subresource}"):
            return position, entry
    return None


def names_match(rule: Mapping[str, Any], names: tuple[str, ...] | None) -> bool:
    value = rule.get("resourceNames")
    if value is None or value == []:
        return True  # every object
    if not isinstance(value, list):
        return False  # unknown (or malformed): could restrict, so it grants nothing for sure
    return names is not None and any(n in names for n in _strings(value))


def rule_allows(rule: Any, request: Request) -> tuple[int, str] | None:
    """Whether one policy rule allows the request: the matching `resources` entry."""
    if not isinstance(rule, Mapping):
        return None
    if not (verb_matches(rule, request.verb) and group_matches(rule, request.group)):
        return None
    if not names_match(rule, request.names):
        return None
    return resource_entry(rule, request.resource)


def matches(rules: Any, request: Request, *, namespaced: bool = False) -> list[Match]:
    """Every rule of `rules` that allows the request. `namespaced` is True for a Role
    (which grants nothing cluster-scoped)."""
    if namespaced and request.cluster_scoped:
        return []
    found = []
    for index, rule in enumerate(as_list(rules)):
        entry = rule_allows(rule, request)
        if entry is not None:
            found.append(Match(index, ("rules", index, "resources", entry[0]), entry[1]))
    return found


def allows(rules: Any, request: Request, *, namespaced: bool = False) -> Match | None:
    """The first rule that allows the request, or None."""
    found = matches(rules, request, namespaced=namespaced)
    return found[0] if found else None


def url_allows(rules: Any, verb: str, url: str) -> Match | None:
    """The first rule that allows a non-resource request (`get /metrics`)."""
    for index, rule in enumerate(as_list(rules)):
        if not isinstance(rule, Mapping) or not verb_matches(rule, verb):
            continue
        for position, entry in enumerate(as_list(rule.get("nonResourceURLs"))):
            if not isinstance(entry, str):
                continue
            if entry in ("*", url) or (entry.endswith("*") and url.startswith(entry[:-1])):
                return Match(index, ("rules", index, "nonResourceURLs", position), entry)
    return None


# --- the dangerous capabilities ----------------------------------------------------


@dataclass(frozen=True)
class Capability:
    """A power worth a finding: any one of `requests` grants it."""

    key: str
    requests: tuple[Request, ...]


def _requests(
    verbs: Iterable[str], group: str, resources: Iterable[str], *, cluster_scoped: bool = False
) -> tuple[Request, ...]:
    return tuple(Request(v, group, r, cluster_scoped=cluster_scoped) for r in resources for v in verbs)


WORKLOAD_RESOURCES: tuple[tuple[str, str], ...] = (
    (CORE, "pods"),
    (CORE, "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
)

ADMISSION_RESOURCES = (
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
)

# The signers whose certificates the API server trusts for client authentication.
# The authorizer checks `approve` on the signer's name and on "<domain>/*".
CLIENT_SIGNERS = (
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
    "kubernetes.io/legacy-unknown",
    "kubernetes.io/*",
)

# The HTTP methods a proxy request can carry, as verbs.
PROXY_VERBS = ("get", "create", "update", "patch", "delete")

CAPABILITIES: dict[str, Capability] = {
    c.key: c
    for c in (
        # list and watch return whole objects, values included: not only `get`.
        Capability("secret-read", _requests(("get", "list", "watch"), CORE, ("secrets",))),
        # `create` is what SPDY clients need; a WebSocket exec is a GET, authorized
        # as `get` alone before Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission).
        Capability(
            "pod-exec",
            _requests(("create", "get"), CORE, ("pods/exec", "pods/attach", "pods/portforward"))
            + _requests(("update", "patch"), CORE, ("pods/ephemeralcontainers",)),
        ),
        Capability(
            "workload-create",
            tuple(Request("create", group, resource) for group, resource in WORKLOAD_RESOURCES),
        ),
        Capability(
            "escalation",
            _requests(("bind", "escalate"), RBAC_GROUP, ("roles",))
            # A RoleBinding may reference a ClusterRole: `bind` on clusterroles counts in a Role too.
            + _requests(("bind",), RBAC_GROUP, ("clusterroles",))
            + _requests(("escalate",), RBAC_GROUP, ("clusterroles",), cluster_scoped=True)
            + _requests(("impersonate",), CORE, ("users", "groups"), cluster_scoped=True)
            + _requests(("impersonate",), CORE, ("serviceaccounts",)),
        ),
        Capability("node-proxy", _requests(PROXY_VERBS, CORE, ("nodes/proxy",), cluster_scoped=True)),
        Capability(
            "csr-approval",
            _requests(
                ("update", "patch"), CERTIFICATES_GROUP, ("certificatesigningrequests/approval",), cluster_scoped=True
            ),
        ),
        Capability(
            "admission-changes",
            _requests(
                ("create", "update", "patch", "delete", "deletecollection"),
                ADMISSION_GROUP,
                ADMISSION_RESOURCES,
                cluster_scoped=True,
            ),
        ),
        Capability("pv-create", _requests(("create",), CORE, ("persistentvolumes",), cluster_scoped=True)),
        Capability("token-create", _requests(("create",), CORE, ("serviceaccounts/token",))),
    )
}

SIGNER_APPROVAL = Request("approve", CERTIFICATES_GROUP, "signers", names=CLIENT_SIGNERS, cluster_scoped=True)


@dataclass(frozen=True)
class Grant:
    """One policy rule granting one capability: what a finding is about."""

    capability: str
    rule_index: int
    path: Path  # the first `resources` entry of that rule that grants it
    requests: tuple[Request, ...]  # every request of the capability the rule allows
    entries: tuple[str, ...]  # the `resources` entries that matched, as written

    @property
    def detail(self) -> str:
        """`get, list on secrets (through "*")`: the verbs and resources granted."""
        verbs = list(dict.fromkeys(r.verb for r in self.requests))
        resources = list(dict.fromkeys(r.label for r in self.requests))
        text = f"{', '.join(verbs)} on {', '.join(resources)}"
        wildcards = [e for e in dict.fromkeys(self.entries) if "*" in e]
        if wildcards:
            text += " (through " + ", ".join(f'"{e}"' for e in wildcards) + ")"
        return text


def pod_access(requests: Iterable[Request]) -> str:
    """What a pod-exec grant lets its holder do, as a message says it: run commands
    (exec, attach, an ephemeral container), or only tunnel to the pods' ports
    (`pods/portforward` runs nothing: corpus25's sub-admin role)."""
    if all(request.resource == "pods/portforward" for request in requests):
        return "open tunnels to pods' ports"
    return "run commands in pods"


def grants(rules: Any, capability: str, *, namespaced: bool = False) -> list[Grant]:
    """Each rule of `rules` that grants the capability, in rule order."""
    by_rule: dict[int, list[tuple[Request, Match]]] = {}
    for request in CAPABILITIES[capability].requests:
        for match in matches(rules, request, namespaced=namespaced):
            by_rule.setdefault(match.rule_index, []).append((request, match))
    out = []
    for index in sorted(by_rule):
        found = by_rule[index]
        first = min(found, key=lambda pair: pair[1].path)
        out.append(
            Grant(
                capability,
                index,
                first[1].path,
                tuple(request for request, _ in found),
                tuple(match.entry for _, match in found),
            )
        )
    return out


def dangerous_grants(rules: Any, *, namespaced: bool = False) -> list[Grant]:
    """Every dangerous capability `rules` grant, by capability then rule."""
    return [grant for key in CAPABILITIES for grant in grants(rules, key, namespaced=namespaced)]


# --- roles ----------------------------------------------------------------------


def is_aggregated(role: Resource) -> Any:
    """True when the control plane fills this ClusterRole's rules (`aggregationRule`),
    UNKNOWN when that is not known yet, else False."""
    if role.kind != "ClusterRole":
        return False
    value = role.get("aggregationRule")
    if value is UNKNOWN:
        return UNKNOWN
    return value is not None


def aggregated_into(role: Resource) -> list[str]:
    """The built-in ClusterRoles (admin, edit, view) this ClusterRole adds its rules to."""
    if role.kind != "ClusterRole":
        return []
    labels = role.labels
    return [name for name in AGGREGATING_ROLES if labels.get(AGGREGATE_LABEL.format(name)) == "true"]


def role_grants(role: Resource, capability: str) -> Iterator[Grant]:
    """The grants of a Role or ClusterRole judged by its own rules. An aggregated
    ClusterRole (or one not known yet to be plain) yields nothing: its rules are
    overwritten by the control plane."""
    if is_aggregated(role) is not False:
        return
    yield from grants(role.get("rules"), capability, namespaced=role.kind == "Role")


def aggregation_sources(role: Resource, cluster_roles: Iterable[Resource]) -> list[Resource] | None:
    """The ClusterRoles whose rules the control plane copies into an aggregated
    ClusterRole (any of its `clusterRoleSelectors` matches their labels; an empty
    selector matches every ClusterRole, as in the aggregation controller). None when
    that cannot be told yet (an unknown selector or label)."""
    selectors = role.get("aggregationRule", "clusterRoleSelectors")
    if selectors is UNKNOWN:
        return None
    found, undecided = [], False
    for candidate in cluster_roles:
        if candidate is role or candidate.kind != "ClusterRole":
            continue
        verdicts = [label_selector_matches(s, candidate.metadata.get("labels")) for s in as_list(selectors)]
        if True in verdicts:
            found.append(candidate)
        elif None in verdicts:
            undecided = True
    return None if undecided else found


def binding_grants(binding: Resource, role: Resource) -> list[Grant] | None:
    """The dangerous capabilities a RoleBinding or ClusterRoleBinding hands its subjects
    through `role`, the object its `roleRef` names. A RoleBinding grants only namespaced
    resources, even through a ClusterRole. None for an aggregated ClusterRole (resolve
    it with `aggregation_sources`) or one not known yet to be plain. The grants' paths
    are in the role."""
    if is_aggregated(role) is not False:
        return None
    return dangerous_grants(role.get("rules"), namespaced=binding.kind == "RoleBinding" or role.kind == "Role")


def where(role: Resource) -> str:
    """The message suffix for a ClusterRole whose rules flow into built-in roles."""
    into = aggregated_into(role)
    if not into:
        return ""
    names = ", ".join(f'"{name}"' for name in into)
    return f"; aggregated into the built-in ClusterRole{'s' if len(into) > 1 else ''} {names}"


# --- bindings -------------------------------------------------------------------


def describe_subject(subject: Any) -> str:
    """`ServiceAccount ci/deployer`, `Group shop-developers`, `?` for a malformed one."""
    if not isinstance(subject, Mapping):
        return "?"
    kind, name, namespace = subject.get("kind"), subject.get("name"), subject.get("namespace")
    if not isinstance(name, str):
        name = "(name not known yet)" if name is UNKNOWN else "?"
    text = f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name
    return f"{kind} {text}" if isinstance(kind, str) else text


def subjects(binding: Resource) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The well-formed subjects of a RoleBinding or ClusterRoleBinding, with their index."""
    for index, subject in enumerate(as_list(binding.get("subjects"))):
        if isinstance(subject, Mapping):
            yield index, subject


def describe_role_ref(binding: Resource) -> str:
    """`ClusterRole "view"`, or `its role` while the reference is not known."""
    kind, name = binding.get("roleRef", "kind"), binding.get("roleRef", "name")
    if not isinstance(name, str):
        return "its role"
    return f'{kind} "{name}"' if isinstance(kind, str) else f'"{name}"'


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


#: Resources a pod's service account is granted `use` of at admission: a binding that
#: grants only these lets the pod be admitted, and makes it no client of the API.
ADMISSION_RESOURCES = frozenset({"podsecuritypolicies", "securitycontextconstraints"})


def _admission_only(stack: Stack, binding: Resource) -> bool:
    """Whether the binding's role (in the set) grants only `use` of pod security
    policies or security context constraints: corpus33's `allowed-psps` Role, bound
    to the group of every service account, which made every pod of the namespace
    look like an API client."""
    kind, name = binding.get("roleRef", "kind"), binding.get("roleRef", "name")
    if kind not in ("Role", "ClusterRole"):
        return False
    role = stack.find(kind, name, stack.namespace_of(binding) if kind == "Role" else None, near=binding)
    if not isinstance(role, Resource) or role.get("aggregationRule") is not None:
        return False
    rules = role.get("rules")
    if not isinstance(rules, list) or not rules:
        return False
    for rule in rules:
        if not isinstance(rule, Mapping):
            return False
        verbs, resources = rule.get("verbs"), rule.get("resources")
        if not isinstance(verbs, list) or not isinstance(resources, list) or rule.get("nonResourceURLs"):
            return False
        if set(verbs) != {"use"} or not resources or not set(resources) <= ADMISSION_RESOURCES:
            return False
    return True


class Bindings:
    """The service accounts the set's RoleBindings and ClusterRoleBindings name, built
    once per set so that each pod's lookup does not walk every binding."""

    def __init__(self, stack: Stack) -> None:
        self.accounts: set[tuple[str, Any]] = set()  # (name, namespace); UNKNOWN: not known yet
        self.namespaces: set[str] = set()  # of the groups `system:serviceaccounts:<namespace>`
        self.everyone = False  # the group `system:serviceaccounts`
        self.open = False  # a subject not known yet: it may be any account
        # Offline: the ServiceAccounts a kustomization with `namespace:` deploys, by the
        # (name, namespace) their files write, with the namespace it gives them.
        self._moved: dict[tuple[Any, Any], set[Any]] = {}
        for account in stack.of_kind("ServiceAccount"):
            if account.deployed_namespace is not None:
                key = (account.name, account.get("metadata", "namespace"))
                self._moved.setdefault(key, set()).add(account.deployed_namespace)
        for binding in stack.of_kind(*BINDING_KINDS):
            if binding.is_custom_resource or _admission_only(stack, binding):
                continue
            listed = binding.get("subjects")
            self.open = self.open or listed is UNKNOWN
            for subject in as_list(listed):
                self._add(subject, binding, stack)

    def _add(self, subject: Any, binding: Resource, stack: Stack) -> None:
        if subject is UNKNOWN:
            self.open = True
            return
        if not isinstance(subject, Mapping):
            return
        kind, name = subject.get("kind"), subject.get("name")
        if kind is UNKNOWN or name is UNKNOWN:
            self.open = True
        elif not isinstance(name, str):
            return
        elif kind == "ServiceAccount":
            home = subject.get("namespace")
            if not (isinstance(home, str) and home) and home is not UNKNOWN:
                # The API server refuses a ClusterRoleBinding without it, so one that
                # leaves it out is a template: kustomize's `namespace:` fills it in at
                # build time (gcs-fuse-csi-driver's base). Where it lands is not known.
                # A RoleBinding's subject is read as the authorizer does: its namespace.
                home = UNKNOWN if binding.kind != "RoleBinding" else stack.namespace_of(binding)
            home = self._as_built(binding, name, subject.get("namespace"), home)
            self.accounts.add((name, home))
        elif kind == "Group" and name == ALL_SERVICE_ACCOUNTS:
            self.everyone = True
        elif kind == "Group" and name.startswith(ALL_SERVICE_ACCOUNTS + ":"):
            self.namespaces.add(name[len(ALL_SERVICE_ACCOUNTS) + 1 :])
        elif kind == "User":  # an account's user name: system:serviceaccount:<namespace>:<name>
            prefix, _, rest = name.partition(":serviceaccount:")
            home, _, user = rest.partition(":")
            if prefix == "system" and user:
                self.accounts.add((user, home))

    def _as_built(self, binding: Resource, name: str, written: Any, home: Any) -> Any:
        """The subject's namespace as kustomize builds it: a kustomization that sets
        `namespace:` moves a ServiceAccount subject named `default`, or naming a
        ServiceAccount it deploys (as written: name and namespace), into that
        namespace (kustomize v5.5, checked with `kubectl kustomize`: Tekton's prow
        binds `default/crier`, which lands in `prow` with its account)."""
        moved = binding.deployed_namespace
        if moved is None or not (name == "default" or (name, written) in self._moved):
            return home
        if moved is UNKNOWN or (name != "default" and self._moved[(name, written)] != {moved}):
            return UNKNOWN  # overlays put it in different namespaces
        return moved

    def bind(self, account: str, namespace: Any, floating: bool = False) -> bool | None:
        """Whether a binding names the service account `namespace/account` (or a group
        holding it): True, False, or None when unknowns leave it open. A pod that
        names no namespace (`floating`, see Stack.floating) may land in any namespace:
        a binding of its account's name in another namespace leaves it open."""
        if self.everyone or (account, namespace) in self.accounts or namespace in self.namespaces:
            return True
        if self.open or (account, UNKNOWN) in self.accounts:
            return None
        if floating and (self.namespaces or any(name == account for name, _ in self.accounts)):
            return None
        if namespace is UNKNOWN and (self.namespaces or any(name == account for name, _ in self.accounts)):
            return None  # where the pod lands is not known yet
        return False
