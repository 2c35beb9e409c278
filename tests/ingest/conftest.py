"""Fixtures for the importer tests: the tiny company in a database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesorg.store import Store


@pytest.fixture
def tiny_db(tiny: Store) -> Path:
    """The file of the tiny company of ``tests/conftest.py``, closed so the CLI can open it."""
    tiny.close()
    return Path(tiny.path)
