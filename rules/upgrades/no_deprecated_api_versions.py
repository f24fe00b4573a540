"""Objects do not use API versions that are deprecated in the target Kubernetes version.

Fires on an object whose `apiVersion` and kind are deprecated in `kubernetesVersion`
(default 1.37) but still served there, naming the replacement and the release that
removes it (or saying that no removal is planned). Versions already removed in the
target are reported by `no-removed-api-versions` instead, so an object is never
reported by both. Today (target 1.37) this means the core `v1` Endpoints (deprecated
in 1.33 in favour of EndpointSlice) and ComponentStatus; for older targets, every
beta version between its deprecation and its removal.

Why it matters:
    A deprecated version works today and stops working on a known upgrade. Moving
    while both versions are served costs one edit; moving after the removal costs a
    failed deploy during the upgrade window. The API server already prints a warning
    for each such request, which nobody reads in a pipeline.

How to fix:
    Change `apiVersion` (or the kind, for Endpoints) to the replacement named in the
    finding, then run `no-removed-api-versions` against the next release you plan.

Notes:
    Advisory. The release each version was deprecated in follows the API server's
    deprecation warnings; alpha versions are not tracked.
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
    if known is None or known.deprecated_in > minor(target):
        return
    if known.removed_in is not None and known.removed_in <= minor(target):
        return  # removed: the other rule's finding
    removal = f"removed in 1.{known.removed_in}" if known.removed_in is not None else "no removal planned yet"
    yield Violation(
        ("apiVersion",),
        f"{known.api_version} {known.kind} is deprecated since Kubernetes 1.{known.deprecated_in} "
        f"({removal}; target {target}); use {known.replacement}",
    )


def fix(obj: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """The successor apiVersion, where only the version changes (rules/upgrades/_successors.py)."""
    return move_to_successor(obj, check(obj, options))


RULE = Rule(
    name="no-deprecated-api-versions",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="upgrades",
    kinds=KINDS,
    check=check,
    options={"kubernetesVersion": KUBERNETES_VERSION_OPTION},
    tags=("api-versions",),
    fix=Fix(fix, Applicability.SAFE),
)
