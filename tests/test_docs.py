"""Docs are part of the product: the CLI reference is current and every page is linked."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current():
    expected = _generator().render()
    assert (ROOT / "docs" / "cli.md").read_text() == expected, (
        "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"
    )


def test_every_command_help_ends_with_an_example():
    text = _generator().render()
    for block in text.split("\n## ")[1:]:
        name = block.splitlines()[0]
        assert "Example:" in block, f"{name} has no Example: line in its help"


def test_readme_links_every_doc_page():
    readme = (ROOT / "README.md").read_text()
    linked = set(re.findall(r"\(docs/([\w-]+\.md)\)", readme))
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"README does not link: {sorted(pages - linked)}"
