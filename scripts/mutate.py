"""Mutation testing of rules (and machinery): do the tests notice a small wrong change?

    .venv/bin/python scripts/mutate.py                      # the rules changed since origin/main (or main)
    .venv/bin/python scripts/mutate.py rules/identity/rbac_no_secret_read.py ...
    .venv/bin/python scripts/mutate.py --since HEAD~3       # the rules changed in the last 3 commits
    .venv/bin/python scripts/mutate.py policypack/engine.py --tests tests/test_suppressions.py

Each mutant is one small semantic change to one line of the module (a comparison or
a boolean operator flipped, an operand of `and`/`or` dropped, a constant changed, an
element dropped from a literal tuple/list/set, a boolean keyword argument flipped, a
`not` removed, a `break` or `continue` swapped). The tests of that module run against
it in a fresh process: a rule module's own fixtures (tests/test_rule_fixtures.py for
its folder under tests/rules/, in both modes) plus the unknowns sweeps
(tests/test_unknowns.py, tests/test_stack_unknowns.py) and tests/test_odd_shapes.py
for it; for any other module, the tests given with `--tests`. A mutant the tests
pass with "survived": either a fixture is missing (add one that would fail on the
mutant) or the change is equivalent (say so in a comment if it keeps coming up).

The file is restored after every mutant, also on Ctrl-C. Not a maintained tool
(mutmut) because mutmut 3 runs the whole suite per mutant through its own
trampolines; this runs only the tests that judge the module, which is what makes a
per-change run take minutes instead of hours on a small machine.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

_FLIP_COMPARE: dict[type, type] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Mutant:
    line: int
    description: str
    source: str


def mutants(source: str) -> Iterator[Mutant]:
    """Every single-change mutant of a module's code (docstrings and the RULE
    declaration's metadata are left alone: the contract tests judge those)."""
    tree = ast.parse(source)
    targets: list[tuple[ast.AST, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _FLIP_COMPARE:
                    targets.append((node, f"compare:{i}"))
        elif isinstance(node, ast.BoolOp):
            targets.append((node, "boolop:flip"))
            for i in range(len(node.values)):
                targets.append((node, f"boolop:drop:{i}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            targets.append((node, "not:drop"))
        elif isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant) and type(node.value.value) is bool:
            targets.append((node, "keyword:flip"))
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) > 1:
            if all(isinstance(e, ast.Constant) for e in node.elts):
                for i in range(len(node.elts)):
                    targets.append((node, f"literal:drop:{i}"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            targets.append((node, "int:+1"))
        elif isinstance(node, (ast.Break, ast.Continue)):
            targets.append((node, "loop:swap"))
    for node, how in targets:
        if _in_rule_declaration(node, tree):
            continue
        mutated = _apply(tree, node, how)
        if mutated is not None:
            yield Mutant(getattr(node, "lineno", 0), f"{how} {ast.unparse(node)[:70]!r}", mutated)


def _in_rule_declaration(node: ast.AST, tree: ast.Module) -> bool:
    for statement in tree.body:
        names = [t.id for t in getattr(statement, "targets", ()) if isinstance(t, ast.Name)]
        if isinstance(statement, ast.Assign) and "RULE" in names:
            return statement.lineno <= getattr(node, "lineno", 0) <= (statement.end_lineno or 0)
    return False


def _apply(tree: ast.Module, target: ast.AST, how: str) -> str | None:
    """The module's source with `how` applied to (a copy of) `target`."""
    copied = copy.deepcopy(tree)
    originals = list(ast.walk(tree))
    node = list(ast.walk(copied))[originals.index(target)]
    kind, _, arg = how.partition(":")
    if kind == "compare":
        i = int(arg)
        node.ops[i] = _FLIP_COMPARE[type(node.ops[i])]()
    elif how == "boolop:flip":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "boolop":
        i = int(arg.split(":")[1])
        del node.values[i]
        if len(node.values) == 1:
            return _replace(copied, node, node.values[0])
    elif how == "not:drop":
        return _replace(copied, node, node.operand)
    elif how == "keyword:flip":
        node.value = ast.Constant(not node.value.value)
    elif kind == "literal":
        del node.elts[int(arg.split(":")[1])]
    elif how == "int:+1":
        node.value += 1
    elif how == "loop:swap":
        return _replace(copied, node, ast.Continue() if isinstance(node, ast.Break) else ast.Break())
    return ast.unparse(copied)


def _replace(tree: ast.Module, old: ast.AST, new: ast.AST) -> str:
    class Swap(ast.NodeTransformer):
        def visit(self, node: ast.AST) -> ast.AST:
            return new if node is old else self.generic_visit(node)

    return ast.unparse(ast.fix_missing_locations(Swap().visit(tree)))


def tests_for(module: Path) -> list[str]:
    """The pytest arguments that judge a module."""
    relative = module.resolve().relative_to(ROOT)
    if relative.parts[0] != "rules" or module.name.startswith("_"):
        return []
    name = rule_name(module)
    return [
        "tests/test_rule_fixtures.py",
        "tests/test_unknowns.py",
        "tests/test_stack_unknowns.py",
        "tests/test_odd_shapes.py",
        "-k",
        f"{name}/",
    ]


def rule_name(module: Path) -> str:
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.keyword) and node.arg == "name" and isinstance(node.value, ast.Constant):
            return str(node.value.value)
    raise SystemExit(f"{module}: no RULE name found")


def changed_modules(since: str) -> list[Path]:
    out = subprocess.run(
        ["git", "diff", "--name-only", since, "--", "rules/"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / p for p in out if p.endswith(".py") and not Path(p).name.startswith("_") and (ROOT / p).exists()]


def run_tests(args: list[str]) -> bool:
    """True when the tests pass."""
    command = [PYTHON, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:randomly", *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=ROOT, capture_output=True, env=env).returncode == 0


def mutate_module(module: Path, tests: list[str]) -> tuple[int, list[Mutant]]:
    """(mutants tried, survivors)."""
    original = module.read_text()
    if not run_tests(tests):
        raise SystemExit(f"{module}: its tests fail before any mutation ({' '.join(tests)})")
    survivors: list[Mutant] = []
    tried = 0
    try:
        for mutant in mutants(original):
            tried += 1
            module.write_text(mutant.source)
            if run_tests(tests):
                survivors.append(mutant)
                print(f"  survived  {module.relative_to(ROOT)}:{mutant.line}: {mutant.description}", flush=True)
    finally:
        module.write_text(original)
    return tried, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "modules", nargs="*", type=Path, help="modules to mutate (default: the rules changed since --since)"
    )
    parser.add_argument("--since", default=None, help="git revision to diff against (default: origin/main, else main)")
    parser.add_argument("--tests", nargs="+", default=None, help="pytest arguments for modules outside rules/")
    args = parser.parse_args(argv)
    modules = [m.resolve() for m in args.modules]
    if not modules:
        since = args.since
        if since is None:
            known = subprocess.run(["git", "rev-parse", "--verify", "-q", "origin/main"], cwd=ROOT, capture_output=True)
            since = "origin/main" if known.returncode == 0 else "main"
        modules = changed_modules(since)
        if not modules:
            print(f"no rule module changed since {since}; name modules to mutate")
            return 0
    total = killed = 0
    started = time.monotonic()
    for module in modules:
        tests = args.tests or tests_for(module)
        if not tests:
            print(f"{module}: give --tests for a module outside rules/", file=sys.stderr)
            return 2
        tried, survivors = mutate_module(module, tests)
        total += tried
        killed += tried - len(survivors)
        print(f"{module.relative_to(ROOT)}: {tried - len(survivors)}/{tried} mutants killed", flush=True)
    rate = 100 * killed / total if total else 100.0
    print(f"killed {killed} of {total} mutants ({rate:.0f}%) in {time.monotonic() - started:.0f} s")
    return 0 if killed == total else 1


if __name__ == "__main__":
    sys.exit(main())
