"""A stack rule for the machinery's tests: ConfigMaps that share a name in a namespace.

Loaded only by tests (`load_registry(extra_modules=["tests.support.stack_rule"])`).
A ConfigMap labelled `explode: "yes"` makes it raise.
"""

from collections import defaultdict

from policypack.rule import Enforcement, Rule, Severity, StackViolation


def check(stack, options):
    seen = defaultdict(list)
    for configmap in stack.of_kind("ConfigMap"):
        if configmap.labels.get("explode") == "yes":
            raise RuntimeError("boom")
        namespace = stack.namespace_of(configmap)
        if isinstance(namespace, str) and isinstance(configmap.name, str):
            seen[(namespace, configmap.name)].append(configmap)
    for (namespace, name), found in sorted(seen.items()):
        if len(found) > 1:
            for configmap in found:
                yield StackViolation(
                    configmap, ("metadata", "name"), f'"{name}" is used {len(found)} times in {namespace}'
                )


RULE = Rule(
    name="test-stack-rule",
    doc="""A test stack rule: ConfigMap names must be unique in a namespace.

    Only the test suite loads it.

    Why it matters:
        It proves stack rules see the whole set, per cluster and namespace.

    How to fix:
        Nothing to fix; it is a test double.
    """,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds={"ConfigMap"},
    check=check,
    stack=True,
    options={
        "defaultNamespace": {"type": "string", "default": "default", "description": "Namespace of objects without one."}
    },
)
