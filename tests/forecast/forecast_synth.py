"""A synthetic company whose deals follow a KNOWN weekly stage-transition process.

Used by the recovery test: the stage-Markov forecaster should recover this process and its
ranges should cover what actually happened. Every deal moves once a week (at creation + 7k days,
10:00) with the hazards in :data:`HAZARDS` (large deals move 30 % slower); the expected close date
is set 8 weeks after creation and pushed 4 weeks out whenever it passes, as people do in CRMs.
CRM default probabilities are the usual optimistic 20/50/80 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from salesorg.store import Store

OPEN = ("Qualify", "Propose", "Negotiate")
DEFAULTS = {"Qualify": 0.2, "Propose": 0.5, "Negotiate": 0.8, "Won": 1.0, "Lost": 0.0}
#: weekly hazards: stage -> (next stage or Won, Lost)
HAZARDS = {"Qualify": (0.12, 0.08), "Propose": (0.15, 0.07), "Negotiate": (0.25, 0.10)}
CATEGORY = {"Qualify": "pipeline", "Propose": "best_case", "Negotiate": "commit"}
AMS = ("A1", "A2", "A3", "A4", "A5", "A6")


def generate(
    *, start: dt.date, weeks: int, deals_per_week: float, seed: int
) -> dict[str, pd.DataFrame]:
    """Tables (units, people, assignments, stages, opportunities, history) of the company."""
    rng = np.random.default_rng(seed)
    opps, hist = [], []
    n = 0
    for w in range(weeks):
        for _ in range(rng.poisson(deals_per_week)):
            n += 1
            oid = f"S{n:05d}"
            created = start + dt.timedelta(days=7 * w + int(rng.integers(0, 7)))
            owner = AMS[int(rng.integers(0, len(AMS)))]
            amount = round(float(rng.lognormal(np.log(40_000), 0.8)), 2)
            slow = 0.7 if amount > 60_000 else 1.0
            opps.append((oid, owner, created))
            stage, close = "Qualify", created + dt.timedelta(weeks=8)
            k = 0
            at = dt.datetime.combine(created, dt.time(10))
            hist.append((oid, at, stage, amount, close, CATEGORY[stage], owner))
            while stage in OPEN and k < 400:
                k += 1
                day = created + dt.timedelta(days=7 * k)
                at = dt.datetime.combine(day, dt.time(10))
                up, lose = HAZARDS[stage]
                u = rng.random()
                changed = False
                if u < up * slow:
                    i = OPEN.index(stage)
                    stage = OPEN[i + 1] if i + 1 < len(OPEN) else "Won"
                    changed = True
                elif u < (up + lose) * slow:
                    stage = "Lost"
                    changed = True
                if stage in ("Won", "Lost"):
                    close = day
                elif day > close:
                    close = close + dt.timedelta(weeks=4)
                    changed = True
                if changed:
                    cat = CATEGORY.get(stage, "closed" if stage == "Won" else "omitted")
                    hist.append((oid, at, stage, amount, close, cat, owner))
    units = pd.DataFrame(
        [
            {"unit_id": "C", "name": "Synth", "kind": "company", "parent_unit_id": None},
            {"unit_id": "T1", "name": "Team 1", "kind": "team", "parent_unit_id": "C"},
            {"unit_id": "T2", "name": "Team 2", "kind": "team", "parent_unit_id": "C"},
        ]
    )
    people = pd.DataFrame(
        [{"person_id": a, "name": a, "role": "AM"} for a in AMS]
        + [{"person_id": "M1", "name": "M1", "role": "SM"}]
    )
    assignments = pd.DataFrame(
        [
            {
                "person_id": a,
                "unit_id": "T1" if i < 3 else "T2",
                "manager_id": "M1",
                "valid_from": dt.date(2000, 1, 1),
                "valid_to": None,
            }
            for i, a in enumerate(AMS)
        ]
        + [
            {
                "person_id": "M1",
                "unit_id": "C",
                "manager_id": None,
                "valid_from": dt.date(2000, 1, 1),
                "valid_to": None,
            }
        ]
    )
    stages = pd.DataFrame(
        [
            {
                "pipeline": "default",
                "stage": s,
                "ordinal": i,
                "is_closed": s in ("Won", "Lost"),
                "is_won": s == "Won",
                "default_probability": p,
            }
            for i, (s, p) in enumerate(DEFAULTS.items())
        ]
    )
    opportunities = pd.DataFrame(
        [
            {
                "opportunity_id": o,
                "owner_id": a,
                "created_on": c,
                "currency": "EUR",
                "pipeline": "default",
            }
            for o, a, c in opps
        ]
    )
    history = pd.DataFrame(
        hist,
        columns=[
            "opportunity_id",
            "changed_at",
            "stage",
            "amount",
            "close_date",
            "forecast_category",
            "owner_id",
        ],
    )
    history["amount"] = history.amount.map(lambda x: Decimal(f"{x:.2f}"))
    return {
        "units": units,
        "people": people,
        "assignments": assignments,
        "stages": stages,
        "opportunities": opportunities,
        "opportunity_history": history,
    }


def load(
    store: Store, tables: dict[str, pd.DataFrame], *, until: dt.datetime | None = None
) -> Store:
    """Insert the tables; with ``until``, only history rows changed before it (and their deals)."""
    hist = tables["opportunity_history"]
    opps = tables["opportunities"]
    if until is not None:
        hist = hist[hist.changed_at < until]
        opps = opps[opps.opportunity_id.isin(hist.opportunity_id)]
    for name in ("units", "people", "assignments", "stages"):
        store.insert_frame(name, tables[name])
    store.insert_frame("opportunities", opps)
    store.insert_frame("opportunity_history", hist)
    return store
