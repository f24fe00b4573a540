"""Workloads that say they are not production: a namespace or an environment label
that names a dev, test, demo or throwaway environment.

The playbook's availability advice that costs replicas (run two, keep an autoscaler's
floor at two) is production advice. In a namespace named `dev`, `aerie-dev`, `test`
or `temp`, one replica is the team's choice, not an oversight: reviewers of the fresh
corpora held 8 of 9 such findings debatable (corpus14, 25, 30 and 31). Staging is not
among the words: it is where a team rehearses production, replicas included.

A pod whose image is `imagePullPolicy: Never` says the same: it runs only on a node
where someone loaded the image by hand (`kind load`, `minikube image load`), a local
cluster of one node (corpus35's SwasthyaSetu, held debatable).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.values import is_unknown

NON_PRODUCTION_WORDS = frozenset(
    {
        "dev",
        "develop",
        "development",
        "test",
        "testing",
        "demo",
        "sandbox",
        "playground",
        "temp",
        "tmp",
        "local",
        # a proof of concept, and the namespaces examples and tutorials deploy into
        # (corpus33's Kylin example: `environment: poc` in `kylin-example`)
        "poc",
        "example",
        "examples",
        "sample",
        "samples",
        "tutorial",
    }
)
# The label keys teams write an environment in (on the object or its pod template).
ENVIRONMENT_LABELS = ("environment", "env", "app.kubernetes.io/environment")
_WORD_SEPARATORS = lazy_compile(r"[-_.]")

JUDGE_NON_PRODUCTION = {
    "type": "boolean",
    "default": False,
    "description": (
        "Also judge workloads whose namespace (the whole name or its last word: `dev`, `aerie-dev`, `test`, "
        "`demo`, `sandbox`, `temp`, `local`, `poc`, `example`, ...) or `environment`/`env` label names a "
        "non-production environment, or whose images are `imagePullPolicy: Never` (loaded onto a local node). "
        "Off by default: one replica there is the team's choice."
    ),
}


def names_non_production(value: Any) -> bool | None:
    """Whether a namespace or label value names a non-production environment: the
    whole value, or its last word (`aerie-dev`, `ndc_test`). None when not known yet."""
    if is_unknown(value):
        return None
    if not isinstance(value, str) or not value:
        return False
    lowered = value.lower()
    return lowered in NON_PRODUCTION_WORDS or _WORD_SEPARATORS.split(lowered)[-1] in NON_PRODUCTION_WORDS


def non_production(obj: Resource, namespace: Any) -> bool | None:
    """Whether the object's namespace or an environment label of the object (or of
    its pod template) names a non-production environment. None when one of them is
    not known yet (preview) and none says so."""
    undecided = False
    label_maps = [obj.get("metadata", "labels")]
    path = obj.pod_metadata_path
    if path is not None:
        label_maps.append(obj.get(*path, "labels"))
    values = [namespace]
    for labels in label_maps:
        if is_unknown(labels):
            undecided = True
        elif isinstance(labels, Mapping):
            values += [labels.get(key) for key in ENVIRONMENT_LABELS if key in labels]
    for value in values:
        said = names_non_production(value)
        if said:
            return True
        undecided = undecided or said is None
    local = runs_local_images(obj)
    if local:
        return True
    return None if undecided or local is None else False


def runs_local_images(obj: Resource) -> bool | None:
    """Whether a container of the pod runs an image the kubelet never pulls
    (`imagePullPolicy: Never`): one loaded onto a local node. None when a policy is
    not known yet and none says Never."""
    undecided = False
    for container in obj.containers(init=False, ephemeral=False):
        policy = container.get("imagePullPolicy")
        if policy == "Never":
            return True
        undecided = undecided or is_unknown(policy)
    return None if undecided else False
