"""Per-person history of credited bookings and attainment by period (input to quotas and what-if).

Bookings are credited exactly as payouts credit them (:mod:`salesorg.comp.credit`: the state as
known at each period's end, split credit honoured), so a simulation replays the same measure the
plan pays on.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from salesorg.comp.credit import credits, won_deals_many
from salesorg.comp.periods import Period, plan_periods
from salesorg.comp.quotas_in import QuotaBook
from salesorg.store import Store

__all__ = ["booking_history", "past_periods"]


def past_periods(kind: str, before: Period, n: int, *, fiscal_start_month: int = 1) -> list[Period]:
    """The ``n`` periods of ``kind`` that end before ``before`` starts, oldest first."""
    span = {"month": 1, "quarter": 3, "year": 12}[kind] * (n + 1)
    y, m = before.start.year, before.start.month - span
    while m < 1:
        m += 12
        y -= 1
    window = Period("", dt.date(y, m, 1), before.start - dt.timedelta(days=1))
    out = plan_periods(kind, window, fiscal_start_month=fiscal_start_month)
    return out[-n:]


def booking_history(
    store: Store, periods: list[Period], people: list[str] | None = None
) -> pd.DataFrame:
    """Credited bookings per person and period, with the period's quota where one exists.

    Columns: ``person_id``, ``period``, ``period_index`` (0 = oldest), ``bookings_cents``,
    ``quota_cents`` (nullable), ``solution_cents`` etc. are not split out here — components
    with filters use their historical share of bookings (see :mod:`salesorg.comp.whatif`).
    Every person in ``people`` gets a row per period (zero when nothing was booked).
    """
    deals = won_deals_many(store, periods) if periods else pd.DataFrame()
    if deals.empty:
        allc = pd.DataFrame(
            columns=[
                "opportunity_id",
                "person_id",
                "share",
                "credit_cents",
                "product",
                "deal_type",
                "period_index",
            ]
        )
    else:
        allc = credits(store, deals).merge(
            deals[["opportunity_id", "period_index", "product", "deal_type"]],
            on=["opportunity_id", "period_index"],
        )
    if people is None:
        people = sorted(set(allc["person_id"])) if not allc.empty else []
    book = QuotaBook(store)
    by = allc.groupby(["period_index", "person_id"])["credit_cents"].sum().to_dict()
    rows = []
    for i, p in enumerate(periods):
        for person in people:
            rows.append(
                {
                    "person_id": person,
                    "period": p.label,
                    "period_index": i,
                    "bookings_cents": int(by.get((i, person), 0)),
                    "quota_cents": book.quota_cents(person, p),
                }
            )
    out = pd.DataFrame(
        rows, columns=["person_id", "period", "period_index", "bookings_cents", "quota_cents"]
    )
    out.attrs["credits"] = allc
    return out
