"""Launch templates require IMDSv2 and keep the metadata service out of pods' reach.

Judges `aws:ec2/launchTemplate:LaunchTemplate` and
`aws:ec2/launchConfiguration:LaunchConfiguration` (what EKS node groups and
self-managed nodes are launched from) by `metadataOptions`: `httpTokens` must be
`required` (IMDSv2), and `httpPutResponseHopLimit`, when set, at most the
`maxHopLimit` option (1 by default). A template with `httpEndpoint: disabled` has no
metadata service and passes.

Why it matters:
    IMDSv1 answers any plain GET, so one server-side request forgery in any pod (a
    URL fetcher, an image proxy, a webhook tester) hands out the node's IAM role
    credentials. IMDSv2 needs a PUT with a session token first, and a hop limit of 1
    keeps that token from being fetched from inside a pod's network namespace, so
    pods cannot use the node role at all.

How to fix:
    Require tokens and keep the hop limit at 1; give pods their own AWS identity with
    IAM Roles for Service Accounts or EKS Pod Identity:

        aws.ec2.LaunchTemplate("nodes", metadata_options={
            "http_endpoint": "enabled", "http_tokens": "required",
            "http_put_response_hop_limit": 1}, ...)

Notes:
    A missing `httpTokens` means `optional` unless the AMI or the account default
    says otherwise, which the program does not show, so it is reported. A missing hop
    limit is not (instances default to 1). Workloads that need the instance metadata
    from a pod (some agents, the AWS Load Balancer Controller without IRSA) need a
    hop limit of 2: set `maxHopLimit` to 2 for those templates' stacks, or suppress
    the finding with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Rule, Severity, Violation
from policypack.values import UNKNOWN


def check(resource: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    metadata = resource.get("metadataOptions")
    if metadata is None:
        yield Violation(
            ("metadataOptions",), 'IMDSv1 is allowed: metadataOptions is not set (httpTokens defaults to "optional")'
        )
        return
    if not isinstance(metadata, Mapping):
        return  # unknown during preview, or not an object
    endpoint = metadata.get("httpEndpoint")
    if endpoint is UNKNOWN or endpoint == "disabled":
        return  # no metadata service at all, or perhaps none
    tokens = metadata.get("httpTokens")
    if tokens is None:
        yield Violation(
            ("metadataOptions", "httpTokens"), 'IMDSv1 is allowed: httpTokens is not set (defaults to "optional")'
        )
    elif isinstance(tokens, str) and tokens != "required":
        yield Violation(
            ("metadataOptions", "httpTokens"), f'IMDSv1 is allowed: httpTokens is "{tokens}", not "required"'
        )
    hops = metadata.get("httpPutResponseHopLimit")
    if isinstance(hops, int) and not isinstance(hops, bool) and hops > options["maxHopLimit"]:
        yield Violation(
            ("metadataOptions", "httpPutResponseHopLimit"),
            f"httpPutResponseHopLimit is {hops}: pods can reach the instance metadata service "
            f"(at most {options['maxHopLimit']} allowed)",
        )


RULE = Rule(
    name="ec2-launch-template-imdsv2",
    doc=__doc__,
    severity=Severity.HIGH,
    area="worker-nodes",
    types={"aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/launchConfiguration:LaunchConfiguration"},
    check=check,
    options={
        "maxHopLimit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 64,
            "default": 1,
            "description": "The highest httpPutResponseHopLimit allowed (2 lets pods reach the metadata service).",
        }
    },
    tags=("aws", "ec2", "eks", "imds"),
)
