"""End to end: the public Maven CRM dataset, checked per agent against the CSV read with ``csv``."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal

import pytest
from ingest_helpers import MAVEN_DIR, run_cli

from salesorg.ingest import import_files
from salesorg.metrics.pit import opportunity_state
from salesorg.store import Store

pytestmark = pytest.mark.skipif(not MAVEN_DIR.exists(), reason="public dataset not present")


def _expected_from_csv() -> dict[str, tuple[Decimal, int, int]]:
    """Per agent: (won amount, won count, lost count), straight from sales_pipeline.csv."""
    out: dict[str, list] = defaultdict(lambda: [Decimal(0), 0, 0])
    with open(MAVEN_DIR / "sales_pipeline.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            agg = out[row["sales_agent"]]
            if row["deal_stage"] == "Won":
                agg[0] += Decimal(row["close_value"])
                agg[1] += 1
            elif row["deal_stage"] == "Lost":
                agg[2] += 1
    return {k: tuple(v) for k, v in out.items()}


@pytest.fixture(scope="module")
def maven(tmp_path_factory):
    db = tmp_path_factory.mktemp("maven") / "maven.duckdb"
    with Store.open(db) as store:
        result = import_files(store, "maven-crm", [MAVEN_DIR])
    return db, result


def test_won_amount_and_win_rate_per_agent_match_the_csv(maven):
    db, _ = maven
    expected = _expected_from_csv()
    with Store.open(db, read_only=True) as store:
        st = opportunity_state(store, "2017-12-31")
        closed = st.filter(st.is_closed)
        agg = (
            closed.group_by("owner_id")
            .aggregate(
                won_amount=closed.amount_rc.sum(where=closed.is_won),
                won=closed.is_won.sum(),
                lost=(~closed.is_won).sum(),
            )
            .execute()
        )
    got = {r.owner_id: r for r in agg.itertuples()}
    assert set(got) == {a for a, v in expected.items() if v[1] + v[2] > 0}
    for agent, (won_amount, won, lost) in expected.items():
        r = got[agent]
        assert Decimal(r.won_amount) == won_amount, agent
        assert (int(r.won), int(r.lost)) == (won, lost), agent
        assert r.won / (r.won + r.lost) == pytest.approx(won / (won + lost))


def test_import_reports_the_quirks_it_handled(maven):
    _, result = maven
    rep = result.report
    assert rep["deals"] == 8800
    assert rep["product_GTXPro_renamed"] == 1480
    assert rep["agents_without_deals"] == 5
    assert rep["open_deals_without_account"] == 1425
    assert rep["prospecting_dated_at_last_date"] == 500
    assert result.rows["opportunity_history"] == 8800 + 6711


def test_quirks_are_fixed_in_the_store(maven):
    db, _ = maven
    with Store.open(db, read_only=True) as store:
        assert store.reporting_currency == "USD"
        products = set(store.query("SELECT DISTINCT product FROM opportunities")["product"])
        assert "GTX Pro" in products and "GTXPro" not in products
        industries = set(store.query("SELECT DISTINCT industry FROM accounts")["industry"])
        assert "technology" in industries and "technolgy" not in industries
        people = store.query("SELECT role, count(*) AS n FROM people GROUP BY role")
        assert dict(zip(people.role, people.n, strict=True)) == {"AM": 35, "SM": 6}


def test_reimporting_the_dataset_changes_nothing(maven, tmp_path):
    db = tmp_path / "m.duckdb"
    code, _, err = run_cli("import", "maven-crm", str(MAVEN_DIR), "--db", str(db))
    assert code == 0, err
    with Store.open(db, read_only=True) as s:
        before = {t: s.count(t) for t in ("opportunities", "opportunity_history", "people")}
    code, out, _ = run_cli(
        "import", "maven-crm", str(MAVEN_DIR), "--db", str(db), "--format", "json"
    )
    assert code == 0 and '"status": "unchanged"' in out
    with Store.open(db, read_only=True) as s:
        assert {t: s.count(t) for t in before} == before
