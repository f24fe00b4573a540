"""A synthetic registry for the Pulumi benchmarks: the shipped rules plus renamed
copies of them, up to a total number of rules, loaded the supported way
(`POLICYPACK_RULE_MODULES`). Used to see how `Analyze` and start-up grow with the
number of rules before those rules exist.
"""

from __future__ import annotations

import os
from pathlib import Path

from policypack.registry import EXTRA_MODULES_ENV, load_registry

PACKAGE = "bench_synthetic_rules"


def write_copies(directory: Path, total: int) -> dict[str, str]:
    """Write modules that copy the shipped rules under new names until there are
    `total` rules; return the environment that makes the pack load them."""
    shipped = [rule for rule in load_registry(extra_modules=[]) if not rule.stack]
    package = directory / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    modules = []
    for index in range(max(0, total - len(load_registry(extra_modules=[])))):
        rule = shipped[index % len(shipped)]
        name = f"copy_{index}"
        (package / f"{name}.py").write_text(
            "import dataclasses\n\n"
            f"from {rule.check.__module__} import RULE as BASE\n\n"
            f"RULE = dataclasses.replace(BASE, name={f'{rule.name}-copy-{index}'!r})\n"
        )
        modules.append(f"{PACKAGE}.{name}")
    python_path = os.pathsep.join(filter(None, [str(directory), os.environ.get("PYTHONPATH")]))
    return {EXTRA_MODULES_ENV: ",".join(modules), "PYTHONPATH": python_path}
