"""Fixtures of the review tests (helpers live in ``review_helpers``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from review_helpers import load_mini

from salesorg.store import Store


@pytest.fixture
def mini(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "mini.duckdb") as s:
        load_mini(s)
        yield s
