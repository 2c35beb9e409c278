"""Fixtures for org design: a synthetic company of 14 teams of 8 AMs (112 AMs, span 1:8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from salesorg.orgdesign.synth import load_frames, synthetic_company
from salesorg.store import Store

AS_OF = "2026-06-30"


@pytest.fixture(scope="session")
def company_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with 14 teams x 8 AMs, built once per session (open it read-only)."""
    path = tmp_path_factory.mktemp("org") / "company.duckdb"
    frames = synthetic_company(spans=[8] * 14, rng=np.random.default_rng(7), quarters=8)
    with Store.open(path) as s:
        load_frames(s, frames)
    return path


@pytest.fixture
def company(company_db: Path):
    with Store.open(company_db, read_only=True) as s:
        yield s
