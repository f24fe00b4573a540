"""Workloads that say they are not production: a namespace or an environment label
that names a dev, test, demo or throwaway environment.

The playbook's availability advice that costs replicas (run two, keep an autoscaler's
floor at two) is production advice. In a namespace named `dev`, `aerie-dev`, `test`
or `temp`, one replica is the team's choice, not an oversight: reviewers of the fresh
corpora held 8 of 9 such findings debatable (corpus14, 25, 30 and 31). Staging is not
among the words: it is where a team rehearses production, replicas included.

A pod whose image is `imagePullPolicy: Never` says the same: it runs only on a node
where someone loaded the image by hand (`kind load`, `minikube image load`), a local
cluster of one node (corpus35's SwasthyaSetu, held debatable); so does an image
pulled from the node's own `localhost` registry or tagged `local` (corpus42).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policypack.images import split_image
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
        "non-production environment, or whose images are `imagePullPolicy: Never` (loaded onto a local node), "
        "come from the node's own `localhost` registry or are tagged `local`. "
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
    """Whether a container of the pod runs an image built for one machine: one the
    kubelet never pulls (`imagePullPolicy: Never`: loaded onto a local node), one
    pulled from the node's own `localhost` registry (kind's, k3d's or microk8s's
    registry beside a development cluster), or one tagged `local` (corpus42's
    `sprints-dashboard:local`, `localhost/epg-mirakc:latest`). None when a policy or
    an image is not known yet and none says so."""
    undecided = False
    for container in obj.containers(init=False, ephemeral=False):
        policy, image = container.get("imagePullPolicy"), container.get("image")
        if policy == "Never" or (isinstance(image, str) and _local_image(image)):
            return True
        undecided = undecided or is_unknown(policy) or is_unknown(image)
    return None if undecided else False


def _local_image(image: str) -> bool:
    name, tag, _ = split_image(image)
    host = name.split("/", 1)[0] if "/" in name else ""
    return host.split(":", 1)[0] in _LOCAL_HOSTS or tag == "local"


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
