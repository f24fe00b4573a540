"""ECR repositories encrypt images with a KMS key (off by default).

Judges `aws:ecr/repository:Repository` by `encryptionConfigurations`: an entry with
`encryptionType` `KMS` (or `KMS_DSSE`) passes; a missing list or `AES256` fires.
This rule is disabled unless enabled in the policy configuration.

Why it matters:
    ECR always encrypts at rest, by default with keys AWS manages for you. A KMS key
    adds what some compliance regimes require: key policies that decide who can
    decrypt, a CloudTrail record of every use, and the ability to revoke access to
    every image at once.

How to fix:
    Name a KMS key when creating the repository (it cannot be changed afterwards):

        aws.ecr.Repository("app", encryption_configurations=[{
            "encryption_type": "KMS", "kms_key": key.arn}], ...)

Notes:
    Off by default because AES256 at rest is sound for most teams and changing the
    encryption replaces the repository. Enable it with
    `{"ecr-kms-encryption": "mandatory"}` where your policy asks for customer-managed
    keys. `KMS` without `kmsKey` uses the AWS managed key `aws/ecr`, which passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_list

KMS_TYPES = frozenset({"KMS", "KMS_DSSE"})


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    configurations = resource.get("encryptionConfigurations")
    if configurations is None or configurations == []:
        yield Violation(
            ("encryptionConfigurations",),
            "images are not encrypted with a KMS key: encryptionConfigurations is not set (AES256)",
        )
        return
    types = [c.get("encryptionType") if isinstance(c, Mapping) else c for c in as_list(configurations)]
    if not types or UNKNOWN in types or any(isinstance(t, str) and t in KMS_TYPES for t in types):
        return  # unknown during preview, not a list, or KMS
    for index, kind in enumerate(types):
        if kind == "AES256" or kind is None:
            yield Violation(
                ("encryptionConfigurations", index, "encryptionType"),
                f"images are not encrypted with a KMS key: encryptionType is {kind or 'not set (AES256)'}",
            )


RULE = Rule(
    name="ecr-kms-encryption",
    doc=__doc__,
    severity=Severity.LOW,
    enforcement=Enforcement.DISABLED,
    area="application-delivery",
    types={"aws:ecr/repository:Repository"},
    check=check,
    tags=("aws", "ecr", "encryption"),
)
