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


def _scale_fixtures():
    """The Spark and PostgreSQL fixtures of tests/scale/conftest.py, reused here."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scale" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_scale_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_scale = _scale_fixtures()
spark_url = _scale.spark_url
postgres_url = _scale.postgres_url
