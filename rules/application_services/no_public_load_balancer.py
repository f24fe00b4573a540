"""A LoadBalancer Service must be internal, or marked as meant to be public.

Fires on a Service of `type: LoadBalancer` that carries neither a cloud's
internal-load-balancer annotation nor the opt-in annotation that says the public
address is intended. Recognised internal annotations (values compared without case):

| cloud | annotation | internal when |
|---|---|---|
| AWS (Load Balancer Controller) | `service.beta.kubernetes.io/aws-load-balancer-scheme` | `internal` |
| AWS (in-tree) | `service.beta.kubernetes.io/aws-load-balancer-internal` | any value but `false` |
| Azure | `service.beta.kubernetes.io/azure-load-balancer-internal` | `true` |
| GKE | `networking.gke.io/load-balancer-type` | `Internal` |
| GKE (older spelling) | `cloud.google.com/load-balancer-type` | `Internal` |
| Oracle Cloud | `service.beta.kubernetes.io/oci-load-balancer-internal` | `true` |
| Oracle Cloud (NLB) | `oci-network-load-balancer.oraclecloud.com/internal` | `true` |
| OpenStack | `service.beta.kubernetes.io/openstack-internal-load-balancer` | `true` |
| IBM Cloud | `service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type` | `private` |
| Alibaba Cloud | `service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type` | `intranet` |

Why it matters:
    A LoadBalancer Service without an internal annotation gets an address on the
    internet on every major cloud. Exposure then depends on the application's own
    authentication alone, and the address is found by scanners within minutes. Public
    entry points should be few, deliberate, and reviewed.

How to fix:
    If the Service only serves the cluster's network, add your cloud's internal
    annotation, for example on EKS:

        metadata:
          annotations:
            service.beta.kubernetes.io/aws-load-balancer-scheme: internal

    If it must be public, say so with the opt-in annotation (its value can carry the
    reason; only `false` or an empty value do not count):

        metadata:
          annotations:
            policypack.dev/public-load-balancer: "storefront, behind the WAF"

    Consider an Ingress or Gateway with TLS instead of a LoadBalancer per Service.

Notes:
    `loadBalancerSourceRanges` narrows who may connect but the address is still
    public, so it does not count as internal. The AWS Load Balancer Controller may
    default to an internal scheme, but the in-tree controller does not; the rule asks
    for the scheme to be written down. During a Pulumi preview, an annotation whose
    value is not known yet is given the benefit of the doubt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_unknown


def _equals(expected: str):
    return lambda value: value.strip().lower() == expected


def _not_false(value: str) -> bool:
    return value.strip().lower() not in ("", "false")


# annotation -> test of its value meaning "internal"
INTERNAL_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": _equals("internal"),
    "service.beta.kubernetes.io/aws-load-balancer-internal": _not_false,
    "service.beta.kubernetes.io/azure-load-balancer-internal": _equals("true"),
    "networking.gke.io/load-balancer-type": _equals("internal"),
    "cloud.google.com/load-balancer-type": _equals("internal"),
    "service.beta.kubernetes.io/oci-load-balancer-internal": _equals("true"),
    "oci-network-load-balancer.oraclecloud.com/internal": _equals("true"),
    "service.beta.kubernetes.io/openstack-internal-load-balancer": _equals("true"),
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": _equals("private"),
    "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": _equals("intranet"),
}


def check(service: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    service_type = service.get("spec", "type")
    if service_type != "LoadBalancer":
        return
    annotations = service.get("metadata", "annotations")
    if is_unknown(annotations):
        return
    annotations = annotations if isinstance(annotations, Mapping) else {}
    opt_in = options["publicAnnotation"]
    for key in (opt_in, *INTERNAL_ANNOTATIONS):
        value = annotations.get(key)
        if is_unknown(value):
            return  # could be the value that makes it internal
        if not isinstance(value, str):
            continue
        test = INTERNAL_ANNOTATIONS.get(key, _not_false)
        if test(value):
            return
    scheme = annotations.get("service.beta.kubernetes.io/aws-load-balancer-scheme")
    reason = (
        "its AWS scheme is internet-facing"
        if isinstance(scheme, str) and scheme.strip().lower() == "internet-facing"
        else "it has no internal-load-balancer annotation for any cloud"
    )
    yield Violation(
        ("spec", "type"),
        f"Service of type LoadBalancer gets a public address: {reason}, "
        f'and no "{opt_in}" annotation says that is intended',
    )


RULE = Rule(
    name="no-public-load-balancer",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="application-services",
    kinds={"Service"},
    check=check,
    options={
        "publicAnnotation": {
            "type": "string",
            "minLength": 1,
            "default": "policypack.dev/public-load-balancer",
            "description": (
                "Annotation that marks a LoadBalancer Service as intentionally public. "
                "Any value but `false` or empty counts; use it to give the reason."
            ),
        },
    },
    tags=("network-exposure",),
)
