"""Cost of sales per unit: fixed cost pro rata plus variable pay, over the unit's bookings.

``cost of sales = (Σ cost_per_year × days in window / days in year + variable pay) / bookings``
for the people in each unit at the window end. Sales forces cost firms 1–40 % of revenue, SaaS
around 35 % (DOMAIN.md #8) — a unit far outside that range deserves a look.

References:
    DOMAIN.md #8 (Zoltners, Sinha & Lorimer 2001; OpenView 2021).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from salesorg.comp.core import to_money
from salesorg.comp.periods import Period

__all__ = ["cost_of_sales"]


def cost_of_sales(
    window: Period,
    units: Mapping[str, str],
    credits: pd.DataFrame,
    payable: Mapping[str, int],
    cost_per_year_cents: Callable[[str], int],
) -> list[dict[str, Any]]:
    """One row per unit: ``unit_id, people, fixed_cost, variable_pay, bookings, cost_of_sales``.

    ``units`` maps person → unit, ``credits`` has ``person_id, credit_cents`` of the window's
    bookings, ``payable`` maps person → variable pay in cents for the window.
    """
    year_days = (dt.date(window.start.year, 12, 31) - dt.date(window.start.year, 1, 1)).days + 1
    acc: dict[str, dict[str, Any]] = {}
    for person, unit in units.items():
        a = acc.setdefault(
            unit,
            {"unit_id": unit, "people": 0, "fixed": Fraction(0), "variable": 0, "bookings": 0},
        )
        a["people"] += 1
        a["fixed"] += Fraction(cost_per_year_cents(person)) * Fraction(window.days, year_days)
        a["variable"] += payable.get(person, 0)
    for r in credits.itertuples():
        u = units.get(r.person_id)
        if u in acc:
            acc[u]["bookings"] += int(r.credit_cents)
    out = []
    for a in sorted(acc.values(), key=lambda x: x["unit_id"]):
        fixed = to_money(a["fixed"])
        variable = to_money(a["variable"])
        bookings = to_money(a["bookings"])
        cos = ((fixed + variable) / bookings).quantize(Decimal("0.0001")) if bookings else None
        out.append(
            {
                "unit_id": a["unit_id"],
                "people": a["people"],
                "fixed_cost": fixed,
                "variable_pay": variable,
                "bookings": bookings,
                "cost_of_sales": cos,
            }
        )
    return out
