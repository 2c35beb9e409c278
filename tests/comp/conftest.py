"""Fixtures for comp tests: a small company whose won deals and quotas are given per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pandas as pd
import pytest

from salesorg.comp.plan import parse_plan
from salesorg.comp.registry import add_plan, assign_plan
from salesorg.store import Store

PEOPLE = [
    ("M1", "Max Manager", "SM", "T1", None),
    ("A1", "Ann AM", "AM", "T1", "M1"),
    ("A2", "Ben AM", "AM", "T1", "M1"),
    ("A3", "Cat AM", "AM", "T2", None),
]


def base_company(
    store: Store, *, quota: str = "100000.00", quarters: tuple[int, ...] = (1, 2, 3, 4)
) -> None:
    """Units T1 (M1 manages A1, A2) and T2 (A3); each AM has ``quota`` EUR in each 2026 quarter."""
    store.insert_frame(
        "units",
        pd.DataFrame(
            [
                {"unit_id": "T1", "name": "Team 1", "kind": "team", "parent_unit_id": None},
                {"unit_id": "T2", "name": "Team 2", "kind": "cell", "parent_unit_id": None},
            ]
        ),
    )
    store.insert_frame(
        "people",
        pd.DataFrame(
            [
                {
                    "person_id": p,
                    "name": n,
                    "role": r,
                    "cost_per_year": Decimal("100000.00"),
                    "currency": "EUR",
                    "hired_on": dt.date(2020, 1, 1),
                }
                for p, n, r, _, _ in PEOPLE
            ]
        ),
    )
    store.insert_frame(
        "assignments",
        pd.DataFrame(
            [
                {"person_id": p, "unit_id": u, "manager_id": m, "valid_from": dt.date(2020, 1, 1)}
                for p, _, _, u, m in PEOPLE
            ]
        ),
    )
    store.insert_frame(
        "stages",
        pd.DataFrame(
            [
                {
                    "pipeline": "default",
                    "stage": s,
                    "ordinal": i,
                    "is_closed": c,
                    "is_won": w,
                    "default_probability": pr,
                }
                for i, (s, c, w, pr) in enumerate(
                    [
                        ("Open", False, False, 0.3),
                        ("Won", True, True, 1.0),
                        ("Lost", True, False, 0.0),
                    ]
                )
            ]
        ),
    )
    rows = []
    for q in quarters:
        start = dt.date(2026, 3 * q - 2, 1)
        end = (dt.date(2026, 3 * q + 1, 1) if q < 4 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)
        for p in ("A1", "A2", "A3"):
            rows.append(
                {
                    "holder_id": p,
                    "period_start": start,
                    "period_end": end,
                    "amount": Decimal(quota),
                    "currency": "EUR",
                    "kind": "individual",
                }
            )
    store.insert_frame("quotas", pd.DataFrame(rows))


def add_deal(
    store: Store,
    opp: str,
    owner: str,
    amount: str,
    won_on: str,
    *,
    deal_type: str = "new",
    product: str = "P",
    lost_on: str | None = None,
    created_on: str = "2025-12-01",
) -> None:
    """A deal opened on ``created_on`` and won on ``won_on`` at ``amount`` (optionally lost later)."""
    store.insert_frame(
        "opportunities",
        pd.DataFrame(
            [
                {
                    "opportunity_id": opp,
                    "account_id": None,
                    "owner_id": owner,
                    "name": opp,
                    "product": product,
                    "deal_type": deal_type,
                    "created_on": dt.date.fromisoformat(created_on),
                    "currency": "EUR",
                    "pipeline": "default",
                }
            ]
        ),
    )
    won = dt.date.fromisoformat(won_on)
    hist = [
        (dt.datetime.fromisoformat(created_on + "T09:00:00"), "Open", won),
        (dt.datetime.combine(won, dt.time(10)), "Won", won),
    ]
    if lost_on is not None:
        lost = dt.date.fromisoformat(lost_on)
        hist.append((dt.datetime.combine(lost, dt.time(11)), "Lost", lost))
    store.insert_frame(
        "opportunity_history",
        pd.DataFrame(
            [
                {
                    "opportunity_id": opp,
                    "changed_at": t,
                    "stage": s,
                    "amount": Decimal(amount),
                    "close_date": c,
                    "forecast_category": None,
                    "owner_id": owner,
                }
                for t, s, c in hist
            ]
        ),
    )


PLAN_HEAD = """
plan_id = "{plan_id}"
ote = 100000
pay_mix = [50, 50]
period = "{period}"
"""


def put_plan(
    store: Store,
    body: str,
    *,
    people: tuple[str, ...] = ("A1",),
    plan_id: str = "p",
    period: str = "quarter",
) -> None:
    """Store a plan (OTE 100,000 at 50/50: 12,500 per quarter at target) and assign ``people``."""
    plan = parse_plan(PLAN_HEAD.format(plan_id=plan_id, period=period) + body)
    add_plan(store, plan)
    assign_plan(store, plan_id, list(people), valid_from=dt.date(2026, 1, 1))


@pytest.fixture
def company(store: Store) -> Store:
    base_company(store)
    return store


@pytest.fixture
def deal() -> Callable[..., None]:
    return add_deal
