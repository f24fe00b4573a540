"""Rule documentation, generated from the rules themselves.

`docs/rules/<name>.md` for each rule, `docs/rules/README.md` as the index, and the
rule table in the top-level README (between its `rules:start` and `rules:end`
markers) are written by `policypack docs --write` and checked by the test suite, so they cannot
drift from the code. Examples are the rule's own test fixtures (tests/rules/<name>/):
the bad ones show where findings land, the good ones what passes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from policypack import ROOT as PACKAGE_ROOT
from policypack import rule_index
from policypack.profiles import PROFILES_DIR, profile_files
from policypack.registry import Registry, package_directory, rules_package
from policypack.rule import AREAS, PROFILES, Rule

ROOT = Path(PACKAGE_ROOT)
DOCS_DIR = ROOT / "docs" / "rules"
FIXTURES_DIR = ROOT / "tests" / "rules"
_EXPECT = re.compile(r"\s*#\s*expect:.*$")


def _targets(rule: Rule) -> str:
    return ", ".join(f"`{t}`" for t in sorted(rule.kinds) + sorted(rule.types))


def _options_table(rule: Rule) -> list[str]:
    if not rule.options:
        return ["This rule has no options."]
    rows = ["| option | type | default | description |", "|---|---|---|---|"]
    for key, schema in rule.options.items():
        kind = schema.get("type", "enum")
        if kind == "array" and "items" in schema:
            kind = f"array of {schema['items'].get('type', 'values')}"
        description = " ".join(str(schema.get("description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{key}` | {kind} | `{json.dumps(schema.get('default'))}` | {description} |")
    return rows


def _fix_cell(rule: Rule) -> str:
    if rule.fix is None:
        return "none"
    if not rule.remediates:  # Pulumi remediates one resource before the stack is known
        how = "`policypack fix`" if rule.fix.safe else "`policypack fix --unsafe-fixes` or option `unsafeFixes`"
        return f"{rule.fix.applicability.value}, offline only ({how})"
    if rule.fix.safe:
        return "safe (`policypack fix`; Pulumi `remediate`)"
    return "unsafe (`policypack fix --unsafe-fixes` or option `unsafeFixes`)"


def _fix_section(rule: Rule) -> list[str]:
    """What the rule's fix does (its function's docstring) and when it applies."""
    if rule.fix is None:
        return []
    doc = " ".join((rule.fix.function.__doc__ or "").split())
    if not rule.remediates:
        asked = "" if rule.fix.safe else " with `--unsafe-fixes` (or the rule's option `unsafeFixes: true`)"
        when = (
            f"{rule.fix.applicability.value.capitalize()}, offline only: `policypack fix` applies it{asked}, "
            "where the objects fixed together are the set the rule judges. Pulumi's `remediate` sees one "
            "resource before the stack is known, so this rule's policy does not remediate."
        )
    elif rule.fix.safe:
        when = (
            "Safe: `policypack fix` applies it, and in Pulumi the policy remediates with it "
            "when its enforcement level is `remediate`."
        )
    else:
        when = (
            "Unsafe (it can change how the application runs): `policypack fix --unsafe-fixes` applies it, "
            "or, in both modes, the rule's option `unsafeFixes: true` (Pulumi: with enforcement `remediate`)."
        )
    if rule.stack and rule.remediates:
        when += (
            " Pulumi remediates each resource before the stack is known, by what the object alone shows: "
            "an object the rest of the set excuses is left alone by `policypack fix` but still changed by "
            "`remediate`."
        )
    return ["## Fix", "", doc, "", when + " See [fixes](../fixes.md).", ""]


def _example(path: Path) -> list[str]:
    lines = [_EXPECT.sub("  # <- finding", line) for line in path.read_text(encoding="utf-8").splitlines()]
    return ["```yaml", *lines, "```"]


def render_rule(rule: Rule, fixtures_dir: Path = FIXTURES_DIR) -> str:
    out = [
        f"# {rule.name}",
        "",
        f"**{rule.title}**",
        "",
        "| | |",
        "|---|---|",
        f"| Severity | {rule.severity.value} |",
        f"| Default enforcement | {rule.enforcement.value} |",
        f"| Area | {rule.area} |",
        f"| Applies to | {_targets(rule)} |",
        f"| Tags | {', '.join(rule.tags) if rule.tags else '-'} |",
        f"| Profiles | {', '.join(p for p in PROFILES if rule.in_profile(p))} |",
        f"| Scope | {'the whole set of objects (stack rule)' if rule.stack else 'one object at a time'} |",
        f"| Fix | {_fix_cell(rule)} |",
        "",
        rule.description,
        "",
        "## Why it matters",
        "",
        rule.why,
        "",
        "## How to fix",
        "",
        rule.how_to_fix,
        "",
        *_fix_section(rule),
        "## Options",
        "",
        *_options_table(rule),
        "",
        "Set them in a config file (Pulumi's policy-pack-config format), read by "
        "`policypack lint --config FILE` and `pulumi preview --policy-pack-config FILE`:",
        "",
        "```json",
        json.dumps(
            {
                rule.name: {
                    "enforcementLevel": rule.enforcement.value,
                    **{k: v["default"] for k, v in rule.options.items()},
                }
            },
            indent=2,
        ),
        "```",
        "",
        "Every rule also takes `exemptions` and `allowSuppression`; see [suppressions](../suppressions.md).",
    ]
    if rule.notes:
        out += ["", "## Notes", "", rule.notes]
    if rule.folds_into:
        scopes = {"field": "the same field", "container": "the same container", "entry": "the same list entry"}
        out += ["", "## Same root cause", ""]
        out += [
            f"- When [{name}]({name}.md) reports {scopes.get(scope, scope)} of the object, this rule's finding "
            "is folded into that one and listed under it (see docs/architecture.md, one root cause, one finding)."
            for name, scope in sorted(rule.folds_into.items())
        ]
    if rule.one_per_object:
        if not rule.folds_into:
            out += ["", "## Same root cause", ""]
        out += [
            "- Its findings on one object are one finding: the first, with the others listed under it, each "
            "at its own line (see docs/architecture.md, one root cause, one finding)."
        ]
    examples = sorted((fixtures_dir / rule.name).glob("*.yaml"))
    bad = [p for p in examples if p.name.startswith("bad")]
    good = [p for p in examples if p.name.startswith(("good", "near-miss"))]
    if bad or good:
        out += ["", "## Examples"]
    for title, paths in (("Flagged", bad), ("Not flagged", good)):
        for path in paths:
            out += ["", f"### {title}: `{path.name}`", "", *_example(path)]
    return "\n".join(out).rstrip() + "\n"


def render_index(registry: Registry) -> str:
    out = [
        "# Rules",
        "",
        "Generated from the rules by `policypack docs --write`; do not edit by hand.",
        "",
    ]
    for area in AREAS:
        rules = [r for r in registry if r.area == area]
        if not rules:
            continue
        out += [f"## {area}", "", "| rule | severity | default | what it checks |", "|---|---|---|---|"]
        for rule in rules:
            out.append(
                f"| [{rule.name}]({rule.name}.md) | {rule.severity.value} | {rule.enforcement.value} | {rule.title} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


README = ROOT / "README.md"
_README_SECTION = re.compile(r"(<!-- rules:start[^>]*-->\n).*?(<!-- rules:end -->)", re.DOTALL)


def render_readme_table(registry: Registry) -> str:
    rows = ["| rule | area | severity | default | what it checks |", "|---|---|---|---|---|"]
    for rule in registry:
        link = f"[{rule.name}](docs/rules/{rule.name}.md)"
        rows.append(f"| {link} | {rule.area} | {rule.severity.value} | {rule.enforcement.value} | {rule.title} |")
    return "\n".join(rows) + "\n"


def readme_with_rules(registry: Registry, text: str) -> str:
    """The README with its generated rule table replaced."""
    return _README_SECTION.sub(lambda m: m[1] + render_readme_table(registry) + m[2], text)


def expected_files(registry: Registry) -> dict[Path, str]:
    files = {DOCS_DIR / f"{rule.name}.md": render_rule(rule) for rule in registry}
    files[DOCS_DIR / "README.md"] = render_index(registry)
    if README.exists():
        files[README] = readme_with_rules(registry, README.read_text(encoding="utf-8"))
    files.update(profile_files(registry))
    # The index of rules registered without importing their modules (rule_index.py).
    package = rules_package()
    directory = package_directory(package)
    files[Path(directory) / rule_index.INDEX_NAME] = rule_index.render_index(registry, package, directory)
    return files


def stale_files(registry: Registry) -> list[Path]:
    """Generated files that are missing or differ, and rule pages of rules that no longer exist."""
    expected = expected_files(registry)
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if DOCS_DIR.exists():
        stale += [p for p in sorted(DOCS_DIR.glob("*.md")) if p not in expected]
    return stale


def write_docs(registry: Registry) -> list[Path]:
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    PROFILES_DIR.mkdir(parents=True, exist_ok=True)
    changed = stale_files(registry)
    expected = expected_files(registry)
    for path in changed:
        if path in expected:
            path.write_text(expected[path], encoding="utf-8")
        else:
            path.unlink()
    return changed
