"""Which workloads may be singletons by design: controllers that do not elect a leader.

A workload whose service account is bound to a Role or ClusterRole in the set talks
to the Kubernetes API, most likely a controller or an operator. Many of them must
not run twice: two copies would both act on every change. Those that can run
several copies elect a leader, and say so in their arguments or environment. What a
program does without such a flag is not in the manifest, so such a workload may be
a singleton, and rules about replicas and rollouts leave it alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from policypack.model import Resource
from policypack.stack import Stack
from policypack.values import UNKNOWN, as_list

from ..identity._rbac import Bindings, account_of

# Flags and variables with which controllers built on client-go, controller-runtime,
# kube-scheduler's options or ingress-nginx turn leader election on or tune it
# (`--leader-election-namespace`, `--leader-elect-lease-duration`, ...): a program
# that has such flags elects a leader, most of them by default.
LEADER_FLAG = re.compile(
    r"^--?(?P<flag>leader-elect(?:ion)?|enable-leader-election|election-id)(?P<more>(?:-[-\w]*)?)(?:=(?P<value>.*))?$"
)
SWITCHES = frozenset({"leader-elect", "leader-election", "enable-leader-election"})
LEADER_ENV = re.compile(r"LEADER_ELECT", re.IGNORECASE)
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def may_be_singleton(stack: Stack, bound: Bindings, view: Resource) -> bool:
    """Whether the workload (or the view of its pod template) may be a singleton by
    design: an API client (or not known to be none) that shows no leader election."""
    return api_client(stack, bound, view) is not False and not elects_leader(view)


def api_client(stack: Stack, bound: Bindings, view: Resource) -> bool | None:
    """Whether the pods' service account is bound to a role in the set."""
    pod = view.pod_spec
    if pod is None:
        return False
    account = account_of(pod)
    if account is UNKNOWN:
        return None
    return bound.bind(account, stack.namespace_of(view), stack.floating(view))


def elects_leader(view: Resource) -> bool:
    """Whether a container's arguments or environment show leader election, and none
    turns it off (`--leader-elect=false`, `LEADER_ELECT=false`)."""
    shown = False
    for container in view.containers(init=False, ephemeral=False):
        for word in [*as_list(container.get("command")), *as_list(container.get("args"))]:
            found = LEADER_FLAG.match(word) if isinstance(word, str) else None
            if found is None:
                continue
            switch = found["flag"] in SWITCHES and not found["more"]
            if switch and (found["value"] or "true").strip().lower() in FALSE_WORDS:
                return False
            shown = True
        for variable in as_list(container.get("env")):
            if not isinstance(variable, Mapping) or not isinstance(variable.get("name"), str):
                continue
            if not LEADER_ENV.search(variable["name"]):
                continue
            value = variable.get("value")
            if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
                return False
            if variable.get("valueFrom") is not None or (isinstance(value, str) and value.lower() in ("true", "1")):
                shown = True  # on, or a knob wired to a ConfigMap: the program elects a leader
    return shown
