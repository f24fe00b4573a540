"""Where a GKE program keeps its node settings (not a rule: no RULE here).

A `gcp:container/cluster:Cluster` describes nodes in up to two places: inline
`nodePools[]` entries, or else the default node pool's `nodeConfig` (unless
`removeDefaultNodePool` is true, the usual pattern with separate node pools). A
`gcp:container/nodePool:NodePool` has its own `nodeConfig` and `management`.
Autopilot clusters (`enableAutopilot`) have no node settings to judge: Google runs
the nodes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policypack.model import Resource
from policypack.values import UNKNOWN, Path, as_list, get

CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
TYPES = frozenset({CLUSTER, NODE_POOL})


@dataclass(frozen=True)
class Pool:
    """One node pool as the program declares it."""

    label: str  # how messages name it
    path: Path  # of the pool's own settings (`nodeConfig`, `management`, ...)
    spec: Mapping[str, Any]

    @property
    def config_path(self) -> Path:
        return self.path + ("nodeConfig",)

    @property
    def config(self) -> Any:
        """The node configuration: a mapping, None (all defaults) or UNKNOWN (unknown
        during preview, or not an object: nothing to judge)."""
        value = self.spec.get("nodeConfig")
        return value if value is None or isinstance(value, Mapping) else UNKNOWN

    def setting(self, *keys: str) -> Any:
        """A field of the node configuration: None when it or the config is missing."""
        config = self.config
        return UNKNOWN if config is UNKNOWN else get(config or {}, *keys)


def is_autopilot(resource: Resource) -> Any:
    """True, False, or UNKNOWN."""
    value = resource.get("enableAutopilot")
    return value if value is UNKNOWN else value is True


def pools(resource: Resource) -> Iterator[Pool]:
    """The node pools a resource declares (none for Autopilot clusters)."""
    if resource.type == NODE_POOL:
        yield Pool("node pool", (), resource.props)
        return
    inline = resource.get("nodePools")
    if isinstance(inline, list) and inline:
        for index, entry in enumerate(as_list(inline)):
            if isinstance(entry, Mapping):
                name = entry.get("name")
                label = f'node pool "{name}"' if isinstance(name, str) else f"node pool #{index}"
                yield Pool(label, ("nodePools", index), entry)
        return
    if (
        inline is UNKNOWN
        or is_autopilot(resource) is not False
        or resource.get("removeDefaultNodePool") not in (None, False)
    ):
        return  # Autopilot, no default pool, or perhaps none (unknown during preview)
    yield Pool("the default node pool", (), resource.props)
