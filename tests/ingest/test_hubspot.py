"""The hubspot preset on a small hand-made deals export (tests/data/hubspot/deals.csv)."""

from __future__ import annotations

from decimal import Decimal

from ingest_helpers import DATA

from salesorg.ingest import import_files
from salesorg.metrics.pit import opportunity_state

DEALS = DATA / "hubspot" / "deals.csv"


def _state(store, as_of):
    return {r.opportunity_id: r for r in opportunity_state(store, as_of).execute().itertuples()}


def test_stage_history_columns_rebuild_each_deals_path(store):
    import_files(store, "hubspot", [DEALS])
    s = _state(store, "2026-02-16")
    assert (s["9001"].stage, s["9002"].stage, s["9003"].stage) == (
        "Contract Sent",
        "Qualified To Buy",
        "Appointment Scheduled",
    )
    assert "9004" not in s  # created on 2026-03-01
    end = _state(store, "2026-03-31")
    assert end["9001"].is_won and end["9001"].amount == Decimal("5000")
    assert end["9003"].is_closed and not end["9003"].is_won
    assert end["9002"].amount == Decimal("12000.50") and end["9002"].pipeline == "Sales Pipeline"


def test_stage_order_follows_the_export_and_probabilities_are_hubspot_defaults(store):
    import_files(store, "hubspot", [DEALS])
    df = store.query("SELECT stage, ordinal, default_probability FROM stages ORDER BY ordinal")
    assert list(df.stage[:3]) == ["Appointment Scheduled", "Qualified To Buy", "Contract Sent"]
    assert list(df.default_probability[:3]) == [0.2, 0.4, 0.9]


def test_owners_already_in_the_store_keep_their_role(tiny, tmp_path):
    f = tmp_path / "deals.csv"
    f.write_text(DEALS.read_text().replace("Jane Doe", "M1"))
    r = import_files(tiny, "hubspot", [f])
    assert r.report["new_owners_as_AM"] == 1  # only John Roe
    assert tiny.query("SELECT role FROM people WHERE person_id = 'M1'").role[0] == "SM"
    assert tiny.query("SELECT count(*) AS n FROM opportunities WHERE owner_id = 'M1'").n[0] == 2
