"""Pulumi remediation: a rule's fix as its policy's `remediate` callback.

With the enforcement level `remediate` (per rule, or `all`), the engine calls the
pack's `Remediate` before the provider sees a resource, and uses the inputs a policy
returns instead of the planned ones (pulumi-policy 1.21, `_PolicyAnalyzerServicer.
Remediate`). The callback's contract, read from the SDK:

- `args.props` is the unknown-checking proxy over a secrets-preserving proxy of the
  inputs (or, after an earlier policy remediated, the plain mapping it returned);
  reading an unknown raises `UnknownValueError`, which the SDK turns into a
  "can't run remediation during preview" diagnostic for the whole policy;
- returning a mapping replaces every input (it is serialised as it is, unknown
  sentinels and `Secret` wrappers included); returning None changes nothing;
- afterwards `Analyze` runs on the remediated inputs, and a violation that is still
  there is reported as mandatory.

So the callback works on the raw inputs: unknowns stay their sentinels and secrets
stay wrapped, the fix is computed on the same plain `Resource` the check sees, and a
change is written only where the way to it holds no unknown value (a fix never
invents a value for an unknown, nor overwrites one). A rule without a fix keeps the
SDK's behaviour under `remediate`: "not applicable" for remediation, and its
findings are mandatory violations. An unsafe fix remediates only with the rule's
option `unsafeFixes: true`. `apiVersion`/`kind` of a Kubernetes resource come from
its type token, which a remediation cannot change: those fixes are offline only. So
is a stack rule's fix: its finding needs the whole stack, which `Remediate` (one
resource, before the engine has seen the others) never has; a stack policy gets no
`remediate` callback, and `make_remediate` declines one. The exception is a stack
rule that judges each object by its own check first (`Rule.object_check`: the set
can only excuse an object, as a bare-metal load balancer excuses a LoadBalancer):
it remediates by that check, through the servicer (`SharedPropsServicer.Remediate`,
since the SDK's stack policies take no callback).
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import _DictProxy, _is_unknown, _ListProxy
from pulumi_policy.secret import Secret, _DictSecretsProxy, _ListSecretsProxy

from policypack.engine import ObjectRef, log, run_rule, settle
from policypack.fix import fix_allowed, rule_changes
from policypack.patch import Change
from policypack.pulumi_state import pulumi_objects
from policypack.rule import Rule
from policypack.values import UNKNOWN

_PROXIES = (_DictProxy, _ListProxy, _DictSecretsProxy, _ListSecretsProxy)


def unwrap(value: Any) -> Any:
    """The SDK's proxies -> plain dicts and lists, unknown sentinels and Secrets kept."""
    if isinstance(value, _PROXIES):
        return unwrap(value["__target"])
    if isinstance(value, Secret):
        return Secret(unwrap(value.value))
    if isinstance(value, Mapping):
        return {key: unwrap(value[key]) for key in value}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def to_plain(value: Any) -> Any:
    """Raw inputs -> the plain data a rule sees (as `pulumi_adapter.plain`)."""
    from policypack.pulumi_adapter import plain

    if isinstance(value, Secret):
        return to_plain(value.value)
    if isinstance(value, str) and _is_unknown(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    return plain(value)


def apply_raw(raw: dict[str, Any], change: Change) -> bool:
    """Write one change into the raw inputs; False (and nothing written) when an
    unknown value is on the way or at the place, or a shape does not fit."""
    node: Any = raw
    for key in change.path[:-1]:
        while isinstance(node, Secret):
            node = node.value
        if isinstance(node, dict) and isinstance(key, str):
            child = node.get(key)
            if child is None:
                child = node[key] = {}
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            child = node[key]
        else:
            return False
        if isinstance(child, str) and _is_unknown(child):
            return False
        node = child
    while isinstance(node, Secret):
        node = node.value
    last = change.path[-1]
    if not (isinstance(node, dict) and isinstance(last, str)):
        return False
    current = node.get(last)
    if isinstance(current, Secret) or (isinstance(current, str) and _is_unknown(current)):
        return False
    if change.append:
        if current is None:
            node[last] = [change.value]
            return True
        if not isinstance(current, list) or any(isinstance(i, str) and _is_unknown(i) for i in current):
            return False
        if change.value not in current:
            current.append(change.value)
        return True
    if isinstance(change.value, dict) and isinstance(current, dict):
        return all(apply_raw(current, Change((key,), value)) for key, value in change.value.items())
    node[last] = change.value
    return True


def make_remediate(rule: Rule):
    if rule.stack and rule.object_check is not None:
        # Judged by what the object alone shows (see above).
        rule = dataclasses.replace(rule, check=rule.object_check, stack=False, object_check=None)

    def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        if rule.stack:
            return None  # offline only (see above)
        try:
            config = to_plain(unwrap(args.get_config() or {}))
            options = {**rule.defaults, **{k: v for k, v in config.items() if k != "enforcementLevel"}}
            if not fix_allowed(rule, options, unsafe=False):
                return None
            raw = unwrap(args.props)
            today = datetime.now(timezone.utc).date()
            changed = False
            for resource, prefix in pulumi_objects(args.resource_type, to_plain(raw), args.urn):
                if not rule.applies_to(resource):
                    continue
                ref = ObjectRef.of(resource)
                findings = [
                    settle(f, rule, resource, options, today)
                    for f in run_rule(rule, resource, options, rule.enforcement, ref, anchors=False)
                ]
                for change in rule_changes(rule, resource, options, findings):
                    if not prefix and resource.is_kubernetes and change.path[0] in ("apiVersion", "kind"):
                        continue  # the type token says these; a remediation cannot change it
                    changed = apply_raw(raw, Change(prefix + change.path, change.value, change.append)) or changed
            return raw if changed else None
        except Exception:  # noqa: BLE001 - never fail the engine's Remediate call
            log.debug("remediating %s with %s failed:\n%s", args.urn, rule.name, traceback.format_exc())
            return None

    return remediate
