"""ECR repositories scan every image for known vulnerabilities when it is pushed.

Judges `aws:ecr/repository:Repository` by `imageScanningConfiguration.scanOnPush`,
which defaults to false.

Why it matters:
    Images carry operating system packages and libraries with published CVEs. A scan
    at push time tells the team that built the image, while the change is fresh, and
    gives admission controls and dashboards a result to act on; without it a known
    vulnerable image runs unnoticed until someone looks.

How to fix:
    Turn scanning on for the repository:

        aws.ecr.Repository("app", image_scanning_configuration={"scan_on_push": True}, ...)

    or configure scanning for the whole registry (`aws.ecr.RegistryScanningConfiguration`,
    which also offers continuous scanning with Amazon Inspector).

Notes:
    When the registry has a scanning configuration, it replaces the repositories'
    own setting and this finding can be suppressed with that reason. An unknown value
    is not judged during preview.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patch import Applicability, Change, Fix
from policypack.rule import Rule, Severity, Violation


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    config = resource.get("imageScanningConfiguration")
    if config is None:
        yield Violation(
            ("imageScanningConfiguration",), "images are not scanned on push: imageScanningConfiguration is not set"
        )
    elif isinstance(config, Mapping):
        scan = config.get("scanOnPush")
        if scan is None or scan is False:
            yield Violation(
                ("imageScanningConfiguration", "scanOnPush"),
                f"images are not scanned on push: scanOnPush is {'false' if scan is False else 'not set'}",
            )


def fix(resource: Resource, options: Mapping[str, Any]) -> Iterator[Change]:
    """`imageScanningConfiguration.scanOnPush: true` (safe: scanning reads images, it
    never changes them). In Pulumi only: a stack export is a record, not a source."""
    if any(True for _ in check(resource, options)):
        config = resource.get("imageScanningConfiguration")
        if config is None or isinstance(config, Mapping):
            yield Change(("imageScanningConfiguration", "scanOnPush"), True)


RULE = Rule(
    name="ecr-scan-on-push",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="application-delivery",
    types={"aws:ecr/repository:Repository"},
    check=check,
    tags=("aws", "ecr", "supply-chain", "cis-eks-5.1.1"),
    fix=Fix(fix, Applicability.SAFE),
)
