"""ECR repositories make image tags immutable.

Judges `aws:ecr/repository:Repository` by `imageTagMutability`: `IMMUTABLE` (and
`IMMUTABLE_WITH_EXCLUSION`, immutable except for the tag filters listed) pass;
`MUTABLE`, `MUTABLE_WITH_EXCLUSION` and a missing value (ECR's default, `MUTABLE`)
fire.

Why it matters:
    With mutable tags, `app:1.4.2` can be overwritten by anyone who can push: the
    image a cluster pulls on the next node or rollout is not the one that was
    reviewed, scanned and tested, and a compromised CI token can replace a release
    in place without changing a single manifest.

How to fix:
    Make tags immutable and give each build a new tag (a version or commit SHA):

        aws.ecr.Repository("app", image_tag_mutability="IMMUTABLE", ...)

    If a moving tag such as `latest` must stay, use `IMMUTABLE_WITH_EXCLUSION` with
    a filter for just that tag.

Notes:
    Deploying by digest (`image@sha256:...`) protects a workload even from a mutable
    repository; `require-pinned-images` can require digests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    mutability = resource.get("imageTagMutability")
    if mutability is None:
        yield Violation(
            ("imageTagMutability",),
            'image tags can be overwritten: imageTagMutability is not set (defaults to "MUTABLE")',
        )
    elif isinstance(mutability, str) and not mutability.upper().startswith("IMMUTABLE"):
        yield Violation(("imageTagMutability",), f'image tags can be overwritten: imageTagMutability is "{mutability}"')


RULE = Rule(
    name="ecr-immutable-tags",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="application-delivery",
    types={"aws:ecr/repository:Repository"},
    check=check,
    tags=("aws", "ecr", "supply-chain"),
)
