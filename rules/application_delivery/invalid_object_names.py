"""Objects have names the API server accepts, and pods refer to names that can exist.

Fires on a built-in object whose `metadata.name` (or `generateName` prefix) Kubernetes
refuses, as its API validation does:

- Service: a DNS label (RFC 1035): lower-case letters, digits and `-`, starting with
  a letter, ending with a letter or digit, at most 63 characters;
- Namespace: a DNS label (RFC 1123), which may also start with a digit;
- Role, ClusterRole, RoleBinding, ClusterRoleBinding: any path segment, not `.` or
  `..`, without `/` or `%` (`system:aggregate-to-view` is one);
- every other built-in kind: a DNS subdomain (RFC 1123): lower-case letters, digits,
  `-` and `.`, starting and ending with a letter or digit, at most 253 characters
  (as Kubernetes checks it, a part between dots may be longer than 63).

And on a pod spec's reference to a ServiceAccount, ConfigMap, Secret or
PersistentVolumeClaim by a name no such object can have (`envFrom: [{secretRef: {name:
user_secret}}]`): those kinds take DNS subdomains, so the reference can never resolve.

Why it matters:
    The API server refuses the whole object (`metadata.name: Invalid value:
    "internal_network": a lowercase RFC 1123 subdomain must consist of ...`), so the
    apply fails at deploy time, often halfway through a release. A pod that refers to
    a name no object can have waits forever (`CreateContainerConfigError`, or a
    ReplicaSet that cannot create pods), whatever else is deployed.

How to fix:
    Use lower-case letters, digits and `-` (and `.` where a subdomain is allowed):

        metadata:
          name: internal-network
        envFrom:
          - secretRef: {name: user-secret}

Notes:
    Names a rendering step fills in (`${ENVIRONMENT}-app`, `{{ .Release.Name }}`,
    kustomize's `$(VAR)`) and names not known yet (preview) are not judged. Custom
    resources are not judged: their CRD decides what a name may be. Nor are a
    ConfigMap's or Secret's keys, which are not object names. One finding per object,
    at the first such name, naming the others (one habit of naming, one fix).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, get, is_template_text

from .references_exist import references
from .unknown_fields import KINDS

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = lazy_compile(rf"{_LABEL}(?:\.{_LABEL})*")
_DNS1123_LABEL = lazy_compile(_LABEL)
_DNS1035_LABEL = lazy_compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
_RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})
#: The kinds pods refer to by name, and what their names are.
_REFERRED = frozenset({"ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim"})

_WHAT = {
    "subdomain": "a DNS subdomain (lower-case letters, digits, '-' and '.', starting and ending with a "
    "letter or digit, at most 253 characters)",
    "1123": "a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit, "
    "at most 63 characters)",
    "1035": "a DNS label (lower-case letters, digits and '-', starting with a letter and ending with a letter "
    "or digit, at most 63 characters)",
    "segment": "a path segment (not '.' or '..', without '/' or '%')",
}


def _form(kind: Any) -> str:
    if kind == "Service":
        return "1035"
    if kind == "Namespace":
        return "1123"
    if kind in _RBAC_KINDS:
        return "segment"
    return "subdomain"


def _valid(name: str, form: str, prefix: bool = False) -> bool:
    """Whether `name` is a valid name of that form; a `generateName` prefix is judged
    as the start of one (it may end in `-`, and a suffix of 5 characters follows)."""
    if form == "segment":
        return name not in (".", "..") and "/" not in name and "%" not in name
    text = name.rstrip("-") + "x" if prefix else name
    if prefix and not name.rstrip("-"):
        return False
    if form == "subdomain":
        # (Kubernetes' IsDNS1123Subdomain checks the whole length, not each label's:
        # corpus30's 74-character Secret names and corpus31's claim names are valid.)
        return len(text) <= 253 and bool(_SUBDOMAIN.fullmatch(text))
    pattern = _DNS1035_LABEL if form == "1035" else _DNS1123_LABEL
    return len(text) <= 63 and bool(pattern.fullmatch(text))


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.is_custom_resource:
        return  # its CRD decides what a name may be
    form = _form(obj.kind)
    for field in ("name", "generateName"):
        name = obj.get("metadata", field)
        if (
            isinstance(name, str)
            and name
            and not is_template_text(name)
            and not _valid(name, form, prefix=field == "generateName")
        ):
            yield Violation(
                ("metadata", field),
                f'{obj.kind} {field} "{name}" is not {_WHAT[form]}: the API server refuses the object',
            )
    if obj.kind not in POD_KINDS:
        return
    pod = obj.pod_spec
    claims = [
        (
            "PersistentVolumeClaim",
            get(volume, "persistentVolumeClaim", "claimName"),
            pod.path + ("volumes", index, "persistentVolumeClaim", "claimName"),
        )
        for index, volume in enumerate(as_list(pod.get("volumes") if pod is not None else None))
        if isinstance(volume, Mapping)
    ]
    for kind, name, path in [*references(obj), *claims]:
        if (
            kind in _REFERRED
            and isinstance(name, str)
            and name
            and not is_template_text(name)
            and not _valid(name, "subdomain")
        ):
            yield Violation(
                path,
                f'the pod refers to {kind} "{name}", a name no {kind} can have ({_WHAT["subdomain"]}): '
                "the reference never resolves",
            )


RULE = Rule(
    name="invalid-object-names",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds=KINDS,
    check=check,
    one_per_object=True,
    tags=("schema",),
    profiles=("correctness",),
)
