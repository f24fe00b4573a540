"""Services and PersistentVolumes carry the fields the API server requires.

Fires on a Service that is neither headless (`clusterIP: None`) nor of
`type: ExternalName` and declares no `spec.ports`, and on a PersistentVolume whose
spec names no volume source (`nfs`, `csi`, `hostPath`, `local`, a cloud disk, ...)
or more than one.

Why it matters:
    The API server refuses both (`spec.ports: Required value`; `spec: Required value:
    must specify a volume type`), so the apply fails at deploy time, often halfway
    through a release of several objects. Both are easy to write by mistake: a
    worker's Service copied without its ports, a PersistentVolume whose source was
    indented one level too deep or left in a commented-out block.

How to fix:
    Give the Service the ports its pods listen on (a Service that only names its pods
    can be headless instead, with `clusterIP` set to `None`), and give the
    PersistentVolume one source:

        spec:
          ports:
            - {name: http, port: 80, targetPort: 8080}
        ---
        spec:
          capacity: {storage: 10Gi}
          accessModes: [ReadWriteOnce]
          nfs: {server: 10.0.0.5, path: /exports/app}

Notes:
    A key the PersistentVolume spec does not know is not a source (the API server
    drops it; `unknown-fields` reports it). Values not known yet during a preview fire
    nothing. Offline, a kustomize patch (a file a kustomization names in `patches`)
    is a fragment, not an object, and is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import IN_TREE_VOLUME_SOURCES, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_unknown

#: The volume sources of a PersistentVolumeSpec (core/v1), in-tree and CSI.
PERSISTENT_VOLUME_SOURCES = IN_TREE_VOLUME_SOURCES | {"csi", "local"}


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.is_custom_resource:
        return
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return  # missing, not a mapping (`non-string-values`, `unknown-fields`), or not known yet
    if obj.kind == "Service":
        yield from _service(spec)
    elif obj.kind == "PersistentVolume":
        yield from _persistent_volume(spec)


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
    kinds={"Service", "PersistentVolume"},
    check=check,
    profiles=("correctness",),
)
