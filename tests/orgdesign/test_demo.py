"""The demo company end to end: baseline (1:8) vs span:14 vs cells, as ``make demo`` runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesorg.demo import build_demo
from salesorg.orgdesign import build_org, compare_scenarios, demo_comparison, latest_date
from salesorg.store import Store


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store.open(path) as s:
        build_demo(s)
    return path


@pytest.mark.slow
def test_demo_comparison_writes_scenarios_html_and_a_text_summary(demo_db, tmp_path):
    with Store.open(demo_db, read_only=True) as s:
        org = build_org(s, latest_date(s))
        text, path = demo_comparison(s, tmp_path, trials=500)
        comp = compare_scenarios(s, ["span:14", "cells"], trials=500, calibrate=False)
    sellers = int(org.people["family"].isin(["am", "senior_am"]).sum())
    assert sellers == 112 and org.front_line_managers == 14
    assert path == tmp_path / "scenarios.html" and "Tornado: cells" in path.read_text()
    for name in ("baseline", "span:14", "cells"):
        assert name in text
    base, wide, cells = comp.results
    assert wide.org.front_line_managers == 8 and cells.org.layers == 2
    # the 6 managers who leave save their cost; the seed text's "every second SM is saved"
    assert base.org.cost() - wide.org.cost() > 6 * 150_000
    assert (
        wide.quantiles("reporting_hours_per_manager_week")["p50"]
        > base.quantiles("reporting_hours_per_manager_week")["p50"]
    )
