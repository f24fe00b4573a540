"""One finding for a pod-level field that several containers lack.

When a setting can be made once for the whole pod (`securityContext.seccompProfile`,
`securityContext.runAsNonRoot`) and the pod leaves it unset, every container that
does not set it either is short of it for the same reason, and one line on the pod
fixes them all. Reporting it once per container would report one root cause many
times (a four-container StatefulSet gave four identical findings), so rules report
it once, at the pod's field, naming the containers; Pod Security admission words its
verdict the same way ("pod or containers "a", "b" must set ..."). A single container
keeps its own finding at its own entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from policypack.model import Container


def named(containers: Sequence[Container]) -> str:
    """`container "a"`, or `init container "a", container "b" and container "c"`."""
    labels = [container.label for container in containers]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]
