"""Every volume a container mounts is declared in its pod.

Fires on a container (init and ephemeral containers included) whose `volumeMounts[]`
or `volumeDevices[]` names a volume that the pod spec's `volumes` does not declare
(nor, for a StatefulSet, its `volumeClaimTemplates`).

Why it matters:
    The API server refuses such a pod template (`volumeMounts[0].name: Not found`),
    so the apply fails at deploy time; usually a volume was renamed or removed in one
    place and not in the other (corpus17: danbooru's PostgreSQL mounts a volume the
    file no longer declares).

How to fix:
    Declare the volume in `spec.volumes` (or the StatefulSet's
    `volumeClaimTemplates`), or fix the mount's name:

        volumes:
          - name: config
            configMap: {name: app-config}

Notes:
    Not judged when something the manifest does not show may add the volume: an
    admission webhook that injects sidecars and their volumes (a pod annotation
    whose key asks for injection, `sidecar.istio.io/inject`,
    `vault.hashicorp.com/agent-inject`, ...), or, offline, a kustomize patch of the run
    that writes the pod's volumes. Custom resources' pod templates are judged as any
    pod's. Values unknown during a preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list, get, is_unknown

_ON = ("true", "enabled", "yes")


def _injected(obj: Resource) -> bool:
    """Whether a webhook may add volumes: a pod annotation asking for injection."""
    path = obj.pod_metadata_path
    metadata = obj.get(*path) if path is not None else None
    if is_unknown(metadata):
        return True
    for field in ("annotations",):
        values = metadata.get(field) if isinstance(metadata, Mapping) else None
        if is_unknown(values):
            return True
        for key, value in values.items() if isinstance(values, Mapping) else ():
            if is_unknown(key) or is_unknown(value):
                return True
            if isinstance(key, str) and "inject" in key.lower() and str(value).strip().lower() in _ON:
                return True
    return False


def _declared(obj: Resource) -> set[str] | None:
    """The volume names the pod declares (a StatefulSet's claim templates included);
    None when not known yet."""
    pod = obj.pod_spec
    volumes = pod.get("volumes") if pod is not None else None
    if is_unknown(volumes):
        return None
    names: set[str] = set()
    for volume in as_list(volumes):
        name = volume.get("name") if isinstance(volume, Mapping) else None
        if is_unknown(volume) or is_unknown(name):
            return None
        if isinstance(name, str):
            names.add(name)
    if obj.kind == "StatefulSet" and not obj.is_custom_resource:
        templates = obj.get("spec", "volumeClaimTemplates")
        if is_unknown(templates):
            return None
        for template in as_list(templates):
            name = get(template, "metadata", "name")
            if is_unknown(template) or is_unknown(name):
                return None
            if isinstance(name, str):
                names.add(name)
    return names


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = obj.pod_spec
    if pod is None or obj.patched(*pod.path, "volumes") or _injected(obj):
        return
    declared = _declared(obj)
    if declared is None:
        return
    for container in obj.containers():
        for field in ("volumeMounts", "volumeDevices"):
            listed = container.get(field)
            if listed is UNKNOWN:
                continue
            for index, mount in enumerate(as_list(listed)):
                name = mount.get("name") if isinstance(mount, Mapping) else None
                if isinstance(name, str) and name not in declared:
                    yield Violation(
                        container.path + (field, index, "name"),
                        f'{container.label} mounts volume "{name}", which the pod does not declare: the API server '
                        "refuses the pod",
                    )


RULE = Rule(
    name="volume-mount-undeclared",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    # A pod's volumes indented into the container: one misplaced key, one finding.
    folds_into={"unknown-fields": "container-volumes"},
    area="application-delivery",
    kinds=POD_KINDS,
    check=check,
    profiles=("correctness",),
)
