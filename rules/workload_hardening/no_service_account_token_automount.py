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
  it; a ClusterRoleBinding's, which the API server would refuse, is a kustomize
  base's template completed at build time, so it may be any namespace's), as the
  user `system:serviceaccount:<namespace>:<name>`, or through the groups
  `system:serviceaccounts` and `system:serviceaccounts:<namespace>`;
- a pod that leaves the field unset and whose ServiceAccount in the set says
  `automountServiceAccountToken: false` gets no token, so it passes.

A pod whose containers name the token's directory
(`/var/run/secrets/kubernetes.io/serviceaccount`) in their command, arguments or
environment reads the token itself (`MC_WEB_IDENTITY_TOKEN_FILE=...`, a script that
calls the API with it): it is not judged, since turning the mount off would break
it; so does one that mounts a ConfigMap of the set whose data names that directory
or asks for Kubernetes service discovery (Prometheus' `bearer_token_file` under
`kubernetes_sd_configs`). Nor is a pod whose containers turn leader election on
(`--leader-elect`, `--leader-election=true`, `LEADER_ELECT=true`, ...): electing a
leader takes a Lease through the API, so the pod uses it even when its bindings are
in files the run does not see. Nor is a pod whose service account, or one of whose
images, is named as a Kubernetes controller or operator (a `controller` or
`operator` word: `snapshot-controller`, `ebs-csi-controller-sa`, `aws-alb-ingress-
controller`, `redis-operator`), or a volume provisioner (`nfs-client-provisioner`),
or whose image is a well-known API client of the cluster's own (`metrics-server`,
`kube-state-metrics`, `external-dns`, `coredns`, `cluster-autoscaler`, `kured`, ...:
corpus27's metrics-server):
a controller watches the API by definition, and its RBAC is often kept in files the
run does not see, where asking it to turn the token off would break it. So is a pod
whose account (other than `default`) has a ClusterRole, or a Role of its namespace,
of the same name in the set: a role written for it, bound elsewhere (Sysdig's agent
and node analyzer, whose install binds `sysdig-agent` by a command). So is a pod
whose command line runs `kubectl` (or whose image is kubectl's: `kubectl proxy`
beside a controller, corpus26), points at the API server's in-cluster address
(`--source=kubernetes:https://kubernetes.default`, kube-eventer; or in its
environment: `KUBERNETES_API_URL`, corpus27's thoth), turns the in-cluster API
configuration on (skipper's `-kubernetes-in-cluster`, `--in-cluster`), or names an object
as API clients take one
(`-nginx-configmaps=$(POD_NAMESPACE)/nginx-config`, `--target=deployment/coredns`),
or whose environment lists resource types to read (`RESOURCETYPES: "ingress
deployment configmap svc"`) or sends the program's work to Kubernetes (GitLab
Runner's `RUNNER_EXECUTOR: kubernetes`, Airflow's `KubernetesExecutor`): it starts
pods through the API with its own token. Nor is a pod Kuma injects its sidecar
into (`kuma.io/sidecar-injection: enabled` on the pod, or on its Namespace in the
set, as written or as an overlay's patch labels it): the sidecar authenticates to
Kuma's control plane with the pod's token and crash-loops without it
(kumahq/kuma#4029; the Kuma demo in corpus18), nor one Vault's agent injector adds
its agent to (`vault.hashicorp.com/agent-inject: "true"`), which logs in to Vault
with the pod's token (corpus28). Meshes that mount a token of their
own for their proxy (Istio, Linkerd) are judged as usual.

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
    applies). A binding to `system:authenticated` (every identity, people too)
    does not count: it says nothing of this pod. Teams that manage the setting on ServiceAccounts kept outside the
    linted files turn on `acceptServiceAccountSetting`: a pod that leaves the field
    unset then passes if it names a service account other than `default`.
    ServiceAccount objects themselves are not judged: whether an account's pods
    need the API is decided per workload, and the `default` account is the identity
    rules' business. What the set leaves undecided fires nothing: a value unknown
    during a Pulumi preview (the pod's account or namespace, an image, a binding's subjects,
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
from policypack.values import UNKNOWN, as_list, get, is_unknown

from .._fixes import set_where_found
from ..availability._singletons import calls_the_api, elects_leader, named_as_controller
from ..identity._rbac import BINDING_KINDS, Bindings, account_of

FIELD = "automountServiceAccountToken"
# Where the kubelet mounts the token (also reached as /run/secrets/...).
TOKEN_DIRECTORY = "secrets/kubernetes.io/serviceaccount"


def reads_token(view: Resource) -> bool | None:
    """Whether a container names the token's directory in its command, arguments or
    environment values (the program reads the token itself); None when one of those
    is not known yet (preview)."""
    pod = view.pod_spec
    for name in ("containers", "initContainers"):
        listed = pod.get(name) if pod is not None else None
        if is_unknown(listed) or any(is_unknown(entry) for entry in as_list(listed)):
            return None
    for container in view.containers(ephemeral=False):
        command, args, env = container.get("command"), container.get("args"), container.get("env")
        if is_unknown(command) or is_unknown(args) or is_unknown(env):
            return None
        words = [*as_list(command), *as_list(args)]
        words += [entry.get("value") if isinstance(entry, Mapping) else entry for entry in as_list(env)]
        if any(is_unknown(word) for word in words):
            return None
        if any(isinstance(word, str) and TOKEN_DIRECTORY in word for word in words):
            return True
    return False


def config_reads_token(stack: Stack, view: Resource, unplaced: list[Resource]) -> bool | None:
    """Whether a ConfigMap the pod mounts as a volume (in the set, in its namespace)
    names the token's directory or asks for Kubernetes service discovery: the
    program reads its token from its configuration (Prometheus'
    `bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token` under
    `kubernetes_sd_configs`). None when a volume, a name or the data is not known yet."""
    pod = view.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    if is_unknown(volumes):
        return None
    namespace = stack.namespace_of(view)
    names = []
    for volume in as_list(volumes):
        if is_unknown(volume):
            return None
        if not isinstance(volume, Mapping):
            continue
        sources = [volume.get("configMap")] + [
            source.get("configMap") if isinstance(source, Mapping) else source
            for source in as_list(get(volume, "projected", "sources"))
        ]
        for source in sources:
            name = source.get("name") if isinstance(source, Mapping) else source
            if is_unknown(name):
                return None
            if isinstance(name, str):
                names.append(name)
    if not names:
        return False
    # The set's ConfigMaps that may be one of them: of that name (or a name or
    # namespace not known yet) in the pod's namespace. One the set does not show
    # says nothing: most programs' configuration asks for no token.
    # (`unplaced`: the ConfigMaps whose namespace is not known yet, found once per run.)
    pool = (
        stack.in_namespace(namespace, "ConfigMap") + unplaced
        if isinstance(namespace, str)
        else stack.of_kind("ConfigMap")
    )
    candidates = [config for config in pool if config.name in names or is_unknown(config.name)]
    undecided = not candidates and stack.unreadable_near(view)  # it may be in a document that could not be read
    for found in candidates:
        if is_unknown(found.name) or is_unknown(stack.namespace_of(found)):
            undecided = True
        data = found.get("data")
        if is_unknown(data):
            undecided = True
            continue
        for value in data.values() if isinstance(data, Mapping) else ():
            if is_unknown(value):
                undecided = True
            elif isinstance(value, str) and (TOKEN_DIRECTORY in value or "kubernetes_sd_configs" in value):
                return True
    return None if undecided else False


#: The label (on the pod or its namespace) or annotation that has Kuma inject its
#: sidecar, which logs in to the control plane with the pod's service-account token
#: (kumahq/kuma#4029: with the token off, the sidecar crash-loops).
KUMA_INJECTION = "kuma.io/sidecar-injection"
_ON = ("enabled", "true")


def kuma_sidecar(stack: Stack, resource: Resource, view: Resource, namespace: Any) -> bool | None:
    """Whether Kuma injects its sidecar into the pod: the pod template's label or
    annotation, else its Namespace's label in the set, says so. None when not known
    yet (or the Namespace has alternative copies)."""
    path = view.pod_metadata_path
    if path is None:
        return False
    metadata = view.get(*path)
    if is_unknown(metadata):
        return None
    for field in ("labels", "annotations"):
        values = metadata.get(field) if isinstance(metadata, Mapping) else None
        setting = values.get(KUMA_INJECTION) if isinstance(values, Mapping) else None
        if is_unknown(values) or is_unknown(setting):
            return None
        if isinstance(setting, str):
            return setting.lower() in _ON
    if namespace is UNKNOWN:
        # It may land in any namespace of the set: in the mesh if one of them is.
        verdicts = {_injects(found) for found in stack.of_kind("Namespace")}
        return True if True in verdicts else (None if None in verdicts else False)
    if not isinstance(namespace, str):
        return False
    found = stack.find("Namespace", namespace, near=resource)
    if found is UNKNOWN:
        return None
    if not isinstance(found, Resource):
        return False  # not in the set: nothing says the namespace is in the mesh
    return _injects(found)


#: The pod annotation with which Vault's agent injector adds its agent, which logs in
#: to Vault's Kubernetes auth method with the pod's service-account token (corpus28's
#: pitt-crc nginx).
VAULT_INJECTION = "vault.hashicorp.com/agent-inject"


def vault_agent(view: Resource) -> bool | None:
    """Whether Vault's injector adds its agent to the pod (the pod template's
    annotation); None when not known yet."""
    path = view.pod_metadata_path
    annotations = view.get(*path, "annotations") if path is not None else None
    if is_unknown(annotations):
        return None
    setting = annotations.get(VAULT_INJECTION) if isinstance(annotations, Mapping) else None
    if is_unknown(setting):
        return None
    return isinstance(setting, str) and setting.strip().lower() in ("true", "yes", "on", "1")


def _injects(namespace: Resource) -> bool | None:
    """Whether a Namespace's label has Kuma inject its sidecar, as written or as the
    patches of the kustomizations that deploy it set it (each overlay may differ);
    None when not known yet, or when some overlays inject and others do not."""
    labels = namespace.get("metadata", "labels")
    if is_unknown(labels) or (isinstance(labels, Mapping) and is_unknown(labels.get(KUMA_INJECTION))):
        return None
    written = dict(labels) if isinstance(labels, Mapping) else {}
    verdicts = set()
    for patched in namespace.patched_labels or ({},):
        setting = {**written, **patched}.get(KUMA_INJECTION)
        verdicts.add(isinstance(setting, str) and setting.lower() in _ON)
    return verdicts.pop() if len(verdicts) == 1 else None


class RoleNames:
    """The set's role names, to tell whether one is written for a pod's account: a
    ClusterRole, or a Role of the pod's namespace, named as the (non-default)
    account, whose binding is made elsewhere (Sysdig's agent: ClusterRole
    `sysdig-agent` beside the DaemonSet, bound by a `kubectl create
    clusterrolebinding` in its install guide). Read once per set."""

    def __init__(self, stack: Stack) -> None:
        self.cluster = {
            role.name if isinstance(role.name, str) or role.name is UNKNOWN else UNKNOWN  # a blank: not known
            for role in stack.of_kind("ClusterRole")
        }
        self.placed: dict[Any, set[Any]] = {}
        for role in stack.of_kind("Role"):
            name = role.name if isinstance(role.name, str) or role.name is UNKNOWN else UNKNOWN  # a blank: not known
            self.placed.setdefault(stack.namespace_of(role), set()).add(name)

    def written_for(self, account: Any, namespace: Any) -> bool:
        if not isinstance(account, str) or account == "default":
            return False
        if isinstance(namespace, str):
            names = self.cluster | self.placed.get(namespace, set()) | self.placed.get(UNKNOWN, set())
        else:  # the pod's namespace is not known yet: any Role may be in it
            names = self.cluster.union(*self.placed.values())
        return account in names or UNKNOWN in names


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


class Accounts:
    """The set's ServiceAccounts by (name, namespace), to look up each pod's."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.placed: dict[tuple[Any, Any], list[Resource]] = {}
        self.unnamed: set[Any] = set()  # the namespaces of accounts whose name is not known yet
        for account in stack.of_kind("ServiceAccount"):
            if account.is_custom_resource:
                continue
            where = stack.namespace_of(account)
            if not isinstance(account.name, str):  # not known yet, or a template's blank (`{name}`)
                self.unnamed.add(where)
                continue
            self.placed.setdefault((account.name, where), []).append(account)

    def setting(self, account: str, namespace: Any, near: Resource) -> Any:
        """The `automountServiceAccountToken` of the pod's ServiceAccount: its value
        (None when unset, or when the set does not hold the account), or UNKNOWN when
        unknowns (a name or namespace, alternative copies) leave the account open."""
        if namespace is UNKNOWN:  # any account of that name (or of a name not known yet) may be it
            return UNKNOWN if self.unnamed or any(name == account for name, _ in self.placed) else None
        if {namespace, UNKNOWN} & self.unnamed or (account, UNKNOWN) in self.placed:
            return UNKNOWN  # an account whose name or namespace is not known yet may be this one
        candidates = self.placed.get((account, namespace))
        if not candidates:
            return None
        selection = self.stack.resolve(Selection(matched=list(candidates)), near)
        if selection.undecided or not selection.matched:
            return UNKNOWN  # alternative copies: which one is deployed is not known
        return selection.matched[0].get(FIELD)


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    bindings, accounts, roles = Bindings(stack), Accounts(stack), RoleNames(stack)
    unplaced = [config for config in stack.of_kind("ConfigMap") if stack.namespace_of(config) is UNKNOWN]
    for resource in stack:
        if resource.kind not in POD_KINDS and not resource.is_custom_resource:
            continue  # a ServiceAccount or a binding: context
        namespace = stack.namespace_of(resource)
        for view in pods(resource):
            pod = view.pod_spec
            if pod is None:
                continue
            violation = pod_violation(pod, options)
            if violation is None or reads_token(view) is not False:
                continue  # the pod reads its token itself (or may: not known yet)
            if config_reads_token(stack, view, unplaced) is not False:
                continue  # its mounted configuration reads the token (or may: not known yet)
            if elects_leader(view):
                continue  # leader election takes a Lease through the API: the pod uses it
            if kuma_sidecar(stack, resource, view, namespace) is not False:
                continue  # Kuma's sidecar logs in with the pod's token (or may: not known yet)
            if vault_agent(view) is not False:
                continue  # Vault's injected agent logs in with the pod's token (or may: not known yet)
            account = account_of(pod)
            if account is UNKNOWN:
                continue  # which account, so which bindings, is not known yet
            if named_as_controller(view, account) is not False or calls_the_api(view) is not False:
                continue  # a controller or an API client, wherever its bindings are (or may be one)
            if bindings.bind(account, namespace, stack.floating(resource)) is not False:
                continue  # the pod uses the API (or may: not known yet)
            if roles.written_for(account, namespace):
                continue  # a role written for its account, bound in files the run does not see
            if pod.get(FIELD) is None:
                setting = accounts.setting(account, namespace, resource)
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
    kinds={
        *POD_KINDS,
        "ServiceAccount",
        "ConfigMap",
        "Role",
        "ClusterRole",
        "Namespace",  # a mesh's injection label
        *BINDING_KINDS,
        CUSTOM_RESOURCES,
    },
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
