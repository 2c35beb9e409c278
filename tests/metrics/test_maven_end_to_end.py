"""End to end on the public CRM dataset: import it, then the win rate per agent matches the CSV.

The expected figures are computed independently from ``sales_pipeline.csv`` with the ``csv``
module: per ``sales_agent``, won = rows with ``deal_stage == 'Won'`` (and the sum of their
``close_value``), lost = rows with ``deal_stage == 'Lost'``. Every deal closes in 2017, inside
the default trailing-12-month window as of the last day with data (2017-12-31).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from salesorg.cli import main

MAVEN_DIR = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "crm_sales_opportunities"
)


def _expected() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(lambda: {"won": 0, "lost": 0, "won_amount": 0.0})
    with (MAVEN_DIR / "sales_pipeline.csv").open(newline="", encoding="ascii") as f:
        for row in csv.DictReader(f):
            agent = out[row["sales_agent"]]
            if row["deal_stage"] == "Won":
                agent["won"] += 1
                agent["won_amount"] += float(row["close_value"])
            elif row["deal_stage"] == "Lost":
                agent["lost"] += 1
    return dict(out)


@pytest.mark.skipif(not MAVEN_DIR.exists(), reason="the public CRM dataset is not checked out")
def test_win_rate_per_agent_matches_the_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "maven.duckdb")
    assert main(["import", "maven-crm", str(MAVEN_DIR), "--db", db]) == 0
    capsys.readouterr()
    assert main(["metrics", "win-rate", "--by", "owner", "--format", "json", "--db", db]) == 0
    rows = {r["owner_id"]: r for r in json.loads(capsys.readouterr().out)}
    expected = {a: e for a, e in _expected().items() if e["won"] + e["lost"] > 0}
    assert set(rows) == set(expected)
    assert len(rows) == 30
    for agent, e in expected.items():
        got = rows[agent]
        assert (got["won"], got["lost"]) == (e["won"], e["lost"]), agent
        assert got["won_amount"] == pytest.approx(e["won_amount"], abs=0.005), agent
        assert got["win_rate"] == pytest.approx(e["won"] / (e["won"] + e["lost"])), agent
    total_won = sum(e["won"] for e in expected.values())
    assert total_won == 4238  # the dataset README's count, a third check
