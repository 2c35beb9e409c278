"""Fixtures of the forecast tests: synthetic companies from a known stage-transition process."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from forecast_synth import generate, load

from salesorg.forecast.history import History, load_history
from salesorg.store import Store


@pytest.fixture(scope="session")
def synth_tables() -> dict[str, pd.DataFrame]:
    """Three years of a small company (15 new deals a week)."""
    return generate(start=dt.date(2023, 1, 2), weeks=156, deals_per_week=15, seed=1)


@pytest.fixture(scope="session")
def synth_path(tmp_path_factory: pytest.TempPathFactory, synth_tables) -> Path:
    path = tmp_path_factory.mktemp("synth") / "synth.duckdb"
    with Store.open(path) as s:
        load(s, synth_tables)
    return path


@pytest.fixture(scope="session")
def synth_history(synth_path: Path) -> History:
    with Store.open(synth_path, read_only=True) as s:
        return load_history(s)


@pytest.fixture
def synth(synth_path: Path, tmp_path: Path) -> Store:
    """A writable copy of the synthetic store (for tests that write overrides)."""
    import shutil

    path = tmp_path / "synth.duckdb"
    shutil.copy(synth_path, path)
    s = Store.open(path)
    yield s
    s.close()
