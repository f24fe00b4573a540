"""A rule that raises on purpose, to prove the engine and the pack isolate failures.

Loaded only by tests, through POLICYPACK_RULE_MODULES=tests.support.raising_rule.
It targets ConfigMaps and raises when one has the label `explode: "yes"`.
"""

from policypack.rule import Enforcement, Rule, Severity, Violation


def check(obj, options):
    if obj.labels.get("flag") == "yes":
        yield Violation(("metadata", "labels", "flag"), "flagged on purpose")
    if obj.labels.get("explode") == "yes":
        raise RuntimeError("boom")


RULE = Rule(
    name="test-raising-rule",
    doc="""A test rule that raises on ConfigMaps labelled explode=yes.

    Only the test suite loads it.

    Why it matters:
        It proves that one failing rule never hides other rules' verdicts.

    How to fix:
        Nothing to fix; it is a test double.
    """,
    severity=Severity.LOW,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds={"ConfigMap", "Service"},
    check=check,
)
