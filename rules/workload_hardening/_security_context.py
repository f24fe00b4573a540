"""What the container security-context rules share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policypack.model import Resource
from policypack.values import UNKNOWN, as_list

OS_LABELS = ("kubernetes.io/os", "beta.kubernetes.io/os")


def may_be_windows_pod(obj: Resource) -> bool:
    """Pods that declare `spec.os.name: windows`, or that can only run on Windows
    nodes (`nodeSelector` or a required node affinity on `kubernetes.io/os:
    windows`, the way most Windows DaemonSets say it), or whose OS or node selection
    is unknown during preview: Linux security-context fields such as runAsNonRoot,
    readOnlyRootFilesystem and capabilities do not apply to them."""
    pod = obj.pod_spec
    if pod is None:
        return False
    if pod.get("os", "name") in ("windows", UNKNOWN):
        return True
    selector = pod.get("nodeSelector")
    if selector is UNKNOWN:
        return True
    if isinstance(selector, Mapping) and any(selector.get(label) in ("windows", UNKNOWN) for label in OS_LABELS):
        return True
    terms = pod.get("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    if terms is UNKNOWN:
        return True
    return bool(as_list(terms)) and all(_windows_only(term) for term in as_list(terms))


def _windows_only(term: Any) -> bool:
    """A node selector term that admits only Windows nodes (or is not known yet)."""
    expressions = term.get("matchExpressions") if isinstance(term, Mapping) else term
    if expressions is UNKNOWN:
        return True
    for expression in as_list(expressions):
        if expression is UNKNOWN:
            return True
        if not isinstance(expression, Mapping):
            continue
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values")
        if key is UNKNOWN or (key in OS_LABELS and operator is UNKNOWN):
            return True  # it may be the OS label, or admit only Windows
        if key not in OS_LABELS or operator != "In":
            continue
        if values is UNKNOWN:
            return True
        listed = as_list(values)
        if listed and all(value == "windows" or value is UNKNOWN for value in listed):
            return True  # only Windows (or values not known yet that may be)
    return False
