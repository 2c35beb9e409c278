"""Behaviour checks find planted quarter-end patterns and stay quiet without them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from salesorg.comp.behaviour import behaviour_checks, cap_attainment
from salesorg.comp.plan import Component
from salesorg.store import Store

from .conftest import add_deal, put_plan

CAPPED = (
    '[[components]]\nid = "bookings"\nweight = 100\n'
    "tiers = [{from = 0, rate = 1}, {from = 100, rate = 2}]\ncap = 200\n"
)


def _open_deal(store: Store, opp: str, owner: str, changes: list[tuple[str, str, str]]) -> None:
    """An open deal with history rows (day, amount, close_date)."""
    store.insert_frame(
        "opportunities",
        pd.DataFrame(
            [
                {
                    "opportunity_id": opp,
                    "owner_id": owner,
                    "name": opp,
                    "product": "P",
                    "deal_type": "new",
                    "created_on": dt.date(2025, 12, 1),
                    "currency": "EUR",
                    "pipeline": "default",
                }
            ]
        ),
    )
    store.insert_frame(
        "opportunity_history",
        pd.DataFrame(
            [
                {
                    "opportunity_id": opp,
                    "changed_at": dt.datetime.fromisoformat(day + "T12:00:00"),
                    "stage": "Open",
                    "amount": Decimal(a),
                    "close_date": dt.date.fromisoformat(c),
                    "owner_id": owner,
                }
                for day, a, c in changes
            ]
        ),
    )


QUARTERS = [
    ("2026-01-01", "2026-03-31", "2026-04-30"),
    ("2026-04-01", "2026-06-30", "2026-07-31"),
    ("2026-07-01", "2026-09-30", "2026-10-31"),
    ("2026-10-01", "2026-12-31", "2027-01-31"),
]


def _day(start: str, offset: int) -> str:
    return (dt.date.fromisoformat(start) + dt.timedelta(days=offset)).isoformat()


def test_cap_attainment_is_where_the_rate_table_reaches_the_cap() -> None:
    c = Component.model_validate(
        {
            "id": "c",
            "weight": 100,
            "tiers": [{"from": 0, "rate": 1}, {"from": 100, "rate": 2}],
            "cap": 200,
        }
    )
    # f(A) = A up to 1, then 1 + 2 (A − 1): f = 2 at A = 1.5
    assert cap_attainment(c) == Fraction(3, 2)


def test_slips_right_after_a_cap_are_flagged(company: Store) -> None:
    put_plan(company, CAPPED, people=("A1", "A2", "A3"))
    for i, (start, end, nxt) in enumerate(QUARTERS):
        add_deal(company, f"W{i}", "A1", "160000.00", _day(start, 30))  # cap (150 %) hit on day 30
        add_deal(company, f"V{i}", "A2", "50000.00", _day(start, 20))
        add_deal(company, f"X{i}", "A3", "60000.00", _day(start, 20))
        for k in range(3):  # A1 pushes three deals out after the cap
            _open_deal(
                company,
                f"S{i}{k}",
                "A1",
                [(_day(start, 1), "1000", end), (_day(start, 40 + k), "1000", nxt)],
            )
    _open_deal(
        company,
        "B0",
        "A2",
        [("2026-01-02", "1000", "2026-03-31"), ("2026-03-25", "1000", "2026-04-30")],
    )
    slips = behaviour_checks(company, "2026")[0]
    assert slips.check == "slips_after_cap"
    # 12 slips after the cap; baseline 1 slip in the last two weeks of 8 uncapped person-quarters
    assert slips.count == 12
    assert slips.flagged
    assert slips.ratio is not None and slips.ratio > 5
    assert slips.examples[0]["person_id"] == "A1"


def test_no_slips_after_a_cap_is_no_flag(company: Store) -> None:
    put_plan(company, CAPPED, people=("A1",))
    add_deal(company, "W0", "A1", "160000.00", "2026-02-01")
    slips = behaviour_checks(company, "2026")[0]
    assert slips.count == 0 and not slips.flagged
    assert "thin data" in slips.note


def test_amount_cuts_bunched_before_quarter_end_are_flagged(company: Store) -> None:
    for i, (start, end, _) in enumerate(QUARTERS):
        for k in range(3):  # three 20 % cuts in the last ten days
            _open_deal(
                company,
                f"D{i}{k}",
                "A1",
                [(_day(start, 1), "100", "2027-06-30"), (_day(end, -3 - k), "80", "2027-06-30")],
            )
        _open_deal(
            company,
            f"E{i}",
            "A2",
            [(_day(start, 1), "100", "2027-06-30"), (_day(start, 30), "90", "2027-06-30")],
        )
    disc = behaviour_checks(company, "2026")[1]
    # late: 12 cuts over 4 × 14 days; early: 4 cuts over ~4 × 77 days → ratio ≈ 16
    assert disc.count == 12
    assert disc.flagged
    assert disc.examples[0]["cut"] == 0.2


def test_amount_cuts_spread_evenly_are_not_flagged(company: Store) -> None:
    for i, (start, end, _) in enumerate(QUARTERS):
        days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
        # one cut every 3 days all quarter long: the last two weeks see their fair share only
        cuts = [(_day(start, k), str(200 - k), "2027-06-30") for k in range(0, days + 1, 3)]
        _open_deal(company, f"D{i}", "A1", cuts)
    disc = behaviour_checks(company, "2026")[1]
    assert disc.count >= 5  # enough events for a verdict
    assert disc.ratio is not None and 0.7 < disc.ratio < 1.3
    assert not disc.flagged
