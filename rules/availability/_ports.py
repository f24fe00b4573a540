"""Host ports: what keeps two of a workload's pods off one node (require-topology-spread
spreads nothing more; require-rolling-update cannot surge beside the old pod)."""

from __future__ import annotations

from collections.abc import Mapping

from policypack.model import Resource
from policypack.values import UNKNOWN, as_list


def one_pod_per_node(obj: Resource) -> bool | None:
    """Whether the scheduler can place at most one of the pods on a node: a container
    asks for a `hostPort` (with `hostNetwork`, every container port is one). None when
    a port or the pod's network is not known yet."""
    pod = obj.pod_spec
    if pod is None:
        return False
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
