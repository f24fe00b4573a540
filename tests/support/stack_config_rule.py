"""A rule that reports the stack configuration its process was started with.

Loaded only by the e2e test of the stack configuration (tests/e2e/test_preview.py),
through POLICYPACK_RULE_MODULES=tests.support.stack_config_rule. Pulumi's Python
language host starts a policy pack behind a policy proxy that asks the engine for the
stack's configuration and passes it in the environment (PULUMI_STACK, PULUMI_PROJECT,
PULUMI_CONFIG as JSON, PULUMI_DRY_RUN); the pack's own rules do not read it. This rule
reports what arrived on every Namespace, so the test can see it.
"""

import json
import os

from policypack.rule import Enforcement, Rule, Severity, Violation


def check(obj, options):
    config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    seen = {
        "stack": os.environ.get("PULUMI_STACK"),
        "project": os.environ.get("PULUMI_PROJECT"),
        "dryRun": os.environ.get("PULUMI_DRY_RUN"),
        "config": {key: value for key, value in sorted(config.items()) if key.startswith("shop:")},
    }
    yield Violation(("metadata",), "stack configuration: " + json.dumps(seen, sort_keys=True))


RULE = Rule(
    name="test-stack-config",
    doc="""A test rule that reports the stack configuration in its environment.

    Only the e2e tests load it.

    Why it matters:
        It shows what Pulumi's language host passes to a policy pack.

    How to fix:
        Nothing to fix; it is a test double.
    """,
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds={"Namespace"},
    check=check,
)
