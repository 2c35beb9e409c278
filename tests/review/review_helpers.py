"""Helpers for the review tests: small hand-made histories for the review: one company, two teams, five stages.

``mini`` is a store with units C > T1 (M1: A1, A2) and T2 (M2: A3), stages Qualify(1),
Propose(2), Negotiate(3), Won, Lost, quarterly quotas of 1,000 EUR per AM for 2026, and no
deals; tests add deals with :func:`add_deal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pandas as pd

from salesorg.store import Store

S = dt.date(2026, 3, 24)
D = dt.date(2026, 3, 31)

STAGES = [
    ("Qualify", 1, False, False, 0.1),
    ("Propose", 2, False, False, 0.4),
    ("Negotiate", 3, False, False, 0.7),
    ("Won", 4, True, True, 1.0),
    ("Lost", 5, True, False, 0.0),
]


def load_mini(store: Store) -> None:
    store.insert_frame(
        "units",
        pd.DataFrame(
            [
                {"unit_id": "C", "name": "Company", "kind": "company", "parent_unit_id": None},
                {"unit_id": "T1", "name": "Team 1", "kind": "team", "parent_unit_id": "C"},
                {"unit_id": "T2", "name": "Team 2", "kind": "team", "parent_unit_id": "C"},
            ]
        ),
    )
    people = [
        ("G1", "GM", "C", None),
        ("M1", "SM", "T1", "G1"),
        ("M2", "SM", "T2", "G1"),
        ("A1", "AM", "T1", "M1"),
        ("A2", "AM", "T1", "M1"),
        ("A3", "AM", "T2", "M2"),
    ]
    store.insert_frame(
        "people",
        pd.DataFrame([{"person_id": p, "name": p, "role": r} for p, r, _, _ in people]),
    )
    store.insert_frame(
        "assignments",
        pd.DataFrame(
            [
                {
                    "person_id": p,
                    "unit_id": u,
                    "manager_id": m,
                    "valid_from": dt.date(2020, 1, 1),
                    "valid_to": None,
                }
                for p, _, u, m in people
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
                    "ordinal": o,
                    "is_closed": c,
                    "is_won": w,
                    "default_probability": p,
                }
                for s, o, c, w, p in STAGES
            ]
        ),
    )
    quotas = []
    for a in ("A1", "A2", "A3"):
        for q in range(4):
            start = dt.date(2026, 3 * q + 1, 1)
            end = dt.date(2026 + (q == 3), (3 * q + 3) % 12 + 1, 1) - dt.timedelta(days=1)
            quotas.append(
                {
                    "holder_id": a,
                    "period_start": start,
                    "period_end": end,
                    "amount": Decimal("1000.00"),
                    "currency": "EUR",
                    "kind": "individual",
                }
            )
    store.insert_frame("quotas", pd.DataFrame(quotas))


Row = tuple[str, str, float | str, str | None, str | None]


def add_deal(
    store: Store,
    opportunity_id: str,
    rows: Sequence[Row],
    *,
    owner: str = "A1",
    currency: str = "EUR",
) -> None:
    """Add one opportunity: ``rows`` of (changed_at, stage, amount, close_date, owner)."""
    created = dt.datetime.fromisoformat(rows[0][0]).date()
    store.insert_frame(
        "opportunities",
        pd.DataFrame(
            [
                {
                    "opportunity_id": opportunity_id,
                    "owner_id": owner,
                    "name": f"Deal {opportunity_id}",
                    "created_on": created,
                    "currency": currency,
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
                    "opportunity_id": opportunity_id,
                    "changed_at": dt.datetime.fromisoformat(t),
                    "stage": st,
                    "amount": Decimal(str(a)),
                    "close_date": None if c is None else dt.date.fromisoformat(c),
                    "owner_id": w,
                }
                for t, st, a, c, w in rows
            ]
        ),
    )
