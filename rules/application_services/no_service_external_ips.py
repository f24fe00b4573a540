"""Services do not set `externalIPs`.

Fires on a Service of any type whose `spec.externalIPs` lists at least one address.

Why it matters:
    kube-proxy sends traffic for every address in `externalIPs` to the Service,
    on every node, and nothing checks that the address belongs to the Service's
    owner. Anyone who may create or update a Service can therefore intercept
    traffic meant for any IP address, inside or outside the cluster
    (CVE-2020-8554, unpatchable by design). The only fix Kubernetes offers is to
    forbid the field by admission policy; this rule forbids it before that.

How to fix:
    Remove `spec.externalIPs`. To expose a Service on an address, use an internal
    or public LoadBalancer, an Ingress or Gateway, or a `loadBalancerIP` your cloud
    assigns.

Notes:
    Clusters that enable the `DenyServiceExternalIPs` admission plugin reject such
    Services anyway; the rule reports them before a deployment fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation


def check(service: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    addresses = service.get("spec", "externalIPs")
    # Entries unknown during preview are still addresses: the field is set either way.
    if isinstance(addresses, list) and addresses:
        count = len(addresses)
        yield Violation(
            ("spec", "externalIPs"),
            f"Service sets externalIPs ({count} address{'es' if count > 1 else ''}): "
            "anyone who can create Services can intercept traffic this way (CVE-2020-8554)",
        )


RULE = Rule(
    name="no-service-external-ips",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-services",
    kinds={"Service"},
    check=check,
    options={},
    tags=("cve-2020-8554", "network-exposure"),
)
