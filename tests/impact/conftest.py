"""Fixtures for the impact tests: a synthetic company with a planted win-rate effect."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from salesorg.impact.synthetic_store import synthetic_store
from salesorg.store import Store

PLANTED = 0.10


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """16 teams of 8 AMs over two years; three teams join a programme that adds 10 pp win rate.

    Yields the (closed) database path and the generator's facts.
    """
    path = tmp_path_factory.mktemp("impact") / "company.duckdb"
    with Store.open(path) as s:
        facts = synthetic_store(
            s, rng=np.random.default_rng(7), n_teams=16, treated_teams=3, effect=PLANTED
        )
    yield str(path), facts
