"""Objects do not use API versions that the target Kubernetes version no longer serves.

Fires on an object whose `apiVersion` and kind were removed at or before
`kubernetesVersion` (default 1.37), naming the version that replaces it and the
release that removed it. Every removal from Kubernetes 1.16 to 1.32 is known:
`extensions/v1beta1` and `apps/v1beta1`/`v1beta2` workloads (1.16); Ingress,
IngressClass, CRDs, webhook configurations, RBAC, PriorityClass, storage, Lease,
CSR, APIService and review `v1beta1` versions (1.22); CronJob, EndpointSlice,
Event, HPA `v2beta1`, PodDisruptionBudget, PodSecurityPolicy and RuntimeClass
(1.25); FlowSchema and PriorityLevelConfiguration `v1beta1` and HPA `v2beta2`
(1.26); CSIStorageCapacity `v1beta1` (1.27); flow control `v1beta2` (1.29) and
`v1beta3` (1.32). Versions that still work but are deprecated are reported by
`no-deprecated-api-versions`.

In Pulumi the type token carries the API version
(`kubernetes:extensions/v1beta1:Ingress`), so both modes judge the same thing.

Why it matters:
    The API server of the target version rejects these objects outright: `kubectl
    apply`, Helm and Pulumi fail on them, and an upgrade of the cluster leaves the
    deployment pipeline broken at the worst moment. Objects already stored survive
    the upgrade (they are served by the new version), so the breakage shows only on
    the next deploy.

How to fix:
    Change `apiVersion` to the replacement the finding names, and apply the field
    changes the migration guide lists for that kind (for Ingress `networking.k8s.io/v1`:
    `pathType` is required and backends are `service: {name, port}`).
    `kubectl convert` can rewrite a manifest. In Pulumi, use the resource class of
    the new version (`kubernetes.networking.v1.Ingress`).

Notes:
    Set `kubernetesVersion` to the oldest release you are about to upgrade to, not
    the one you run: the point is to learn before the upgrade. Custom resources
    are not judged: their versions are their CRD's business.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Enforcement, Rule, Severity, Violation

from ._api_versions import BY_VERSION, KINDS, KUBERNETES_VERSION_OPTION, minor
from ._successors import move_to_successor


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    known = BY_VERSION.get((obj.api_version or "", obj.kind or ""))
    target = options["kubernetesVersion"]
    if known is None or known.removed_in is None or known.removed_in > minor(target):
        return
    message = (
        f"{known.api_version} {known.kind} was removed in Kubernetes 1.{known.removed_in} "
        f"(target {target}); use {known.replacement}"
    )
    if known.replacement == "apps/v1" and obj.get("spec", "selector") is None and isinstance(obj.get("spec"), Mapping):
        # The old versions defaulted the selector to the template's labels; apps/v1
        # refuses an object without one (corpus22: kiam, voyager, buzzfeed/sso).
        message += ", and write spec.selector, which apps/v1 requires (the old version took the template's labels)"
    yield Violation(("apiVersion",), message)


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """The successor apiVersion, where only the version changes (rules/upgrades/_successors.py)."""
    return move_to_successor(obj, check(obj, options))


RULE = Rule(
    name="no-removed-api-versions",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="upgrades",
    kinds=KINDS,
    check=check,
    options={"kubernetesVersion": KUBERNETES_VERSION_OPTION},
    tags=("api-versions",),
    fix=Fix(fix, Applicability.SAFE),
    profiles=("correctness",),
)
