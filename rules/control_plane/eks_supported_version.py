"""EKS clusters run a Kubernetes version that AWS still supports.

Judges `aws:eks/cluster:Cluster` and the pulumi-eks component `eks:index:Cluster` by
`version` (`"1.31"`; a patch part is ignored): it must be at least the
`minimumVersion` option. A missing version is not judged: EKS then creates the
cluster at its current default version.

Why it matters:
    A version past the end of support gets no security fixes. EKS charges extended
    support for old versions and, at the end of extended support, upgrades the
    control plane on its own schedule, which can break workloads that use removed
    APIs at a moment nobody chose.

How to fix:
    Upgrade one minor version at a time (control plane, then add-ons and nodes), after
    checking for removed APIs, and set the new version in the program:

        aws.eks.Cluster("main", version="1.33", ...)

Notes:
    The default `minimumVersion` is the oldest minor still in EKS extended support
    when this rule was written (late 2026); raise it as AWS's calendar moves, or to
    the oldest minor in standard support to avoid the extended-support charge. An
    unknown or unparsable version is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.rule import Rule, Severity, Violation

_VERSION = lazy_compile(r"^\s*v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?\s*$")


def minor_version(value: Any) -> tuple[int, int] | None:
    """`"1.31"`, `"1.31.2"`, `"v1.31"` -> (1, 31); anything else -> None."""
    if isinstance(value, float):  # a YAML author's 1.30 arrives as the float 1.3
        return None
    match = _VERSION.match(value) if isinstance(value, str) else None
    return (int(match[1]), int(match[2])) if match else None


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    version = minor_version(resource.get("version"))
    minimum = minor_version(options["minimumVersion"])
    if version is None or minimum is None:
        return
    if version < minimum:
        yield Violation(
            ("version",),
            f"Kubernetes {version[0]}.{version[1]} is older than the minimum supported version "
            f"{options['minimumVersion']}",
        )


RULE = Rule(
    name="eks-supported-version",
    doc=__doc__,
    severity=Severity.MEDIUM,
    area="control-plane",
    types={"aws:eks/cluster:Cluster", "eks:index:Cluster"},
    check=check,
    options={
        "minimumVersion": {
            "type": "string",
            "pattern": r"^v?[0-9]+\.[0-9]+$",
            "default": "1.32",
            "description": 'The oldest Kubernetes minor version allowed ("1.32").',
        }
    },
    tags=("aws", "eks", "upgrades"),
)
