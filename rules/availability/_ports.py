"""What keeps two of a workload's pods off one node (require-topology-spread spreads
nothing more; require-rolling-update cannot surge beside the old pod): a host port,
or every TPU chip of a single-host TPU node."""

from __future__ import annotations

from collections.abc import Mapping

from policypack.model import Resource
from policypack.values import UNKNOWN, as_list, get

TPU = "google.com/tpu"
TPU_TOPOLOGY = "cloud.google.com/gke-tpu-topology"
#: The most chips one GKE TPU host has: a topology with more spans several hosts.
TPU_CHIPS_PER_HOST = 8


def one_pod_per_node(obj: Resource) -> bool | None:
    """Whether the scheduler can place at most one of the pods on a node: a container
    asks for a `hostPort` (with `hostNetwork`, every container port is one), or the pod
    takes every TPU chip of the single-host TPU node it selects (`takes_a_tpu_host`).
    None when a port, the pod's network or its TPU node is not known yet."""
    pod = obj.pod_spec
    if pod is None:
        return False
    tpu = takes_a_tpu_host(obj)
    if tpu is not False:
        return tpu
    host_network = pod.get("hostNetwork")
    if host_network is UNKNOWN:
        return None
    listed = pod.get("containers")
    undecided = listed is UNKNOWN or any(entry is UNKNOWN for entry in as_list(listed))
    for container in obj.containers(init=False, ephemeral=False):
        ports = container.get("ports")
        if ports is UNKNOWN:
            undecided = True
            continue
        for port in as_list(ports):
            if port is UNKNOWN:
                undecided = True
                continue
            if not isinstance(port, Mapping):
                continue
            bound = port.get("containerPort") if host_network is True else port.get("hostPort")
            if bound is UNKNOWN:
                undecided = True
            elif isinstance(bound, int) and not isinstance(bound, bool) and bound > 0:
                return True
    return None if undecided else False


def takes_a_tpu_host(obj: Resource) -> bool | None:
    """Whether the pod's containers request `google.com/tpu` chips as many as a
    single-host TPU topology it selects has (`cloud.google.com/gke-tpu-topology: 2x4`
    is one host of 8 chips; GKE's JetStream and vLLM samples ask for all 8). None
    when it requests TPUs but the host's size is not in the manifest (no topology, or
    one spanning several hosts): how many such pods share a node is not known."""
    requested = 0
    for container in obj.containers(init=False, ephemeral=False):
        resources = container.get("resources")
        if resources is UNKNOWN:
            return None
        value = get(resources, "limits", TPU)
        if value is None:
            value = get(resources, "requests", TPU)
        if value is None:
            continue
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        requested += value
    if requested == 0:
        return False
    pod = obj.pod_spec
    topology = get(pod.spec, "nodeSelector", TPU_TOPOLOGY) if pod is not None else None
    if not isinstance(topology, str):
        return None
    chips = 1
    for part in topology.lower().split("x"):
        if not part.isdigit():
            return None
        chips *= int(part)
    if chips > TPU_CHIPS_PER_HOST:
        return None  # a multi-host slice: chips per host are not in the manifest
    return requested >= chips
