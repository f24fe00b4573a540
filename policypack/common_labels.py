"""The labels a kustomization's `commonLabels` write into an object, as kustomize does.

`commonLabels` (and `labels` with `includeSelectors: true`) are not only added to the
objects' own labels: kustomize writes them into selectors and pod templates too, and
overwrites what a file says for the same key. FalkorDB's ldap-auth-rs base has a
PodDisruptionBudget selecting `app.kubernetes.io/name: redis`; its kustomization's
`commonLabels: {app.kubernetes.io/name: ldap-auth-rs}` turns it, and the Redis
pods' label, into `ldap-auth-rs`. Judged as written, the budget selects one pod; as
deployed it selects three.

`with_added_labels` returns the object as the kustomizations of the run that deploy
it write it (`Resource.added_labels`, one mapping per outermost kustomization):

- a key every one of them sets to the same value is written, as kustomize writes it;
- a key they set differently (overlays `env: dev` and `env: prod`) is left as written
  where the file does not say it: each build writes it on both sides of a selector
  it adds to, so matching does not depend on it. Where the file says it, some build
  overwrites it, so its value there is UNKNOWN.

Where kustomize writes them (v5, `api/internal/konfig/builtinpluginconsts`:
commonlabels.go and metadatalabels.go): `create` paths are made when missing, the
others only written where the file has them (a PodDisruptionBudget's
`matchLabels`, a NetworkPolicy's pod selectors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policypack.values import UNKNOWN

_TEMPLATE = ("spec", "template", "metadata", "labels")
_AFFINITY = tuple(
    ("spec", "template", "spec", "affinity", kind, *term)
    for kind in ("podAffinity", "podAntiAffinity")
    for term in (
        ("preferredDuringSchedulingIgnoredDuringExecution", "[]", "podAffinityTerm", "labelSelector", "matchLabels"),
        ("requiredDuringSchedulingIgnoredDuringExecution", "[]", "labelSelector", "matchLabels"),
    )
)
_SPREAD = ("spec", "template", "spec", "topologySpreadConstraints", "[]", "labelSelector", "matchLabels")

# (group or None for any, kind) -> [(path, create)]; "[]" walks every item of a list.
_FIELDS: dict[tuple[str | None, str], list[tuple[tuple[str, ...], bool]]] = {
    # kustomize creates a Service's selector when it has none; a Service written without
    # one (its Endpoints kept by hand) is left so, where a finding would blame a
    # selector the file does not have.
    ("", "Service"): [(("spec", "selector"), False)],
    ("", "ReplicationController"): [(("spec", "selector"), True), (_TEMPLATE, True)],
    (None, "Deployment"): [(("spec", "selector", "matchLabels"), True), (_TEMPLATE, True)],
    ("apps", "Deployment"): [*((path, False) for path in _AFFINITY), (_SPREAD, False)],
    (None, "ReplicaSet"): [(("spec", "selector", "matchLabels"), True), (_TEMPLATE, True)],
    (None, "DaemonSet"): [(("spec", "selector", "matchLabels"), True), (_TEMPLATE, True)],
    ("apps", "StatefulSet"): [
        (("spec", "selector", "matchLabels"), True),
        (_TEMPLATE, True),
        (("spec", "volumeClaimTemplates", "[]", "metadata", "labels"), True),
        *((path, False) for path in _AFFINITY),
        (_SPREAD, False),
    ],
    ("batch", "Job"): [(("spec", "selector", "matchLabels"), False), (_TEMPLATE, True)],
    ("batch", "CronJob"): [
        (("spec", "jobTemplate", "spec", "selector", "matchLabels"), False),
        (("spec", "jobTemplate", "metadata", "labels"), True),
        (("spec", "jobTemplate", "spec", "template", "metadata", "labels"), True),
    ],
    ("policy", "PodDisruptionBudget"): [(("spec", "selector", "matchLabels"), False)],
    ("networking.k8s.io", "NetworkPolicy"): [
        (("spec", "podSelector", "matchLabels"), False),
        (("spec", "ingress", "[]", "from", "[]", "podSelector", "matchLabels"), False),
        (("spec", "egress", "[]", "to", "[]", "podSelector", "matchLabels"), False),
    ],
}


def _fields(api_version: Any, kind: Any) -> list[tuple[tuple[str, ...], bool]]:
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else None
    found = [(("metadata", "labels"), True)]
    found += _FIELDS.get((None, kind), [])
    found += _FIELDS.get((group, kind), [])
    return found


def with_added_labels(manifest: Mapping[str, Any], added: Sequence[Mapping[str, str]]) -> Mapping[str, Any]:
    """The object with the labels its kustomizations add written in (see the module's
    docstring); the same object when they add none. Copies what it changes: parts of
    a YAML document may be shared with another object (anchors)."""
    if not added or not any(added):
        return manifest
    agreed: dict[str, Any] = {}
    contested: set[str] = set()
    for key in {key for labels in added for key in labels}:
        values = {labels.get(key) for labels in added}
        if len(values) == 1 and None not in values:
            agreed[key] = values.pop()
        else:
            contested.add(key)
    result = manifest
    for path, create in _fields(manifest.get("apiVersion"), manifest.get("kind")):
        result = _write(result, path, create, agreed, contested)
    return result


def _write(node: Any, path: Sequence[str], create: bool, agreed: Mapping[str, Any], contested: set[str]) -> Any:
    """`node` with the labels written at `path` below it (copied where changed)."""
    if not path:
        if node is None and create:
            node = {}
        if not isinstance(node, Mapping):
            return node  # malformed, or absent where kustomize does not create: as written
        labels = {**node, **agreed}
        labels.update({key: UNKNOWN for key in contested if key in node})
        return labels
    head, rest = path[0], path[1:]
    if head == "[]":
        if not isinstance(node, list):
            return node
        return [_write(item, rest, False if item is None else create, agreed, contested) for item in node]
    if node is None and create:
        node = {}
    if not isinstance(node, Mapping):
        return node
    child = node.get(head)
    if child is None and not create:
        return node
    written = _write(child, rest, create, agreed, contested)
    if written is child:
        return node
    return {**node, head: written}


def overwritten(manifest: Mapping[str, Any], added: Sequence[Mapping[str, str]]) -> dict[tuple[Any, ...], str]:
    """Where the kustomizations overwrite a label the file writes with another value,
    and what they write (`{path of the labels: "app.kubernetes.io/name=ldap-auth-rs"}`):
    a finding on such a selector is about the object as built, which the file does
    not show, and says so."""
    if not added or not any(added):
        return {}
    found: dict[tuple[Any, ...], str] = {}
    agreed = {key: value for key, value in added[0].items() if all(labels.get(key) == value for labels in added)}
    for path, _ in _fields(manifest.get("apiVersion"), manifest.get("kind")):
        for where, labels in _walk(manifest, path, ()):
            changed = [f"{key}={value}" for key, value in agreed.items() if key in labels and labels[key] != value]
            if changed:
                found[where] = ", ".join(changed)
    return found


def _walk(node: Any, path: Sequence[str], where: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    """The label mappings at `path` below `node`, each with its path ("[]" expanded)."""
    if not path:
        return [(where, node)] if isinstance(node, Mapping) else []
    head, rest = path[0], path[1:]
    if head == "[]":
        items = node if isinstance(node, list) else []
        return [found for index, item in enumerate(items) for found in _walk(item, rest, (*where, index))]
    child = node.get(head) if isinstance(node, Mapping) else None
    return _walk(child, rest, (*where, head)) if child is not None else []
