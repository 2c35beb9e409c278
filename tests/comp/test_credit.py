"""Which deals count in which period, and the one-query history agrees with the point-in-time path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from salesorg.comp.credit import allocate, reversed_deals, set_splits, won_deals, won_deals_many
from salesorg.comp.periods import parse_window, plan_periods
from salesorg.errors import ConfigError, NotFoundError
from salesorg.store import Store

from .conftest import add_deal


def _mixed(store: Store) -> None:
    add_deal(store, "E1", "A1", "1000.00", "2026-01-15")
    add_deal(store, "U1", "A2", "2000.00", "2026-02-20")
    add_deal(store, "U2", "A2", "3000.00", "2026-05-03", lost_on="2026-06-01")
    add_deal(store, "E2", "A3", "500.00", "2026-07-01")
    store.con.execute("UPDATE opportunities SET currency = 'USD' WHERE opportunity_id LIKE 'U%'")
    store.refresh_derived()  # a raw SQL edit: refresh the history's copies
    store.insert_frame(
        "fx_rates",
        pd.DataFrame(
            {
                "date": [dt.date(2026, 1, 1), dt.date(2026, 4, 1)],
                "currency": ["USD", "USD"],
                "rate": [0.9, 0.8],
            }
        ),
    )


def test_one_query_history_matches_the_point_in_time_view_per_period(company: Store) -> None:
    _mixed(company)
    periods = plan_periods("quarter", parse_window("2026"))
    many = won_deals_many(company, periods)
    for i, p in enumerate(periods):
        one = won_deals(company, p)
        got = many[many.period_index == i].drop(columns=["period_index"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got[one.columns], one, check_dtype=False)


def test_deals_are_converted_at_the_rate_known_at_the_period_end(company: Store) -> None:
    _mixed(company)
    q1 = won_deals(company, parse_window("2026Q1")).set_index("opportunity_id")
    # U1: 2,000 USD × 0.9 (rate of 2026-01-01, the latest on or before 2026-03-31) = 1,800.00
    assert q1.loc["U1", "amount_cents"] == 180000
    assert q1.loc["E1", "amount_cents"] == 100000


def test_a_deal_lost_after_winning_is_reversed_in_the_period_it_was_lost(company: Store) -> None:
    _mixed(company)
    assert list(won_deals(company, parse_window("2026Q2"))["opportunity_id"]) == []
    rev = reversed_deals(company, parse_window("2026Q2"))
    assert rev.to_dict("records") == [
        {
            "opportunity_id": "U2",
            "won_on": dt.date(2026, 5, 3),
            "reversed_on": dt.date(2026, 6, 1),
            "stage": "Lost",
        }
    ]
    assert reversed_deals(company, parse_window("2026Q3")).empty


def test_split_shares_must_sum_to_exactly_100_percent(company: Store) -> None:
    add_deal(company, "O1", "A1", "100.00", "2026-07-01")
    with pytest.raises(ConfigError, match="sum to 100"):
        set_splits(company, "O1", {"A1": Decimal("0.5"), "A2": Decimal("0.4999")})
    with pytest.raises(NotFoundError):
        set_splits(company, "O1", {"ZZ": Decimal("1")})
    with pytest.raises(ConfigError, match="4 decimals"):
        set_splits(company, "O1", {"A1": Decimal("0.33333"), "A2": Decimal("0.66667")})


def test_allocate_gives_leftover_cents_to_the_largest_remainders() -> None:
    # 100 cents in thirds (0.3333, 0.3333, 0.3334): 33.33, 33.33, 33.34 → floors 33, 33, 33; the
    # one cent left goes to the largest remainder (0.34, the third).
    assert allocate(100, [Decimal("0.3333"), Decimal("0.3333"), Decimal("0.3334")]) == [33, 33, 34]
