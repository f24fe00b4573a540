"""Every namespace that runs workloads has a default-deny NetworkPolicy.

A default deny is a NetworkPolicy with an empty `podSelector` (`{}`: every pod of the
namespace) that lists `Ingress` in `policyTypes` and allows no ingress. Off by default
(the `strict` profile turns it on); enable it where namespaces are owned by the
manifests you lint.

Why it matters:
    With a default deny, a new workload is unreachable until someone writes the
    policy it needs; without one, every new workload starts open and stays open
    until someone remembers. It is the difference between allow-listing and hoping.

How to fix:
    Add to each namespace:

        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]

Notes:
    The finding is placed on the namespace's Namespace object when it is in the set,
    else on the namespace's first workload. `Egress` in the default deny is good
    practice but not required by this rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import UNKNOWN, as_list


def denies_all_ingress(policy: Resource) -> bool | None:
    selector = policy.get("spec", "podSelector")
    types, ingress = policy.get("spec", "policyTypes"), policy.get("spec", "ingress")
    if UNKNOWN in (selector, types, ingress) or any(t is UNKNOWN for t in as_list(types)):
        return None
    if isinstance(selector, Mapping) and UNKNOWN in (selector.get("matchLabels"), selector.get("matchExpressions")):
        return None  # could select every pod, or some
    everything = (
        isinstance(selector, Mapping) and not selector.get("matchLabels") and not selector.get("matchExpressions")
    )
    # Without policyTypes, Ingress is implied.
    covers_ingress = types is None or "Ingress" in as_list(types)
    return everything and covers_ingress and not as_list(ingress)


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    if any(not isinstance(stack.namespace_of(p), str) for p in stack.of_kind("NetworkPolicy")):
        return  # a policy whose namespace is not known yet could be the one
    for namespace in stack.namespaces(*POD_KINDS):
        verdicts = [denies_all_ingress(p) for p in stack.in_namespace(namespace, "NetworkPolicy")]
        if True in verdicts or None in verdicts:
            continue
        target = stack.find("Namespace", namespace)
        if isinstance(target, Resource):
            yield StackViolation(
                target, ("metadata", "name"), f"namespace {namespace} has no default-deny NetworkPolicy"
            )
        else:
            first = stack.in_namespace(namespace, *POD_KINDS)[0]
            yield StackViolation(
                first, ("metadata", "name"), f"namespace {namespace} has no default-deny NetworkPolicy"
            )


RULE = Rule(
    name="network-policy-default-deny",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.DISABLED,
    area="cluster-services",
    kinds={"NetworkPolicy", "Namespace", *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object", "cis-5.3.2", "nsa-hardening"),
)
