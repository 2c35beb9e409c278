"""Fixtures for the metric tests: the demo company built once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salesorg.demo import build_demo
from salesorg.store import Store


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo company (seed 2026) in a temporary file, shared by the session."""
    with Store.open(tmp_path_factory.mktemp("demo") / "demo.duckdb") as s:
        build_demo(s)
        yield s

