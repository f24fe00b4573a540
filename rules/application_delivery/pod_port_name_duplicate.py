"""A port name is declared once in a pod.

Fires on a port name that two containers of one pod (regular containers, or init
containers that keep running as sidecars) give their ports: once per name, at its
last declaration, naming the containers that declare it before.

Why it matters:
    Services (`targetPort: web`) and probes (`port: web`) find a port by its name
    among all the pod's containers, and take the first: the other container's port
    of that name is never reached by name, whatever the author meant. The API server
    accepts the pod with a warning (`duplicate port name "web" with
    spec.containers[0].ports[0], services and probes that select ports by name will
    use spec.containers[0].ports[0]`), which `kubectl apply` prints and CI logs bury
    (corpus47's Konflux proxy: nginx, workspace-manager and oauth2-proxy each name a
    port `web`, and the Service's `targetPort: web` reaches nginx only).

How to fix:
    Give each container's port a name of its own, and point the Service or probe at
    the one it means:

        containers:
          - name: nginx
            ports: [{name: web, containerPort: 8080}]
          - name: oauth2-proxy
            ports: [{name: oauth-web, containerPort: 4180}]

Notes:
    Two declarations of one name in one container are refused by the API server and
    are `unknown-fields`' and kubectl's business, not this rule's. Init containers that
    run to completion before the others start, and ephemeral containers, are not
    counted. A name or a port list not known yet (preview) adds nothing; the known
    names that repeat are reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list


def _running_together(obj: Resource) -> list[Container]:
    """The containers that run side by side: the regular containers, in the pod's
    order (where a Service's named `targetPort` is looked up first), then native
    sidecars (init containers with `restartPolicy: Always`)."""
    sidecars = [c for c in obj.containers(ephemeral=False) if c.is_init and c.get("restartPolicy") == "Always"]
    return list(obj.containers(init=False, ephemeral=False)) + sidecars


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.pod_spec is None:
        return
    declared: dict[str, list[tuple[Container, int]]] = {}  # name -> (container, port index), in pod order
    for container in _running_together(obj):
        own: set[str] = set()
        for index, port in enumerate(as_list(container.get("ports"))):
            # (a port or a list not known yet adds what it adds: the known names that
            # repeat are repeats whatever it holds)
            name = port.get("name") if isinstance(port, Mapping) else None
            if isinstance(name, str) and name and name not in own:
                own.add(name)
                declared.setdefault(name, []).append((container, index))
    for name, places in declared.items():
        if len(places) < 2:
            continue
        # One name, one cause: reported once, at its last declaration, naming the others.
        last, index = places[-1]
        earlier = [container.label for container, _ in places[:-1]]
        who = earlier[0] if len(earlier) == 1 else ", ".join(earlier[:-1]) + f" and {earlier[-1]}"
        verb = "does" if len(earlier) == 1 else "do"
        yield Violation(
            last.path + ("ports", index, "name"),
            f'{last.label} names a port "{name}", as {who} already {verb}: Services and probes that name the '
            "port reach only one of them",
        )


RULE = Rule(
    name="pod-port-name-duplicate",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-delivery",
    kinds=set(POD_KINDS),
    check=check,
    profiles=("correctness",),
)
