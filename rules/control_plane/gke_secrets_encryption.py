"""GKE clusters encrypt Kubernetes secrets with a Cloud KMS key.

Judges `gcp:container/cluster:Cluster` by `databaseEncryption`: `state` must be
`ENCRYPTED` and `keyName` must name a Cloud KMS key.

Why it matters:
    GKE encrypts etcd at rest with Google-managed keys, but secrets are then readable
    by anyone who obtains the stored data. Application-layer encryption with your own
    key adds a key you can audit, rotate and revoke, and every decryption needs
    permission on it.

How to fix:
    Create a Cloud KMS key in the cluster's region, let the GKE service agent use it,
    and name it:

        gcp.container.Cluster("main", database_encryption={
            "state": "ENCRYPTED", "key_name": key.id}, ...)

Notes:
    A key name only known after deployment counts as set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    config = resource.get("databaseEncryption")
    if config is None:
        yield Violation(
            ("databaseEncryption",), "secrets are not encrypted with a KMS key: databaseEncryption is not set"
        )
        return
    if not isinstance(config, Mapping):
        return  # unknown during preview
    state = config.get("state")
    if isinstance(state, str) and state != "ENCRYPTED":
        yield Violation(
            ("databaseEncryption", "state"), f'secrets are not encrypted with a KMS key: state is "{state}"'
        )
    elif state == "ENCRYPTED":
        key = config.get("keyName")
        if key is None or (isinstance(key, str) and not key.strip()):
            yield Violation(("databaseEncryption", "keyName"), "databaseEncryption names no KMS key (keyName)")


RULE = Rule(
    name="gke-secrets-encryption",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={"gcp:container/cluster:Cluster"},
    check=check,
    tags=("gcp", "gke", "encryption", "cis-gke-5.3.1"),
)
