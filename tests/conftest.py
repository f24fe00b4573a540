import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Tests import `policypack`, `rules` and `tests.support` from this checkout.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- test tiers ----------------------------------------------------------------------
#
# `pytest` with no paths runs the fast tier: everything but the sweeps that re-run
# every rule fixture under every variation (marked `exhaustive` here, in one place,
# so test files need no change), the real pre-commit run (`slow`) and the real Pulumi
# CLI (`e2e`). `pytest --full` runs everything, as CI does (`.ci/run`, the README's
# command). Naming paths or `-m` runs what was named, whatever its tier.

import pytest  # noqa: E402 - after the sys.path set-up above

#: (test file, test function or None for the whole file) of the exhaustive sweeps.
EXHAUSTIVE = {
    ("test_unknowns.py", None),  # every fixture with each field made unknown
    ("test_stack_unknowns.py", None),
    ("test_odd_shapes.py", None),  # every fixture with fields of every wrong shape
    ("test_properties.py", None),  # hypothesis-generated objects and options
    ("test_pulumi_shared_props.py", None),  # every fixture through the SDK servicer again
    ("test_pss_conformance.py", "test_pulumi"),  # upstream PSS cases in Pulumi mode (offline stays fast)
    ("test_pss_conformance.py", "test_controllers_pulumi"),
}
FAST_SKIPS = ("exhaustive", "slow", "e2e")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        help="run every tier: the exhaustive sweeps, slow and e2e tests too (what CI runs)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        name = item.path.name
        function = getattr(item, "originalname", None) or item.name.split("[")[0]
        if (name, None) in EXHAUSTIVE or (name, function) in EXHAUSTIVE:
            item.add_marker(pytest.mark.exhaustive)
    if not fast_tier(config):
        return
    keep, dropped = [], []
    for item in items:
        (dropped if any(item.get_closest_marker(m) for m in FAST_SKIPS) else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def fast_tier(config: pytest.Config) -> bool:
    """`pytest` alone (default paths, no -m, no --full) runs the fast tier."""
    if config.getoption("--full") or config.getoption("-m"):
        return False
    return config.args_source == pytest.Config.ArgsSource.TESTPATHS


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if fast_tier(config) and not hasattr(config, "workerinput"):  # once, in the controller
        terminalreporter.write_line(
            "fast tier: the exhaustive sweeps, slow and e2e tests were not run; `pytest --full` runs them (CI does)"
        )
