"""Preview-time unknowns: a rule judges what is known and never fires because of
what is not.

For every object of every fixture, each field in turn (leaf or whole subtree) is
replaced by Pulumi's unknown sentinel, exactly as the engine sends it during
preview, and the object goes through the adapter with every rule enabled. Then:
no rule fails, the SDK never has to skip a policy, no rule reports more on the
object than it did when everything was known, and findings about other containers,
statements or list entries are all still there.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from policypack.model import POD_SPEC_PATHS, find_pod_specs, is_custom_api_version, parse_kubernetes_token
from policypack.pulumi_adapter import plain
from policypack.values import UNKNOWN
from tests.support.harness import REGISTRY, analyze, analyze_stack, load_fixture, make_servicer, pulumi_objects_of

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
FIXTURES = sorted((Path(__file__).parent / "rules").glob("*/*.yaml"))


def paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix + (key,)
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield prefix + (index,)
            yield from paths(item, prefix + (index,))


def replaced(props: dict, path: tuple) -> dict:
    out = copy.deepcopy(props)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = UNKNOWN_OBJECT if isinstance(target[path[-1]], (dict, list)) else UNKNOWN_STRING
    return out


def scope(path: tuple) -> tuple:
    """What a finding is about: its path up to the first list entry (a container, a
    statement, a role's rule, a List item), or the whole object. An IAM `Statement`
    may be a single object rather than a list: then it is the scope itself."""
    for position, key in enumerate(path):
        if isinstance(key, int):
            return path[: position + 1]
        if key == "Statement":
            following = path[position + 1 : position + 2]
            return path[: position + 1] + tuple(k for k in following if isinstance(k, int))
    return ()


# Pod-wide settings a container's finding may rightly depend on: a pod-level
# `securityContext` value covers every container that sets none (runAsNonRoot,
# seccompProfile), `os.name: windows` or `hostUsers: false` exempt the whole pod
# from some Pod Security Standards controls, and a node selection that admits only
# Windows nodes (`nodeSelector`, `affinity`) exempts it from the Linux
# security-context rules. With one of them unknown, a finding about a container may go
# (reporting it would be a guess); none may appear.
POD_WIDE_FIELDS = ("securityContext", "os", "hostUsers", "nodeSelector", "affinity")


# A finding about a volume may rightly depend on the containers that mount it (who
# they run as decides whether a runtime socket in it is usable): with a container
# field unknown, such a finding may go; none may appear.
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def spec_paths(token: str, props: dict) -> tuple[tuple, ...]:
    """Where the object keeps pod specs (a custom resource's templates included)."""
    parsed = parse_kubernetes_token(token)
    if parsed is None:
        return ()
    if parsed[1] in POD_SPEC_PATHS:
        return (POD_SPEC_PATHS[parsed[1]],)
    return tuple(find_pod_specs(props)) if is_custom_api_version(parsed[0]) else ()


def pod_wide(specs: tuple[tuple, ...], field: tuple, finding: tuple, custom: bool) -> bool:
    # A container's mount is judged by the volumes the pod (or a StatefulSet's claim
    # templates) declares (volume-mount-undeclared).
    mounts = {"volumeMounts", "volumeDevices"} & set(finding)
    if mounts and field[:2] == ("spec", "volumeClaimTemplates"):
        return True
    for spec in specs:
        if mounts and field[: len(spec) + 1] == spec + ("volumes",):
            return True
        # The pod's annotations: `prometheus.io/port` names a scraper's port (readiness).
        meta = spec[:-1] + ("metadata",)
        if field == meta or field[: len(meta) + 1] == meta + ("annotations",):
            return True
        if field[: len(spec)] != spec:
            continue
        name = field[len(spec) : len(spec) + 1]
        if name in {(n,) for n in POD_WIDE_FIELDS}:
            return True
        if name in {(n,) for n in CONTAINER_LISTS} and finding[: len(spec) + 1] == spec + ("volumes",):
            return True
        # Whether a container only changes the owner of the node's directories depends on
        # the pod's hostPath volumes (require-run-as-non-root).
        if name == ("volumes",) and {"runAsNonRoot", "runAsUser"} & set(finding):
            return True
        # The CSI livenessprobe sidecar is judged by whether another container's
        # liveness probe reads it (require-liveness-probe).
        if name == ("containers",) and finding[-1:] == ("livenessProbe",):
            return True
        # A probe's port is judged by which other container declares it
        # (probe-port-of-another-container).
        probes = {"livenessProbe", "readinessProbe", "startupProbe"}
        if name in {(n,) for n in CONTAINER_LISTS} and probes & set(finding):
            return True
        # A port's name is judged by which other containers declare it
        # (pod-port-name-duplicate).
        if name in {(n,) for n in CONTAINER_LISTS} and "ports" in finding:
            return True
        # In a custom resource, the containers (with their images) are what make a
        # template a pod: with them unknown, nothing in that template is judged.
        if custom and name == ("containers",) and len(field) <= len(spec) + 3 and finding[: len(spec)] == spec:
            return True
    return False


def disjoint(a: tuple, b: tuple) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] != b[:shorter]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_unknown_field_changes_only_what_depends_on_it(path: Path) -> None:
    """With one field unknown: no rule fails, the SDK never skips a policy, no rule
    reports more than before, and every finding about another container, statement
    or list entry is still there (one unknown value must not hide the rest)."""
    fixture = load_fixture(path, path.parent.name)
    servicer = make_servicer(REGISTRY, {fixture.rule: fixture.options} if fixture.options else None)
    for obj in pulumi_objects_of(fixture.text, name=str(path)):
        baseline = analyze(servicer, obj.type, obj.props, obj.urn)
        counts = Counter(d.policy for d in baseline)
        for field in paths(obj.props):
            if field[:1] in (("apiVersion",), ("kind",)):
                continue  # the engine never sends these unknown: they come from the type
            diagnostics = analyze(servicer, obj.type, replaced(obj.props, field), obj.urn)
            where = f"{obj.urn} with {field} unknown"
            assert not [d.message for d in diagnostics if "could not judge" in d.message], where
            assert not [d.message for d in diagnostics if "can't run policy" in d.message], where
            grew = {p: n for p, n in Counter(d.policy for d in diagnostics).items() if n > counts[p]}
            assert not grew, f"{where}: more findings than with the value known: {grew}"
            kept = {(d.policy, scope(d.path or ())) for d in diagnostics}
            specs = spec_paths(obj.type, obj.props)
            for before in baseline:
                about = scope(before.path or ())
                custom = (parse_kubernetes_token(obj.type) or ("", ""))[1] not in POD_SPEC_PATHS
                # A binding of every service account is judged by the role it grants
                # (rbac-no-system-group-binding leaves discovery roles alone).
                by_role = field[:1] == ("roleRef",) and before.policy == "rbac-no-system-group-binding"
                if (
                    about
                    and disjoint(about, field)
                    and not by_role
                    and not pod_wide(specs, field, before.path or (), custom)
                ):
                    assert (before.policy, about) in kept, f"{where}: lost the finding at {before.path}"


def test_plain_turns_the_sdk_proxy_into_data() -> None:
    props = deserialize_properties(
        {
            "spec": {"replicas": 3.0, "ratio": 0.5, "image": UNKNOWN_STRING, "ports": [80.0, UNKNOWN_STRING]},
            "metadata": UNKNOWN_OBJECT,
        }
    )
    data = plain(unknown_checking_proxy(props))
    assert data == {
        "spec": {"replicas": 3, "ratio": 0.5, "image": UNKNOWN, "ports": [80, UNKNOWN]},
        "metadata": UNKNOWN,
    }
    assert isinstance(data["spec"]["replicas"], int)


def test_an_unknown_image_is_not_judged_but_the_other_containers_are() -> None:
    servicer = make_servicer(REGISTRY)
    props = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [
                {"name": "built", "image": UNKNOWN_STRING},
                {"name": "public", "image": "nginx"},
            ]
        },
    }
    diagnostics = analyze(servicer, "kubernetes:core/v1:Pod", props, "urn:pulumi:s::p::kubernetes:core/v1:Pod::p")
    pinned = [d for d in diagnostics if d.policy == "require-pinned-images"]
    assert [d.path for d in pinned] == [("spec", "containers", 1, "image")]


def test_an_unrelated_unknown_annotation_does_not_hide_a_public_load_balancer() -> None:
    servicer = make_servicer(REGISTRY)
    props = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "web",
            "annotations": {"service.beta.kubernetes.io/aws-load-balancer-ssl-cert": UNKNOWN_STRING},
        },
        "spec": {"type": "LoadBalancer"},
    }
    # The rule reads the set (a bare-metal load balancer's pools): AnalyzeStack judges it.
    (obj,) = pulumi_objects_of(yaml.safe_dump(props))
    found = analyze_stack(servicer, [dataclasses.replace(obj, props=props)])
    assert [d.policy for d in found] == ["no-public-load-balancer"]
    props["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"] = UNKNOWN_STRING
    found = analyze_stack(servicer, [dataclasses.replace(obj, props=props)])
    assert found == []  # the scheme could be "internal"
