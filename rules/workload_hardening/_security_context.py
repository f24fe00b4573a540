"""What the container security-context rules share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policypack.model import PodSpec, Resource
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
    return selects_only_windows_nodes(pod) is not False


def selects_only_windows_nodes(pod: PodSpec) -> bool | None:
    """Whether the pod can only be scheduled on Windows nodes: its `nodeSelector`
    asks for `kubernetes.io/os: windows`, or every term of its required node
    affinity admits only Windows. None when the selection is not known yet (preview)
    and may do so."""
    selector = pod.get("nodeSelector")
    if selector is UNKNOWN:
        return None
    if isinstance(selector, Mapping):
        values = [selector.get(label) for label in OS_LABELS]
        if "windows" in values:
            return True
        if UNKNOWN in values:
            return None
    terms = pod.get("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    if terms is UNKNOWN:
        return None
    verdicts = [_windows_only(term) for term in as_list(terms)]
    if not verdicts or False in verdicts:
        return False
    return None if None in verdicts else True


def _windows_only(term: Any) -> bool | None:
    """Whether a node selector term admits only Windows nodes; None when that is not
    known yet and may be so."""
    expressions = term.get("matchExpressions") if isinstance(term, Mapping) else term
    if expressions is UNKNOWN:
        return None
    undecided = False
    for expression in as_list(expressions):
        if expression is UNKNOWN:
            undecided = True
            continue
        if not isinstance(expression, Mapping):
            continue
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values")
        if key is UNKNOWN or (key in OS_LABELS and operator is UNKNOWN):
            undecided = True  # it may be the OS label, or admit only Windows
            continue
        if key not in OS_LABELS or operator != "In":
            continue
        if values is UNKNOWN:
            undecided = True
            continue
        listed = as_list(values)
        if listed and all(value == "windows" for value in listed):
            return True
        if listed and all(value == "windows" or value is UNKNOWN for value in listed):
            undecided = True  # values not known yet that may all be Windows
    return None if undecided else False


def openshift_object(obj: Resource) -> bool:
    """Whether the object is a kind only OpenShift serves: a `template.openshift.io`
    Template, an `apps.openshift.io` DeploymentConfig (the pods they hold run on
    OpenShift). There the restricted SCC admits a pod that says nothing of its user or
    capabilities by giving it a UID from the namespace's range and dropping every
    capability, unless its account is granted more, which is not in the manifest.
    (A plain Deployment beside a Route is not judged so: what else the set holds is a
    stack rule's to read.)"""
    api_version = obj.api_version
    return isinstance(api_version, str) and api_version.partition("/")[0].endswith(".openshift.io")
