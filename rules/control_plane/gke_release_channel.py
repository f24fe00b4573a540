"""GKE clusters are enrolled in a release channel.

Judges `gcp:container/cluster:Cluster`: fires when `releaseChannel.channel` is
`UNSPECIFIED`, which takes the cluster out of every channel.

Why it matters:
    Outside a release channel, versions are managed by hand: control planes and
    nodes fall behind on security patches, and GKE's forced upgrades at end of life
    arrive on its schedule instead of a tested one. Channels deliver patches on a
    known cadence and honour maintenance windows and exclusions.

How to fix:
    Choose a channel (REGULAR suits most production clusters; STABLE lags further):

        gcp.container.Cluster("main", release_channel={"channel": "REGULAR"}, ...)

Notes:
    A missing `releaseChannel` is not judged: GKE enrolls new clusters in a channel
    (Regular) by default, and removing the field from a program leaves the cluster's
    enrollment unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.get("releaseChannel", "channel") == "UNSPECIFIED":
        yield Violation(
            ("releaseChannel", "channel"),
            'the cluster is in no release channel (releaseChannel.channel is "UNSPECIFIED")',
        )


RULE = Rule(
    name="gke-release-channel",
    doc=__doc__,
    severity=Severity.LOW,
    area="control-plane",
    types={"gcp:container/cluster:Cluster"},
    check=check,
    tags=("gcp", "gke", "upgrades", "cis-gke-5.5.4"),
)
