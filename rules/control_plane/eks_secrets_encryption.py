"""EKS clusters envelope-encrypt Kubernetes secrets with a KMS key you control.

Judges `aws:eks/cluster:Cluster` by `encryptionConfig`: its `resources` must include
`secrets` and `provider.keyArn` must name a key. Judges the pulumi-eks component
`eks:index:Cluster` by `encryptionConfigKeyArn`.

Why it matters:
    Secrets hold database passwords, API keys and service account tokens. With your
    own KMS key, reading them from an etcd backup or snapshot also needs
    `kms:Decrypt`, every decryption is in CloudTrail, and revoking the key makes the
    data unreadable. Without it, anyone with access to the stored data has the
    secrets.

How to fix:
    Create a KMS key and name it on the cluster:

        aws.eks.Cluster("main", encryption_config={
            "provider": {"key_arn": key.arn}, "resources": ["secrets"]}, ...)

    With pulumi-eks: `encryption_config_key_arn=key.arn`.

Notes:
    Since 2025 EKS also encrypts Kubernetes API data with an AWS-owned key by default
    (Kubernetes 1.28 and later); that key is not yours to audit, rotate or revoke,
    which is what this rule (CIS EKS 5.3.1) asks for. A key ARN that is only known
    after deployment counts as set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN, Path

CLUSTER = "aws:eks/cluster:Cluster"
COMPONENT = "eks:index:Cluster"


def _key_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if resource.type == COMPONENT:
        if _key_missing(resource.get("encryptionConfigKeyArn")):
            yield Violation(
                ("encryptionConfigKeyArn",),
                "secrets are not encrypted with a KMS key: encryptionConfigKeyArn is not set",
            )
        return
    config = resource.get("encryptionConfig")
    path: Path = ("encryptionConfig",)
    if isinstance(config, list):  # older provider versions: a list of at most one
        if not config:
            config = None
        else:
            config, path = config[0], path + (0,)
    if config is None:
        yield Violation(path, "secrets are not encrypted with a KMS key: encryptionConfig is not set")
        return
    if not isinstance(config, Mapping):
        return  # unknown during preview, or not an object
    resources = config.get("resources")
    if isinstance(resources, list) and UNKNOWN not in resources and "secrets" not in resources:
        yield Violation(path + ("resources",), 'encryptionConfig.resources does not include "secrets"')
    provider = config.get("provider")
    if provider is None or (isinstance(provider, Mapping) and _key_missing(provider.get("keyArn"))):
        key_path = path + ("provider", "keyArn")
        yield Violation(key_path, "encryptionConfig names no KMS key (provider.keyArn)")


RULE = Rule(
    name="eks-secrets-encryption",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={CLUSTER, COMPONENT},
    check=check,
    tags=("aws", "eks", "encryption", "cis-eks-5.3.1"),
)
