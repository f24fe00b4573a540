"""ServiceAccounts, ConfigMaps and Secrets that pods refer to are in the set.

Checks a pod spec's `serviceAccountName` (other than `default`), `imagePullSecrets`,
`configMap`, `secret` and `projected` volumes, and each container's `envFrom` and
`env[].valueFrom` references against the objects linted together (or the stack), in
the workload's namespace. References marked `optional: true` are skipped. Off by
default: such objects often exist in the cluster already; the `strict` profile turns
it on.

Why it matters:
    A pod that mounts a missing ConfigMap or Secret never starts
    (`CreateContainerConfigError`), and a missing ServiceAccount stops the
    ReplicaSet from creating pods at all. In a repository that owns a whole
    namespace, a dangling reference is a bug that only shows at deploy time.

How to fix:
    Add the object to the same set (chart, kustomization or stack), fix the name,
    or mark a reference that may legitimately be missing `optional: true`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN, Path, as_list, get


def references(workload: Resource) -> Iterator[tuple[str, Any, Path]]:
    """(kind, name, path of the name) for every reference a pod spec makes."""
    pod = workload.pod_spec
    if pod is None:
        return
    base = pod.path
    account = pod.get("serviceAccountName")
    if isinstance(account, str) and account != "default":
        yield "ServiceAccount", account, base + ("serviceAccountName",)
    for i, _ in enumerate(as_list(pod.get("imagePullSecrets"))):
        yield "Secret", pod.get("imagePullSecrets", i, "name"), base + ("imagePullSecrets", i, "name")
    for v, volume in enumerate(as_list(pod.get("volumes"))):
        if not isinstance(volume, Mapping):
            continue
        at = base + ("volumes", v)
        yield from _ref(volume, ("configMap",), "name", "ConfigMap", at)
        yield from _ref(volume, ("secret",), "secretName", "Secret", at)
        for s, _ in enumerate(as_list(get(volume, "projected", "sources"))):
            source = ("projected", "sources", s)
            yield from _ref(volume, (*source, "configMap"), "name", "ConfigMap", at)
            yield from _ref(volume, (*source, "secret"), "name", "Secret", at)
    for container in workload.containers():
        for e, _ in enumerate(as_list(container.get("envFrom"))):
            yield from _ref(container.spec, ("envFrom", e, "configMapRef"), "name", "ConfigMap", container.path)
            yield from _ref(container.spec, ("envFrom", e, "secretRef"), "name", "Secret", container.path)
        for e, _ in enumerate(as_list(container.get("env"))):
            source = ("env", e, "valueFrom")
            yield from _ref(container.spec, (*source, "configMapKeyRef"), "name", "ConfigMap", container.path)
            yield from _ref(container.spec, (*source, "secretKeyRef"), "name", "Secret", container.path)


def _ref(data: Any, at: Path, key: str, kind: str, base: Path) -> Iterator[tuple[str, Any, Path]]:
    reference = get(data, *at)
    if isinstance(reference, Mapping) and reference.get("optional") not in (True, UNKNOWN) and key in reference:
        yield kind, reference[key], base + at + (key,)


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for workload in stack.of_kind(*POD_KINDS):
        namespace = stack.namespace_of(workload)
        for kind, name, path in references(workload):
            if isinstance(name, str) and stack.find(kind, name, namespace, near=workload) is None:
                yield StackViolation(workload, path, f'{kind} "{name}" is not in namespace {namespace}')


RULE = Rule(
    name="references-exist",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.DISABLED,
    area="application-delivery",
    kinds={"ServiceAccount", "ConfigMap", "Secret", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object",),
)
