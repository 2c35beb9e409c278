"""Open pipeline on the tiny company: O3 (A2, 200, Qualify, close 2026-05-15) and O5
(A1 since 03-25, 30, Qualify 10 %, close 2026-06-30) are open as of 2026-03-31."""

from __future__ import annotations

import pytest

from salesorg.metrics.run import compute


def test_open_pipeline_company_total(tiny) -> None:
    r = compute(tiny, "pipeline", as_of="2026-03-31").iloc[0]
    assert r.open_count == 2 and float(r.open_amount) == 230
    assert r.weighted_amount == pytest.approx(23.0)


def test_pipeline_by_owner_follows_the_reassignment(tiny) -> None:
    df = compute(tiny, "pipeline", as_of="2026-03-31", by="owner").set_index("owner_id")
    assert float(df.loc["A1", "open_amount"]) == 30 and float(df.loc["A2", "open_amount"]) == 200
    before = compute(tiny, "pipeline", as_of="2026-03-24", by="owner").set_index("owner_id")
    assert float(before.loc["A3", "open_amount"]) == 30


def test_pipeline_by_unit(tiny) -> None:
    df = compute(tiny, "pipeline", as_of="2026-03-31", by="unit")
    assert list(df["unit_id"]) == ["T1"] and int(df["open_count"][0]) == 2


def test_pipeline_by_month_of_expected_close(tiny) -> None:
    df = compute(tiny, "pipeline", as_of="2026-03-31", by="month").set_index("month")
    assert df["open_count"].to_dict() == {"2026-05": 1, "2026-06": 1}


def test_pipeline_uses_the_close_date_known_as_of(tiny) -> None:
    df = compute(tiny, "pipeline", as_of="2026-03-10", by="quarter").set_index("quarter")
    # as of 03-10: O3 expected 2026-03-31, O5 2026-06-30, O4 open (Propose 80, close 03-31)
    assert df["open_count"].to_dict() == {"2026Q1": 2, "2026Q2": 1}
    assert float(df.loc["2026Q1", "open_amount"]) == 280


def test_pipeline_for_a_period_keeps_deals_expected_to_close_in_it(tiny) -> None:
    r = compute(tiny, "pipeline", as_of="2026-03-31", period="2026-05").iloc[0]
    assert r.open_count == 1 and float(r.open_amount) == 200


def test_closed_deals_are_not_pipeline(tiny) -> None:
    r = compute(tiny, "pipeline", as_of="2026-02-10").iloc[0]
    assert r.open_count == 2  # O1 won that day; O2 and O3 open, O4 not yet created
