"""docs/data-format.md documents every native table and column, and its examples import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from salesorg.ingest import import_files
from salesorg.model import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-format.md"


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### `(\w+)`$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("table", [t for t in TABLES if TABLES[t].imported])
def test_every_native_table_and_column_is_documented(table):
    section = _sections()[table]
    for column in TABLES[table].names:
        assert f"| `{column}` |" in section, f"{table}.{column} missing from {DOC.name}"


def test_the_csv_examples_import_cleanly_in_dependency_order(store, tmp_path):
    for table, section in _sections().items():
        m = re.search(r"```csv\n(.*?)```", section, flags=re.S)
        if table in TABLES and m:
            (tmp_path / f"{table}.csv").write_text(m.group(1))
    result = import_files(store, "native", [tmp_path])
    assert result.status == "ok"
    assert set(result.rows) == {t for t in TABLES if TABLES[t].imported}
    assert store.count("opportunity_history") == 3
