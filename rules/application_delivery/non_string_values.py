"""Fields that Kubernetes types as strings are given strings.

Fires when one of these holds a number or a boolean instead of a string:

- the values of `metadata.labels` and `metadata.annotations`, on any object and on a
  workload's pod template;
- the values of a ConfigMap's `data` and `binaryData`, and of a Secret's `data` and
  `stringData`;
- a container's `env[].value`, and the words of its `command` and `args`;
- a pod's `securityContext.sysctls[].value`.

Why it matters:
    The API server decodes these fields as strings and refuses the whole object
    (`json: cannot unmarshal number into Go struct field ConfigMap.data of type
    string`), so the apply fails at deploy time, often halfway through a release. In
    YAML the mistake is easy: `8080`, `true`, `1.0`, `yes` and `on` are numbers and
    booleans unless quoted.

How to fix:
    Quote the value as you mean it:

        data:
          SERVER_PORT: "8080"
          IS_LOCAL: "false"
        env:
          - {name: PORT, value: "80"}
        args: ["--port", "8080"]

Notes:
    One finding per map or list (a ConfigMap's `data`, a container's `env`), at the
    first such value, naming the others: one mistake of quoting, one fix. There is no
    automatic fix: the string meant is the text as written (`0755` is read as the
    number 493, `yes` as true), which only the author knows. A value not known yet
    (preview) is not judged; an empty value (`key:`) is read as an empty string by the
    API server, and is not judged either. Custom resources are not judged (a pod
    template inside one, as in Knative's Service, is checked by its CRD's schema or
    its controller, which this rule cannot see).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import Path, as_list

# Kinds whose metadata is judged besides the pod-bearing ones: the common built-ins.
OTHER_KINDS = frozenset(
    {
        "ConfigMap",
        "Secret",
        "Service",
        "Ingress",
        "IngressClass",
        "Namespace",
        "ServiceAccount",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "StorageClass",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "PriorityClass",
        "ResourceQuota",
        "LimitRange",
        "Endpoints",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    }
)
REFUSED = ", and the API server refuses the object"
DATA_FIELDS = {"ConfigMap": ("data", "binaryData"), "Secret": ("data", "stringData")}


def _not_a_string(value: Any) -> bool:
    return isinstance(value, (bool, int, float))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "the boolean " + ("true" if value else "false")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Pulumi sends every number as a float
    return f"the number {value}"


def _finding(where: str, found: list[tuple[Path, str, Any]], why: str) -> Violation:
    """One finding for a map or list: at its first such value, naming the others."""
    path, name, value = found[0]
    message = f"{where} {name} is {_shown(value)}: {why}"
    others = [f"{other} ({_shown(v)})" for _, other, v in found[1:4]]
    if others:
        more = f", and {len(found) - 4} more" if len(found) > 4 else ""
        message += f"; so is {', '.join(others)}{more}" if len(others) == 1 else f"; so are {', '.join(others)}{more}"
    them = "it" if len(found) == 1 else "them"
    return Violation(path, f'{message}: quote {them} as you mean {them} ("8080", "true")')


def _map_values(obj: Resource, path: Path) -> list[tuple[Path, str, Any]]:
    values = obj.get(*path)
    if not isinstance(values, Mapping):
        return []
    # By key: a map's order is the file's offline and sorted in Pulumi, and the finding
    # must land on the same value in both modes.
    found = [(path + (key,), f'"{key}"', value) for key, value in values.items() if _not_a_string(value)]
    return sorted(found, key=lambda entry: str(entry[0][-1])) if len(found) > 1 else found


def _metadata(obj: Resource) -> Iterator[Violation]:
    places = [("metadata",)]
    if obj.pod_metadata_path is not None and obj.pod_metadata_path != ("metadata",):
        places.append(obj.pod_metadata_path)
    for place in places:
        template = " of the pod template" if place != ("metadata",) else ""
        for field in ("labels", "annotations"):
            found = _map_values(obj, (*place, field))
            if found:
                what = "label" if field == "labels" else "annotation"
                yield _finding(f"{what}{template}", found, f"{what} values are strings{REFUSED}")


def _containers(obj: Resource) -> Iterator[Violation]:
    for container in obj.containers():
        env = as_list(container.get("env"))
        found = [
            (container.path + ("env", index, "value"), f'"{entry.get("name")}"', entry.get("value"))
            for index, entry in enumerate(env)
            if isinstance(entry, Mapping) and _not_a_string(entry.get("value"))
        ]
        if found:
            yield _finding(f"{container.label}: env", found, f"env values are strings{REFUSED}")
        words = [
            (container.path + (field, index), f"{field}[{index}]", word)
            for field in ("command", "args")
            for index, word in enumerate(as_list(container.get(field)))
            if _not_a_string(word)
        ]
        if words:
            yield _finding(
                f"{container.label}:",
                words,
                f"command and args are lists of strings{REFUSED}",
            )
    pod = obj.pod_spec
    if pod is None:
        return
    found = [
        (pod.path + ("securityContext", "sysctls", index, "value"), f'"{entry.get("name")}"', entry.get("value"))
        for index, entry in enumerate(as_list(pod.get("securityContext", "sysctls")))
        if isinstance(entry, Mapping) and _not_a_string(entry.get("value"))
    ]
    if found:
        yield _finding("sysctl", found, f"sysctl values are strings{REFUSED}")


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.is_custom_resource:
        return  # its schema is its CRD's (an `apps.example.com` Deployment is no Deployment)
    yield from _metadata(obj)
    for field in DATA_FIELDS.get(obj.kind or "", ()):
        found = _map_values(obj, (field,))
        if found:
            yield _finding(f"{obj.kind} {field} key", found, f"{field} values are strings{REFUSED}")
    yield from _containers(obj)


RULE = Rule(
    name="non-string-values",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds={*POD_KINDS, *OTHER_KINDS},
    check=check,
    tags=("schema",),
    profiles=("correctness",),
)
