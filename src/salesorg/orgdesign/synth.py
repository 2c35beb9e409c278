"""A synthetic sales organisation with planted effects, for tests, benchmarks and recovery checks.

``synthetic_company`` draws a GM, directors, sales managers with given spans, their AMs (some
senior), support staff per team, quotas and one won opportunity per AM per quarter whose
amount follows a known model::

    log bookings = log(base) + person effect + team effect + span_effect * log(span / 8)
                   + noise

so a calibration that recovers ``span_effect`` can be checked against the planted value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

__all__ = ["load_frames", "synthetic_company"]

_COST = {"AM": 95_000, "SnrAM": 130_000, "SE": 110_000, "InsideSales": 65_000,
         "Consultant": 105_000, "SM": 165_000, "Director": 230_000, "GM": 320_000}  # fmt: skip


def synthetic_company(
    *,
    spans: Sequence[int],
    rng: np.random.Generator,
    teams_per_director: int = 5,
    quarters: int = 8,
    end: dt.date = dt.date(2026, 6, 30),
    base_quarter: float = 250_000.0,
    span_effect: float = 0.0,
    person_sd: float = 0.25,
    team_sd: float = 0.05,
    noise_sd: float = 0.35,
    senior_share: float = 0.2,
    quota_factor: float = 1.05,
    industries: Sequence[str] = ("Manufacturing", "Finance", "Retail", "Public"),
    regions: Sequence[str] = ("North", "South", "West"),
) -> dict[str, pd.DataFrame]:
    """Frames for ``people``, ``units``, ``assignments``, ``accounts``, ``opportunities``,
    ``opportunity_history``, ``stages`` and ``quotas`` (all in EUR), ready for :func:`load_frames`.

    ``spans[k]`` is the number of AMs of team ``k``; every team also has one SE and one inside
    sales rep (reporting to the director), every second team a consultant.
    """
    people, units, assign, quotas, opps, hist, accounts = [], [], [], [], [], [], []
    since = dt.date(2015, 1, 1)

    def person(pid: str, role: str, unit: str, mgr: str | None, country: str = "DE") -> None:
        cost = _COST[role] * float(rng.uniform(0.9, 1.1))
        hired = end - dt.timedelta(days=int(rng.integers(400, 4000)))
        people.append(
            {
                "person_id": pid,
                "name": pid,
                "email": None,
                "role": role,
                "cost_per_year": Decimal(str(round(cost, -2))),
                "currency": "EUR",
                "hired_on": hired,
                "left_on": None,
                "country": country,
            }
        )
        assign.append(
            {
                "person_id": pid,
                "unit_id": unit,
                "manager_id": mgr,
                "valid_from": since,
                "valid_to": None,
            }
        )

    units.append({"unit_id": "CO", "name": "Company", "kind": "company", "parent_unit_id": None})
    person("GM", "GM", "CO", None)
    n_dir = (len(spans) + teams_per_director - 1) // teams_per_director
    for d in range(n_dir):
        units.append(
            {
                "unit_id": f"R{d}",
                "name": regions[d % len(regions)],
                "kind": "region",
                "parent_unit_id": "CO",
            }
        )
        person(f"D{d}", "Director", f"R{d}", "GM")
    q_ends = [end]
    for _ in range(quarters - 1):
        first = dt.date(q_ends[-1].year, q_ends[-1].month - 2, 1)
        q_ends.append(first - dt.timedelta(days=1))
    q_ends = sorted(q_ends)
    k = 0
    for t, span in enumerate(spans):
        d = t // teams_per_director
        unit = f"T{t:03d}"
        units.append(
            {"unit_id": unit, "name": f"Team {t}", "kind": "team", "parent_unit_id": f"R{d}"}
        )
        sm = f"SM{t:03d}"
        person(sm, "SM", unit, f"D{d}")
        for role in ["SE", "InsideSales"] + (["Consultant"] if t % 2 == 0 else []):
            person(f"{role[:2].upper()}{t:03d}", role, unit, f"D{d}")
        team_eff = float(rng.normal(0, team_sd))
        for a in range(int(span)):
            pid = f"AM{t:03d}_{a:02d}"
            senior = rng.random() < senior_share
            person(pid, "SnrAM" if senior else "AM", unit, sm)
            acc = f"ACC{pid}"
            accounts.append(
                {
                    "account_id": acc,
                    "name": acc,
                    "industry": industries[int(rng.integers(len(industries)))],
                    "country": "DE",
                    "employees": int(rng.integers(50, 50_000)),
                    "revenue": float(rng.uniform(5, 5000)),
                }
            )
            mu = (
                np.log(base_quarter)
                + rng.normal(0, person_sd)
                + team_eff
                + span_effect * np.log(span / 8.0)
                + (0.2 if senior else 0.0)
            )
            for qe in q_ends:
                qs = dt.date(qe.year, qe.month - 2, 1)
                amount = round(float(np.exp(mu + rng.normal(0, noise_sd))), 2)
                k += 1
                oid = f"O{k:07d}"
                opps.append(
                    {
                        "opportunity_id": oid,
                        "account_id": acc,
                        "owner_id": pid,
                        "name": oid,
                        "product": "P",
                        "deal_type": "new",
                        "created_on": qs,
                        "currency": "EUR",
                        "pipeline": "default",
                    }
                )
                hist.append(
                    {
                        "opportunity_id": oid,
                        "changed_at": dt.datetime.combine(qs, dt.time(9)),
                        "stage": "Qualify",
                        "amount": Decimal(str(amount)),
                        "close_date": qe,
                        "forecast_category": None,
                        "owner_id": pid,
                    }
                )
                close = qe - dt.timedelta(days=int(rng.integers(0, 20)))
                hist.append(
                    {
                        "opportunity_id": oid,
                        "changed_at": dt.datetime.combine(close, dt.time(17)),
                        "stage": "Won",
                        "amount": Decimal(str(amount)),
                        "close_date": close,
                        "forecast_category": None,
                        "owner_id": pid,
                    }
                )
                quotas.append(
                    {
                        "holder_id": pid,
                        "period_start": qs,
                        "period_end": qe,
                        "amount": Decimal(
                            str(round(base_quarter * quota_factor * (1.2 if senior else 1.0), 2))
                        ),
                        "currency": "EUR",
                        "kind": "individual",
                    }
                )
    stages = pd.DataFrame([
        {"pipeline": "default", "stage": "Qualify", "ordinal": 1, "is_closed": False, "is_won": False, "default_probability": 0.2},
        {"pipeline": "default", "stage": "Won", "ordinal": 2, "is_closed": True, "is_won": True, "default_probability": 1.0},
        {"pipeline": "default", "stage": "Lost", "ordinal": 3, "is_closed": True, "is_won": False, "default_probability": 0.0},
    ])  # fmt: skip
    return {
        "units": pd.DataFrame(units), "people": pd.DataFrame(people),
        "assignments": pd.DataFrame(assign), "accounts": pd.DataFrame(accounts),
        "stages": stages, "opportunities": pd.DataFrame(opps),
        "opportunity_history": pd.DataFrame(hist), "quotas": pd.DataFrame(quotas),
    }  # fmt: skip


def load_frames(store: object, frames: dict[str, pd.DataFrame]) -> None:
    """Insert synthetic frames into a store (trusted internal rows), derived columns included."""
    order = [
        "units",
        "people",
        "assignments",
        "accounts",
        "stages",
        "opportunities",
        "opportunity_history",
        "quotas",
    ]
    for name in order:
        if name in frames and len(frames[name]):
            store.insert_frame(name, frames[name])  # type: ignore[attr-defined]
