"""What the Pod Security Standards rules share: the target version and the pod helpers.

Not a rule (it defines no RULE, so the registry skips it). Kubernetes'
pod-security-admission (PSA) gives every check versioned implementations: the one
whose minimum version is the highest not above the target version applies, and a
target newer than every check's newest implementation behaves like that newest one.
The rules take the target as the option `kubernetesVersion` ("1.N").

PSA judges the pod spec and the pod's metadata; for a workload (Deployment, CronJob,
...) it judges the pod template, as this pack does through `Resource.pod_spec`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Container, PodSpec, Resource
from policypack.values import UNKNOWN, Path, as_mapping

VERSION_OPTION = "kubernetesVersion"
#: The newest policy version any upstream check defines (sysctls changed in 1.37).
NEWEST_POLICY_MINOR = 37
DEFAULT_VERSION = f"1.{NEWEST_POLICY_MINOR}"


def version_option() -> dict[str, dict[str, Any]]:
    """The `kubernetesVersion` option of every version-dependent PSS rule."""
    return {
        VERSION_OPTION: {
            "type": "string",
            "pattern": "^1\\.[0-9]+$",
            "default": DEFAULT_VERSION,
            "description": (
                "The target cluster's Kubernetes minor version (1.N): the control behaves as "
                "Pod Security Admission of that version does."
            ),
        }
    }


def target_minor(options: Mapping[str, Any]) -> int:
    """The minor version of the target (`"1.29"` -> 29); the schema guarantees the shape."""
    value = options.get(VERSION_OPTION, DEFAULT_VERSION)
    return int(str(value).split(".", 1)[1])


def at_least(options: Mapping[str, Any], minor: int) -> bool:
    """Whether the target version is 1.<minor> or newer."""
    return target_minor(options) >= minor


# --- exemptions -------------------------------------------------------------------


def may_be_windows(pod: PodSpec) -> bool:
    """`spec.os.name: windows`, or unknown at preview time (then it could be)."""
    name = pod.get("os", "name")
    return name is UNKNOWN or name == "windows"


def windows_exempt(pod: PodSpec, options: Mapping[str, Any]) -> bool:
    """From 1.25, PSA admits Windows pods (`spec.os.name: windows`) without the Linux-only
    restricted controls: API validation already forbids those fields on them."""
    return at_least(options, 25) and may_be_windows(pod)


def in_user_namespace(pod: PodSpec) -> bool:
    """`spec.hostUsers: false` (the pod runs in its own user namespace), or unknown."""
    value = pod.get("hostUsers")
    return value is UNKNOWN or value is False


def user_namespace_exempt(pod: PodSpec, options: Mapping[str, Any]) -> bool:
    """From 1.35, PSA relaxes runAsNonRoot, runAsUser and the baseline procMount control
    for pods in a user namespace (root in the pod is not root on the node)."""
    return at_least(options, 35) and in_user_namespace(pod)


# --- the pod and its containers ------------------------------------------------------


def containers(obj: Resource) -> Iterator[Container]:
    """Init containers, containers, then ephemeral containers, as PSA visits them."""
    return obj.containers(init=True, ephemeral=True)


def security_context(container: Container) -> Any:
    """The container's `securityContext`: a mapping, None, or UNKNOWN."""
    value = container.get("securityContext")
    return value if value is UNKNOWN or isinstance(value, Mapping) else None


def pod_security_context_path(pod: PodSpec) -> Path:
    return pod.path + ("securityContext",)


def pod_annotations(obj: Resource) -> tuple[Mapping[str, Any], Path]:
    """The pod's annotations (a workload's template's) and their path."""
    metadata_path = obj.pod_metadata_path or ("metadata",)
    path = metadata_path + ("annotations",)
    return as_mapping(obj.get(*path)), path


def quote(value: Any) -> str:
    """A value as PSA's messages quote it: `"Unconfined"`."""
    return json.dumps(value if isinstance(value, str) else str(value))


def volume_label(volume: Mapping[str, Any], index: int) -> str:
    """How messages name a volume: `volume "data"`, `volume #2`."""
    name = volume.get("name")
    return f"volume {quote(name)}" if isinstance(name, str) else f"volume #{index}"


def non_default_proc_mounts(obj: Resource) -> Iterator[tuple[Container, str]]:
    """Containers whose `securityContext.procMount` is set to anything but `Default`."""
    for container in containers(obj):
        value = container.get("securityContext", "procMount")
        if isinstance(value, str) and value != "Default":
            yield container, value


def profile_type(security_context: Any, field: str) -> Any:
    """The `type` of a security context's `seccompProfile` or `appArmorProfile`: None
    when no profile is set, UNKNOWN when not known yet, "" for a profile without a
    type (Kubernetes reads that as the empty type, which no check allows)."""
    if security_context is UNKNOWN:
        return UNKNOWN
    if not isinstance(security_context, Mapping):
        return None
    profile = security_context.get(field)
    if profile is UNKNOWN:
        return UNKNOWN
    if not isinstance(profile, Mapping):
        return None
    kind = profile.get("type")
    return "" if kind is None else kind


#: The seccomp profile types both levels accept in `securityContext.seccompProfile`.
VALID_SECCOMP_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def valid_seccomp_type(kind: Any) -> bool:
    return isinstance(kind, str) and kind in VALID_SECCOMP_TYPES
