"""The generated rule docs are current, and say what a user needs."""

from __future__ import annotations

from policypack.docs import DOCS_DIR, render_rule, stale_files
from policypack.registry import load_registry

REGISTRY = load_registry()


def test_generated_docs_are_current() -> None:
    stale = stale_files(REGISTRY)
    assert not stale, "stale generated docs: run `policypack docs --write` and commit:\n" + "\n".join(map(str, stale))


def test_every_rule_page_has_its_sections_and_examples() -> None:
    for rule in REGISTRY:
        page = (DOCS_DIR / f"{rule.name}.md").read_text()
        for heading in ("## Why it matters", "## How to fix", "## Options", "## Examples", "### Flagged"):
            assert heading in page, f"{rule.name}: no {heading!r}"
        assert "# expect:" not in page and "# <- finding" in page


def test_options_table_lists_each_option_with_its_default() -> None:
    page = render_rule(REGISTRY.get("require-pinned-images"))
    assert "| `requireDigest` | boolean | `false` |" in page
    assert "| `allowedRegistries` | array of string | `[]` |" in page
