"""Bookings, win rate, deal size and cycle time on the tiny company (tests/conftest.py).

Closed deals as of 2026-03-31: O1 won by A1 on 2026-02-10 at 120 (created 01-05, 36 days);
O4 won by A3 on 2026-03-20 at 90 (created 02-15, 33 days); O2 lost by A1 on 2026-03-01 at 50.
A1 and A2 are in team T1, A3 in T2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from salesorg.metrics.run import compute

AS_OF = "2026-03-31"


def _rows(store, name, by=None, **kw) -> dict:
    df = compute(store, name, as_of=kw.pop("as_of", AS_OF), by=by, **kw)
    if by is None:
        assert len(df) == 1
        return df.iloc[0].to_dict()
    key = df.columns[0]
    return {r[key]: r for r in df.to_dict(orient="records")}


def test_bookings_company_total(tiny) -> None:
    r = _rows(tiny, "bookings")
    assert r["won"] == 2 and r["won_amount"] == Decimal("210.00")


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("owner", {"A1": (1, 120), "A3": (1, 90)}),
        ("unit", {"T1": (1, 120), "T2": (1, 90)}),
        ("month", {"2026-02": (1, 120), "2026-03": (1, 90)}),
        ("quarter", {"2026Q1": (2, 210)}),
    ],
)
def test_bookings_by_group(tiny, by: str, expected: dict) -> None:
    got = {k: (r["won"], float(r["won_amount"])) for k, r in _rows(tiny, "bookings", by).items()}
    assert got == expected


def test_bookings_only_count_what_was_known_as_of(tiny) -> None:
    r = _rows(tiny, "bookings", as_of="2026-03-19")
    assert r["won"] == 1 and r["won_amount"] == Decimal("120.00")  # O4 is won on 03-20


def test_bookings_in_a_period_exclude_deals_closed_outside_it(tiny) -> None:
    assert _rows(tiny, "bookings", period="2026-03")["won"] == 1
    empty = _rows(tiny, "bookings", period="2025Q4")
    assert empty["won"] == 0 and empty["won_amount"] == 0


def test_win_rate_counts_closed_deals_only(tiny) -> None:
    r = _rows(tiny, "win-rate")
    assert (r["won"], r["lost"], r["closed"]) == (2, 1, 3)
    assert r["win_rate"] == pytest.approx(2 / 3)
    assert r["won_amount"] == Decimal("210.00") and r["lost_amount"] == Decimal("50.00")
    assert r["win_rate_amount"] == pytest.approx(210 / 260)


def test_win_rate_by_owner(tiny) -> None:
    rows = _rows(tiny, "win-rate", "owner")
    assert set(rows) == {"A1", "A3"}  # A2 closed nothing: no row
    assert rows["A1"]["win_rate"] == pytest.approx(0.5)
    assert rows["A1"]["win_rate_amount"] == pytest.approx(120 / 170)
    assert rows["A3"]["win_rate"] == 1.0 and rows["A3"]["lost"] == 0


def test_win_rate_by_month_splits_by_close_day(tiny) -> None:
    rows = _rows(tiny, "win-rate", "month")
    assert (rows["2026-02"]["won"], rows["2026-02"]["lost"]) == (1, 0)
    assert (rows["2026-03"]["won"], rows["2026-03"]["lost"]) == (1, 1)


def test_win_rate_before_any_close_is_an_empty_company_row(tiny) -> None:
    r = _rows(tiny, "win-rate", as_of="2026-02-01")
    assert r["closed"] == 0 and pd.isna(r["win_rate"])


def test_win_rate_converts_foreign_amounts(tiny) -> None:
    tiny.con.execute("UPDATE opportunities SET currency = 'CHF' WHERE opportunity_id = 'O4'")
    tiny.refresh_derived()  # a raw SQL edit: refresh the history's copies
    tiny.insert_frame(
        "fx_rates",
        pd.DataFrame({"date": [dt.date(2026, 1, 1)], "currency": ["CHF"], "rate": [2.0]}),
    )
    r = _rows(tiny, "win-rate")
    assert float(r["won_amount"]) == 120 + 2 * 90


def test_a_missing_rate_is_an_error_that_names_the_currency(tiny) -> None:
    from salesorg.errors import DataError

    tiny.con.execute("UPDATE opportunities SET currency = 'USD' WHERE opportunity_id = 'O4'")
    tiny.refresh_derived()  # a raw SQL edit: refresh the history's copies
    with pytest.raises(DataError, match="USD"):
        compute(tiny, "bookings", as_of=AS_OF)


def test_average_deal_size_is_over_won_deals(tiny) -> None:
    r = _rows(tiny, "deal-size")
    assert r["won"] == 2 and r["avg_deal_size"] == 105.0 and r["median_deal_size"] == 105.0
    by_owner = _rows(tiny, "deal-size", "owner")
    assert by_owner["A1"]["avg_deal_size"] == 120.0


def test_cycle_time_is_days_from_created_to_won(tiny) -> None:
    r = _rows(tiny, "cycle-time")
    assert r["won"] == 2 and r["median_days"] == 34.5 and r["mean_days"] == 34.5
    by_owner = _rows(tiny, "cycle-time", "owner")
    assert by_owner["A1"]["median_days"] == 36 and by_owner["A3"]["median_days"] == 33


def test_unknown_metric_is_refused(tiny) -> None:
    from salesorg.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown metric"):
        compute(tiny, "velocity", as_of=AS_OF)
