"""Built-in objects carry the fields the API server requires.

Fires on an object of a built-in kind, or an object inside it, that lacks a field its
type requires in Kubernetes' own API definitions (1.37): a `secretKeyRef` without
its `key`, a `networking.k8s.io/v1` Ingress path without `pathType`, a container
port without `containerPort`, a volume mount without `mountPath`. Also on a Service
that is neither headless (`clusterIP: None`) nor of `type: ExternalName` and
declares no `spec.ports`, and on a PersistentVolume whose spec names no volume
source (`nfs`, `csi`, `hostPath`, `local`, a cloud disk, ...) or more than one,
which the API server refuses though the definitions mark no field required.

Why it matters:
    The API server refuses the object (`spec.rules[0].http.paths[0].pathType:
    Required value`; `spec.ports: Required value`; `spec: Required value: must
    specify a volume type`), so the apply fails at deploy time, often halfway
    through a release of several objects. These are easy to write by mistake: an
    Ingress moved to `networking.k8s.io/v1` without its v1 fields, a field written
    under another name (`value:` for a secretKeyRef's `key:`), a worker's Service
    copied without its ports, a PersistentVolume whose source was indented one level
    too deep or left in a commented-out block.

How to fix:
    Write the field the message names, at the place it names (`kubectl explain
    ingress.spec.rules.http.paths` lists a type's fields and marks the required ones):

        env:
          - name: API_TOKEN
            valueFrom:
              secretKeyRef: {name: cf-ddns-secret, key: token}
        ---
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web, port: {name: http}}}
        ---
        spec:
          ports:
            - {name: http, port: 80, targetPort: 8080}

    A Service that only names its pods can be headless instead, with `clusterIP` set
    to `None`; a PersistentVolume takes one source (`nfs: {server: 10.0.0.5, path:
    /exports/app}`).

Notes:
    One finding per object that lacks a field, at that object. When the object also
    holds a field its type does not have (often the required one under another
    name), the message names it and `unknown-fields`' finding on it folds into this
    one. A workload without `spec.selector` is `workload-selector-mismatch`'s to
    report. The definitions are those `unknown-fields` reads (`kubernetes_fields.json`,
    generated from the `kubernetes` client on PyPI); fields the API server fills in
    before it validates (a RoleRef's `apiGroup`) are not required there. A key the
    PersistentVolume spec does not know is not a source (the API server drops it;
    `unknown-fields` reports it). Not judged: custom resources (their schema is their
    CRD's), removed API versions, and values not known yet during a preview.
    Offline, a kustomize patch (a file a kustomization names in `patches`) is a
    fragment, not an object, and is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import IN_TREE_VOLUME_SOURCES, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import Path, format_path, is_unknown

from .unknown_fields import KINDS, fields_of, root_type, schema_walk, type_name

#: The volume sources of a PersistentVolumeSpec (core/v1), in-tree and CSI.
PERSISTENT_VOLUME_SOURCES = IN_TREE_VOLUME_SOURCES | {"csi", "local"}


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.is_custom_resource:
        return  # its schema is its CRD's
    model = root_type(obj.api_version, obj.kind)
    if model is not None and isinstance(obj.props, Mapping):
        for path, field, owner, value in schema_walk(obj, model, "required-fields-missing").missing:
            if (owner, field) not in REPORTED_ELSEWHERE:
                yield _missing(obj, path, field, owner, value)
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return  # missing, not a mapping (`non-string-values`, `unknown-fields`), or not known yet
    if obj.kind == "Service":
        yield from _service(spec)
    elif obj.kind == "PersistentVolume":
        yield from _persistent_volume(spec)


#: Required fields another rule reports with more to say: a workload's selector
#: (`workload-selector-mismatch`: apps/v1 requires one, older versions did not).
REPORTED_ELSEWHERE = frozenset(
    (model, "selector") for model in ("V1DeploymentSpec", "V1StatefulSetSpec", "V1DaemonSetSpec", "V1ReplicaSetSpec")
)


def _missing(obj: Resource, path: Path, field: str, model: str, value: Mapping[str, Any]) -> Violation:
    what = f"requires {field} ({type_name(model)}.{field})"
    strangers = [
        key for key in value if isinstance(key, str) and not key.startswith("$") and key not in fields_of(model)
    ]
    if strangers:
        named = ", ".join(strangers)
        what += f" and has {named} instead, which {type_name(model)} does not have"
    what += ": the API server refuses it (Required value)"
    container = obj.container_at(path)
    if container is None:
        where = format_path(path) if path else f"{obj.kind} {obj.name}"
        return Violation(path, f"{where} {what}")
    inside = format_path(path[len(container.path) :])
    return Violation(path, f"{container.label}: {inside or 'the container'} {what}")


def _service(spec: Mapping[str, Any]) -> Iterator[Violation]:
    kind, cluster_ip, ports = spec.get("type"), spec.get("clusterIP"), spec.get("ports")
    if any(is_unknown(value) for value in (kind, cluster_ip, ports)):
        return
    kind = "ClusterIP" if kind is None else kind
    if not isinstance(kind, str):
        return  # not a type at all (`non-string-values`)
    if kind == "ExternalName" or cluster_ip == "None":
        return  # an alias, or a headless Service: no ports needed
    if ports is None or ports == []:
        yield Violation(
            ("spec", "ports") if "ports" in spec else ("spec",),
            f"Service of type {kind} declares no ports: the API server refuses it (spec.ports: Required value); "
            "give it the ports its pods listen on, or make it headless (clusterIP: None)",
        )


def _persistent_volume(spec: Mapping[str, Any]) -> Iterator[Violation]:
    if any(is_unknown(value) for value in spec.values()):
        return
    sources = sorted(key for key, value in spec.items() if key in PERSISTENT_VOLUME_SOURCES and value is not None)
    if not sources:
        yield Violation(
            ("spec",),
            "PersistentVolume names no volume source (nfs, csi, hostPath, local, a cloud disk, ...): "
            "the API server refuses it (must specify a volume type)",
        )
    elif len(sources) > 1:
        yield Violation(
            ("spec", sources[1]),
            f"PersistentVolume names {len(sources)} volume sources ({', '.join(sources)}): the API server refuses "
            "it (may not specify more than 1 volume type)",
        )


RULE = Rule(
    name="required-fields-missing",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds=KINDS,
    check=check,
    profiles=("correctness",),
)
