"""Probes and lifecycle hooks do not target another host (PSS Baseline).

From Kubernetes 1.34, fires on every `host` set in the `httpGet` or `tcpSocket` of a
container's `livenessProbe`, `readinessProbe` or `startupProbe`, or of its
`lifecycle.postStart` or `lifecycle.preStop` hook (init and ephemeral containers
included), as the `hostProbesAndHostLifecycle` check of Kubernetes' Pod Security
Admission does. Before 1.34 the control does not exist and the rule is silent.

Why it matters:
    The kubelet runs probes and HTTP/TCP hooks from the node, with the node's
    network position. A `host` field points that request anywhere: the cloud
    metadata endpoint, the node's own services, other tenants' pods. It is a
    server-side request forgery primitive handed to whoever writes pod specs.

How to fix:
    Remove `host`; the kubelet then targets the pod's own IP:

        livenessProbe:
          httpGet:
            path: /healthz
            port: 8080

    If a virtual host is needed, send it as an HTTP header instead
    (`httpHeaders: [{name: Host, value: example.com}]`).

Notes:
    On a pod with `hostNetwork: true` the finding is folded into the hostNetwork
    finding of `pss-host-namespaces`: the pod already has the node's network
    position, so its namespace must admit the Privileged level, which allows probe
    hosts too, and `host: localhost` there is the pod itself (CSI drivers probe a
    sidecar that binds the node's loopback). Removing `host` alone would break such a
    probe; what to decide is the host network. Folding changes no verdict: the
    finding is still listed under the hostNetwork one (JSON, SARIF) and the gate is
    the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, Violation

from . import _pss

HANDLERS: tuple[tuple[str, ...], ...] = (
    ("livenessProbe",),
    ("readinessProbe",),
    ("startupProbe",),
    ("lifecycle", "postStart"),
    ("lifecycle", "preStop"),
)
ACTIONS = ("httpGet", "tcpSocket")


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if not _pss.at_least(options, 34):
        return
    for container in _pss.containers(obj):
        for handler in HANDLERS:
            for action in ACTIONS:
                host = container.get(*handler, action, "host")
                if isinstance(host, str) and host != "":
                    field = ".".join((*handler, action, "host"))
                    yield Violation(
                        container.path + (*handler, action, "host"),
                        f"{container.label} must not set {field} (it targets {_pss.quote(host)})",
                    )


RULE = Rule(
    name="pss-host-probes-and-lifecycle",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    folds_into={"pss-host-namespaces": "host-network"},
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options=_pss.version_option(),
    tags=("pss-baseline:hostProbesAndHostLifecycle",),
    profiles=("pss-baseline", "pss-restricted"),
)
