"""Remediation with the real CLI: `pulumi preview` with rules at `remediate`.

The program of test_preview.py (tests/e2e/program) has two Deployments with no
security context; the worker's image is computed from another resource's id, so it
is unknown during a first preview. With the fixable rules at `remediate`, the
planned inputs the engine shows carry the fixes, no violation of those rules is
left, the unknown image is still unknown (Pulumi's unknown-string sentinel), and a
rule without a fix, or with an unsafe fix and no `unsafeFixes`, at `remediate` is
reported as mandatory (the SDK's behaviour, docs/fixes.md).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.e2e.conftest import Pulumi, Run
from tests.e2e.test_preview import API, WORKER, cli, pairs, preview, stack  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

FIXED = ("pss-allow-privilege-escalation", "pss-seccomp-restricted", "require-read-only-root-filesystem")
CONFIG = {
    "pss-allow-privilege-escalation": "remediate",
    "pss-seccomp-restricted": "remediate",
    "require-read-only-root-filesystem": {"enforcementLevel": "remediate", "unsafeFixes": True},
    "require-resource-limits": "remediate",  # no fix: stays a mandatory violation
    "require-drop-all-capabilities": "remediate",  # unsafe, without unsafeFixes: not applied
}


def planned_inputs(run: Run) -> dict[str, dict[str, Any]]:
    """The inputs of each resource's planned step, from `preview --json`'s engine events."""
    out: dict[str, dict[str, Any]] = {}
    for line in run.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        for kind in ("resourcePreEvent", "resOutputsEvent"):
            metadata = event.get(kind, {}).get("metadata", {})
            new = metadata.get("new") or {}
            if metadata.get("urn") and isinstance(new.get("inputs"), dict):
                out[metadata["urn"]] = new["inputs"]
    return out


def test_remediate_puts_the_fix_in_the_planned_inputs(cli: Pulumi, stack) -> None:  # noqa: F811
    run = preview(cli, stack, CONFIG)
    inputs = planned_inputs(run)
    assert API in inputs and WORKER in inputs, run.explain()
    for urn in (API, WORKER):
        pod = inputs[urn]["spec"]["template"]["spec"]
        context = pod["containers"][0].get("securityContext", {})
        assert context.get("allowPrivilegeEscalation") is False, run.explain()
        assert context.get("readOnlyRootFilesystem") is True, run.explain()
        assert pod.get("securityContext", {}).get("seccompProfile") == {"type": "RuntimeDefault"}, run.explain()
    # The worker's image is unknown during this preview, and stays unknown.
    image = inputs[WORKER]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == UNKNOWN_STRING_VALUE, run.explain()
    violated = {rule for rule, urn, _ in run.violations() if urn in (API, WORKER)}
    assert not violated & set(FIXED), run.explain()
    assert ("require-resource-limits", WORKER) in pairs(run, "mandatory"), run.explain()
    assert ("require-drop-all-capabilities", API) in pairs(run, "mandatory"), run.explain()
    assert "capabilities" not in inputs[API]["spec"]["template"]["spec"]["containers"][0]["securityContext"]


def test_without_remediate_the_inputs_are_as_written(cli: Pulumi, stack) -> None:  # noqa: F811
    run = preview(cli, stack)
    inputs = planned_inputs(run)
    assert API in inputs, run.explain()
    container = inputs[API]["spec"]["template"]["spec"]["containers"][0]
    assert "securityContext" not in container, run.explain()
    assert ("pss-allow-privilege-escalation", API) in pairs(run, "mandatory"), run.explain()
