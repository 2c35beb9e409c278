"""A seeded synthetic company in a store, with a planted programme effect on the win rate.

For end-to-end tests and the benchmark: ``n_teams`` teams of ``team_size`` AMs under one
manager each; every AM opens Poisson(``deals_per_week``) deals a week, each closes 2–8 weeks
later (won with the AM's own win rate, ``N(win_rate, person_sd)``), passing through
Qualify → Propose → Won/Lost. The AMs of the first ``treated_teams`` teams join the
initiative ``solution-selling`` on ``start``; deals they close from then on win with
``effect`` (percentage points as a share) more probability and are solution deals with
``solution_lift`` more probability.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

__all__ = ["synthetic_store"]

#: Team ``k`` works in ``COUNTRIES[k % 4]``.
COUNTRIES = ("DE", "AT", "CH", "NL")

STAGES = [
    ("Qualify", 1, False, False, 0.1),
    ("Propose", 2, False, False, 0.5),
    ("Won", 3, True, True, 1.0),
    ("Lost", 4, True, False, 0.0),
]


def synthetic_store(
    store,
    *,
    rng: np.random.Generator,
    n_teams: int = 12,
    team_size: int = 8,
    weeks: int = 104,
    first_day: dt.date = dt.date(2024, 1, 1),
    start_week: int = 78,
    treated_teams: int = 1,
    win_rate: float = 0.3,
    person_sd: float = 0.05,
    effect: float = 0.0,
    solution_share: float = 0.2,
    solution_lift: float = 0.0,
    deals_per_week: float = 1.0,
) -> dict[str, object]:
    """Fill ``store`` and return facts: ``start``, ``treated`` people, ``as_of``."""
    units = [{"unit_id": "C", "name": "Company", "kind": "company", "parent_unit_id": None}]
    people: list[tuple[str, str, str, str | None]] = []
    start = first_day + dt.timedelta(weeks=start_week)
    for k in range(n_teams):
        tid = f"T{k:02d}"
        units.append({"unit_id": tid, "name": f"Team {k}", "kind": "team", "parent_unit_id": "C"})
        mid = f"M{k:02d}"
        people.append((mid, "SM", tid, None))
        for j in range(team_size):
            people.append((f"A{k:02d}{j:02d}", "AM", tid, mid))
    store.insert_frame("units", pd.DataFrame(units))
    store.insert_frame(
        "people",
        pd.DataFrame(
            [
                {
                    "person_id": p,
                    "name": p,
                    "role": r,
                    "hired_on": dt.date(2020, 1, 1),
                    "country": COUNTRIES[int(u[1:]) % len(COUNTRIES)],
                }
                for p, r, u, _ in people
            ]
        ),
    )
    store.insert_frame(
        "assignments",
        pd.DataFrame(
            [
                {"person_id": p, "unit_id": u, "manager_id": m, "valid_from": dt.date(2020, 1, 1)}
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
    ams = [p for p, r, _, _ in people if r == "AM"]
    treated = [p for p in ams if int(p[1:3]) < treated_teams]
    p_own = np.clip(rng.normal(win_rate, person_sd, len(ams)), 0.02, 0.98)
    n = rng.poisson(deals_per_week, (len(ams), weeks))
    owner_idx = np.repeat(np.repeat(np.arange(len(ams)), weeks), n.ravel())
    week_idx = np.repeat(np.tile(np.arange(weeks), len(ams)), n.ravel())
    m = len(owner_idx)
    created = np.datetime64(first_day) + (7 * week_idx + rng.integers(0, 5, m)).astype(
        "timedelta64[D]"
    )
    cycle = rng.integers(14, 57, m)
    closed = created + cycle.astype("timedelta64[D]")
    is_treated = np.isin(np.array(ams, dtype=object)[owner_idx], treated)
    after = closed >= np.datetime64(start)
    p = np.clip(p_own[owner_idx] + effect * (is_treated & after), 0, 1)
    won = rng.random(m) < p
    created_after = created >= np.datetime64(start)
    sol = rng.random(m) < np.clip(
        solution_share + solution_lift * (is_treated & created_after), 0, 1
    )
    amount = np.round(rng.lognormal(np.log(20000), 0.6, m), 2)
    end = np.datetime64(first_day) + np.timedelta64(7 * weeks, "D")
    ids = np.array([f"O{i:07d}" for i in range(m)], dtype=object)
    opps = pd.DataFrame(
        {
            "opportunity_id": ids,
            "owner_id": np.array(ams, dtype=object)[owner_idx],
            "name": ids,
            "product": "P",
            "deal_type": np.where(sol, "solution", "product"),
            "created_on": created.astype("datetime64[D]").astype(object),
            "currency": "EUR",
            "pipeline": "default",
        }
    )
    store.insert_frame("opportunities", opps)
    mid = created + (cycle // 2).astype("timedelta64[D]")
    amt = [Decimal(f"{a:.2f}") for a in amount]
    rows = [
        pd.DataFrame(
            {
                "opportunity_id": ids,
                "changed_at": created.astype("datetime64[s]") + np.timedelta64(9, "h"),
                "stage": "Qualify",
                "amount": amt,
                "close_date": closed.astype("datetime64[D]"),
            }
        ),
        pd.DataFrame(
            {
                "opportunity_id": ids,
                "changed_at": mid.astype("datetime64[s]") + np.timedelta64(9, "h"),
                "stage": "Propose",
                "amount": amt,
                "close_date": closed.astype("datetime64[D]"),
            }
        ),
    ]
    done = closed < end
    rows.append(
        pd.DataFrame(
            {
                "opportunity_id": ids[done],
                "changed_at": closed[done].astype("datetime64[s]") + np.timedelta64(9, "h"),
                "stage": np.where(won[done], "Won", "Lost"),
                "amount": [a for a, d in zip(amt, done, strict=True) if d],
                "close_date": closed[done].astype("datetime64[D]"),
            }
        )
    )
    hist = pd.concat(rows, ignore_index=True)
    hist = hist[hist.changed_at < end.astype("datetime64[s]")]
    store.insert_frame("opportunity_history", hist)
    from salesorg.impact.initiatives import add_initiative

    if treated:
        add_initiative(
            store,
            "Solution selling",
            members=[f"T{k:02d}" for k in range(treated_teams)],
            start=start,
            initiative_id="solution-selling",
            description="synthetic",
            actor="synthetic",
        )
    return {
        "start": start,
        "treated": treated,
        "as_of": (end - np.timedelta64(1, "D")).astype(object),
        "deals": m,
    }
