"""An admission webhook that fails closed does not intercept every pod of the cluster.

Fires on a webhook of a MutatingWebhookConfiguration or ValidatingWebhookConfiguration
that fails closed (`failurePolicy: Fail`, the default of `admissionregistration.k8s.io/v1`)
on pod creation (its rules name `pods` or `*`, for `CREATE` or `*`) with no
`namespaceSelector` or `objectSelector` to narrow it: every pod of every namespace,
`kube-system` and the webhook's own included, then waits on its service.

Why it matters:
    When the webhook's pods are down (a bad release, a node drain, an expired
    certificate), the API server refuses every new pod: no Deployment scales, no
    evicted pod comes back, and the webhook's own replacement pod is refused too, so
    the cluster cannot heal without someone deleting the configuration by hand. It is
    one of the classic causes of cluster-wide outages during upgrades.

How to fix:
    Keep the control plane and the webhook's own namespace out of its reach, and
    fail open where the webhook is not a security control:

        webhooks:
          - name: secrets-init.example.com
            failurePolicy: Fail
            namespaceSelector:
              matchExpressions:
                - key: kubernetes.io/metadata.name
                  operator: NotIn
                  values: [kube-system, secrets-init]

Notes:
    A webhook that fails open (`failurePolicy: Ignore`, the default of the removed
    `v1beta1`), that names a selector, or whose rules do not reach pod creation is not
    judged. Values unknown during a preview fire nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, is_unknown


def _strings(value: Any) -> list[Any]:
    return list(as_list(value))


def _reaches_pod_creation(rules: Any) -> bool | None:
    """Whether a webhook's rules match creating a pod; None when not known yet."""
    if is_unknown(rules):
        return None
    for rule in as_list(rules):
        if is_unknown(rule):
            return None
        if not isinstance(rule, Mapping):
            continue
        fields = [_strings(rule.get(key)) for key in ("operations", "apiGroups", "resources")]
        if any(
            is_unknown(rule.get(key)) or any(is_unknown(v) for v in values)
            for key, values in zip(("operations", "apiGroups", "resources"), fields, strict=True)
        ):
            return None
        operations, groups, resources = fields
        if (
            any(op in ("CREATE", "*") for op in operations)
            and any(group in ("", "*") for group in groups)
            and any(resource in ("pods", "*", "*/*") for resource in resources)
        ):
            return True
    return False


def _narrowed(selector: Any) -> bool | None:
    """Whether a selector narrows what the webhook sees (missing or `{}`: it does not)."""
    if is_unknown(selector):
        return None
    if not isinstance(selector, Mapping):
        return False
    parts = [selector.get("matchLabels"), selector.get("matchExpressions")]
    if any(is_unknown(part) for part in parts):
        return None
    return any(bool(part) for part in parts)


def check(config: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    version = config.api_version
    for index, webhook in enumerate(as_list(config.get("webhooks"))):
        if not isinstance(webhook, Mapping):
            continue
        policy = webhook.get("failurePolicy")
        if is_unknown(policy):
            continue
        fails_closed = policy == "Fail" or (policy is None and version == "admissionregistration.k8s.io/v1")
        if not fails_closed or _reaches_pod_creation(webhook.get("rules")) is not True:
            continue
        if any(_narrowed(webhook.get(key)) is not False for key in ("namespaceSelector", "objectSelector")):
            continue
        name = webhook.get("name")
        shown = f'webhook "{name}"' if isinstance(name, str) else f"webhook #{index}"
        defaulted = "" if policy == "Fail" else " (the default of admissionregistration.k8s.io/v1)"
        yield Violation(
            ("webhooks", index, "failurePolicy") if policy is not None else ("webhooks", index),
            f"{shown} fails closed{defaulted} on every pod of every namespace, kube-system and its own included: "
            "while its service is down no pod can be created, its own replacement neither",
        )


RULE = Rule(
    name="webhook-fails-closed-everywhere",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="cluster-services",
    kinds={"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"},
    check=check,
    tags=("upgrades", "admission"),
    one_per_object=True,
)
