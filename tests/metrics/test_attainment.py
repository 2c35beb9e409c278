"""Quota attainment on the tiny company: each AM has 100 for 2026Q1; bookings A1 120 (O1),
A2 0, A3 90 (O4) — so 1.2, 0 and 0.9, one person in three at or above 100 %."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from salesorg.metrics.run import compute


def test_attainment_per_person(tiny) -> None:
    df = compute(tiny, "attainment", as_of="2026-03-31", by="owner").set_index("owner_id")
    assert df["attainment"].to_dict() == pytest.approx({"A1": 1.2, "A2": 0.0, "A3": 0.9})
    assert df["complete"].all()


def test_share_at_or_above_quota(tiny) -> None:
    r = compute(tiny, "attainment", as_of="2026-03-31").iloc[0]
    assert (r.people, r.at_or_above) == (3, 1)
    assert r.share_at_or_above == pytest.approx(1 / 3)
    assert r.median_attainment == pytest.approx(0.9)
    assert (r.quota, r.bookings) == (300, 210)


def test_attainment_by_unit(tiny) -> None:
    df = compute(tiny, "attainment", as_of="2026-03-31", by="unit").set_index("unit_id")
    assert df.loc["T1", "people"] == 2 and df.loc["T1", "share_at_or_above"] == 0.5
    assert df.loc["T2", "at_or_above"] == 0


def test_attainment_mid_period_counts_bookings_to_date(tiny) -> None:
    df = compute(tiny, "attainment", as_of="2026-03-01", by="owner").set_index("owner_id")
    assert df.loc["A3", "attainment"] == 0.0  # O4 is won on 03-20
    assert not df["complete"].any()


def test_quotas_in_another_currency_convert(tiny) -> None:
    tiny.con.execute("UPDATE quotas SET currency = 'CHF', amount = 50 WHERE holder_id = 'A3'")
    tiny.insert_frame(
        "fx_rates",
        pd.DataFrame({"date": [dt.date(2026, 1, 1)], "currency": ["CHF"], "rate": [2.0]}),
    )
    df = compute(tiny, "attainment", as_of="2026-03-31", by="owner").set_index("owner_id")
    assert df.loc["A3", "quota"] == 100.0 and df.loc["A3", "attainment"] == pytest.approx(0.9)


def test_team_quotas_are_not_people(tiny) -> None:
    tiny.insert_frame(
        "quotas",
        pd.DataFrame(
            [{"holder_id": "T1", "period_start": dt.date(2026, 1, 1),
              "period_end": dt.date(2026, 3, 31), "amount": Decimal("200"), "currency": "EUR",
              "kind": "team"}]
        ),
    )  # fmt: skip
    assert compute(tiny, "attainment", as_of="2026-03-31").iloc[0].people == 3


def test_no_quota_in_the_window_gives_no_rows(tiny) -> None:
    assert compute(tiny, "attainment", as_of="2026-03-31", period="2025").empty
