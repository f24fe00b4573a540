"""GKE clusters do not issue a client certificate for the API server.

Judges `gcp:container/cluster:Cluster`: fires when
`masterAuth.clientCertificateConfig.issueClientCertificate` is true (false by
default).

Why it matters:
    The issued certificate authenticates as a cluster administrator, never expires
    with a person leaving, and cannot be revoked short of rotating the cluster's
    certificate authority. Anyone who reads it from state, CI logs or a laptop owns
    the cluster.

How to fix:
    Authenticate with Google identities (`gke-gcloud-auth-plugin`) and RBAC, and
    remove `issue_client_certificate`. Changing it replaces the cluster, so plan the
    migration; meanwhile suppress the finding with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation

PATH = ("masterAuth", "clientCertificateConfig", "issueClientCertificate")


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.get(*PATH) is True:
        yield Violation(PATH, "the cluster issues a client certificate (issueClientCertificate is true)")


RULE = Rule(
    name="gke-no-client-certificate",
    doc=__doc__,
    severity=Severity.HIGH,
    area="control-plane",
    types={"gcp:container/cluster:Cluster"},
    check=check,
    tags=("gcp", "gke", "authentication", "cis-gke-5.8.1"),
)
