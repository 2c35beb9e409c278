"""The deterministic demo company: an ITK vendor with three years of CRM history.

``build_demo(store, seed=2026)`` writes a complete company into a store, drawn from one
``numpy.random.Generator(PCG64(seed))``: the same seed gives identical tables. It looks like the
world of the seed texts (``seeds/README.md``) so that every engine has something real to chew:

* **Organisation** (:mod:`salesorg._demo_org`): *ITK Solutions AG* (reporting currency EUR), a
  GM, 3 directors (regions North, South, West), 14 sales managers each leading a team of 7–9
  account managers (112 AM slots, span near 1:8; DOMAIN.md 1a gives a benchmark mean of 8.5),
  about a quarter of them with senior titles (SnrAM, GAM, ClientExec, ExecAM). Each team has a
  systems engineer and an inside-sales rep, every second team a consultant; they report to the
  regional director (virtual account team), so an SM's span counts AMs only. *Team Zurich*
  works in CHF (people costs, deals and quotas), with monthly ``fx_rates`` CHF→EUR.
  Effective-dated assignments carry about 30 leavers (each replaced after 3–10 weeks, their open
  deals handed to a teammate), three internal moves (two AMs swap teams) and one change of
  sales manager (Team Cologne, 2025-03-01). Costs per role are in ``_demo_org.ROLE_COST``.
* **Deals** (:mod:`salesorg._demo_deals`): opportunities created from :data:`DEMO_START` to
  :data:`DEMO_AS_OF` (weekdays, Poisson, with summer/Christmas dips and a 4-month ramp for new
  hires), each with full history in the stages Qualify → Discover → Propose → Negotiate →
  Won/Lost (CRM probabilities 10/20/40/70 %): gamma stage durations, 60 % of wins due within 8 weeks of a quarter end pulled into
  the last days of their quarter (quarter-end peaks), expected close dates that slip up to three
  times (often across a quarter boundary), amount changes at Propose and discounts at Negotiate,
  forecast categories (pipeline / best_case / commit on open deals), deal types ``product``,
  ``solution``, ``upsell``, ``renewal``, ~1.5 % random owner changes, and an open pipeline at
  the end. Win probability is ``logistic(logit(0.24) + skill + type)`` with a persistent person
  effect ``skill ~ N(0, 0.35)`` and +0.4 (upsell) / +1.0 (renewal) on the logit scale; overall
  win rate ≈ 28 %. Product prices erode 3 %/yr (commoditisation in the seed text).
* **Quotas**: per AM per quarter from 2024Q1 (senior titles x 1.6, pro-rated by days in the
  team, half in a new hire's first quarter) and per team (the sum, ``kind='team'``), rising
  :data:`QUOTA_GROWTH` (10 %) a year, so the share of AMs at or above 100 % falls year by year
  (the seed text's observation; DOMAIN.md 6a–6b for typical shares).
* **Planted effect** (the *solution-selling* initiative, ``initiatives``/``initiative_members``):
  the 8 AMs of Team Stuttgart join on :data:`INITIATIVE_START` (2026-04-01), wave 1. For deals
  they create on or after that day, with ``ramp = min(1, days since start / 42)``:

  - win probability ``+ 0.06 * ramp`` (:data:`PLANTED_WIN_RATE_EFFECT`, added on the
    probability scale, independent of deal type: +6 percentage points at full effect);
  - share of ``solution`` deals ``0.20 → 0.20 + 0.15 * ramp``
    (:data:`PLANTED_SOLUTION_SHARE_EFFECT`, taken from ``product`` deals, whose base win
    probability equals that of solution deals, so the win effect stays exactly +6 pp).

  Nothing else differs: the other 13 teams (104 AM slots) are the comparison group. Training
  effects in the literature are modest and uncertain for sales (DOMAIN.md 9b), hence +6 pp.

Generating takes a few seconds (vectorised ``numpy``/``pandas``; DuckDB does the inserts).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesorg._demo_deals import STAGES, DealParams, build_deals, day
from salesorg._demo_org import INITIATIVE_TEAM, TEAMS, Org, build_org
from salesorg.store import Store

__all__ = [
    "DEMO_AS_OF",
    "DEMO_SEED",
    "DEMO_START",
    "INITIATIVE_ID",
    "INITIATIVE_START",
    "INITIATIVE_TEAM",
    "PLANTED_RAMP_DAYS",
    "PLANTED_SOLUTION_SHARE_EFFECT",
    "PLANTED_WIN_RATE_EFFECT",
    "QUOTA_GROWTH",
    "DemoSummary",
    "build_demo",
]

DEMO_SEED = 2026
DEMO_START = dt.date(2023, 7, 1)
DEMO_AS_OF = dt.date(2026, 11, 20)
QUOTA_START_YEAR = 2024
#: Annual rise of every quota (2025 = 2024 x 1.10, 2026 = 2024 x 1.21).
QUOTA_GROWTH = 0.10
#: Annual quota of a (non-senior) AM in 2024, EUR; calibrated so ~55 % of AM-quarters reach 100 % in 2024.
QUOTA_2024_EUR = 560_000.0
INITIATIVE_ID = "solution-selling"
INITIATIVE_START = dt.date(2026, 4, 1)
PLANTED_WIN_RATE_EFFECT = 0.06
PLANTED_SOLUTION_SHARE_EFFECT = 0.15
PLANTED_RAMP_DAYS = 42


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo` wrote (for the CLI summary and for tests)."""

    seed: int
    as_of: dt.date
    people_by_role: dict[str, int]
    units: int
    opportunities: int
    history_rows: int
    first_created: dt.date
    last_change: dt.date
    open_opportunities: int
    quotas: int
    initiative_members: list[str] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(self.people_by_role.values())


def _fx_chf(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Monthly CHF→EUR rates (EUR per CHF, a gentle random walk) and the daily lookup."""
    months = pd.date_range(DEMO_START, DEMO_AS_OF, freq="MS")
    walk = 1.03 + np.cumsum(rng.normal(0.001, 0.008, len(months)))
    rates = np.round(walk, 4)
    frame = pd.DataFrame({"date": months.date, "currency": "CHF", "rate": rates})
    days = np.arange(day(DEMO_START), day(DEMO_AS_OF) + 1)
    month_idx = days.astype("datetime64[D]").astype("datetime64[M]").astype(
        np.int64
    ) - np.datetime64(DEMO_START, "M").astype(np.int64)
    return frame, rates[month_idx]


def _quotas(org: Org, fx: pd.DataFrame) -> pd.DataFrame:
    """Individual quotas per AM-quarter (pro-rated) and team quotas (their sum)."""
    hired = dict(zip(org.people.person_id, org.people.hired_on, strict=True))
    rows = []
    q_start = pd.date_range(dt.date(QUOTA_START_YEAR, 1, 1), DEMO_AS_OF, freq="QS").date
    for qs in q_start:
        qe = (pd.Timestamp(qs) + pd.offsets.QuarterEnd(0)).date()
        q_days = (qe - qs).days + 1
        annual = QUOTA_2024_EUR * (1 + QUOTA_GROWTH) ** (qs.year - QUOTA_START_YEAR)
        rate = float(fx.loc[pd.to_datetime(fx["date"]) <= pd.Timestamp(qs), "rate"].iloc[-1])
        for s in org.am_segments:
            lo = max(s.start, qs)
            hi = min(s.end - dt.timedelta(days=1) if s.end else qe, qe)
            if lo > hi:
                continue
            share = ((hi - lo).days + 1) / q_days
            if (lo - hired[s.person_id]).days < 92:
                share *= 0.5
            amount = annual / 4 * share * (1.6 if org.senior[s.person_id] else 1.0)
            cur = TEAMS[s.team][3]
            if cur == "CHF":
                amount /= rate
            rows.append((s.person_id, TEAMS[s.team][0], qs, qe, round(amount, -2), cur))
    ind = pd.DataFrame(
        rows, columns=["holder_id", "team", "period_start", "period_end", "amount", "currency"]
    )
    # a person who moved within a quarter has two segments: one quota row per person-quarter
    keys = ["holder_id", "period_start", "period_end", "currency"]
    people_q = ind.groupby(keys, as_index=False)["amount"].sum().assign(kind="individual")
    team_q = (
        ind.groupby(["team", "period_start", "period_end", "currency"], as_index=False)["amount"]
        .sum()
        .rename(columns={"team": "holder_id"})
        .assign(kind="team")
    )
    return pd.concat([people_q, team_q], ignore_index=True)


def build_demo(store: Store, *, seed: int = DEMO_SEED) -> DemoSummary:
    """Write the demo company into an empty ``store`` and return what was written.

    Deterministic: the same ``seed`` gives identical tables. Raises
    :class:`~salesorg.errors.DataError` if the store already holds opportunities (build into a
    fresh file; ``salesorg demo`` deletes the old one).
    """
    from salesorg.errors import DataError

    if store.count("opportunities") or store.count("people"):
        raise DataError(
            f"{store.path}: the store already holds data — build the demo into a new file "
            "(`salesorg demo --db NEW.duckdb`) or delete this one"
        )
    rng = np.random.Generator(np.random.PCG64(seed))
    org = build_org(rng, start=DEMO_START, end=DEMO_AS_OF)
    fx, fx_daily = _fx_chf(rng)
    params = DealParams(start=DEMO_START, as_of=DEMO_AS_OF, initiative_start=INITIATIVE_START)
    opps, hist = build_deals(rng, org, fx_daily, params)
    stages = pd.DataFrame(
        [("default", s, o, c, w, p) for s, o, c, w, p in STAGES],
        columns=["pipeline", "stage", "ordinal", "is_closed", "is_won", "default_probability"],
    )
    initiatives = pd.DataFrame(
        [{"initiative_id": INITIATIVE_ID, "name": "Solution selling programme",
          "started_on": INITIATIVE_START,
          "description": f"Solution-selling training and coaching for the 8 AMs of {INITIATIVE_TEAM}"}]
    )  # fmt: skip
    members = pd.DataFrame(
        {"initiative_id": INITIATIVE_ID, "holder_id": org.initiative_members,
         "joined_on": INITIATIVE_START, "wave": 1}
    )  # fmt: skip
    quotas = _quotas(org, fx)
    with store.transaction():
        store.set_setting("reporting_currency", "EUR")
        for name, frame in (
            ("units", org.units), ("people", org.people), ("assignments", org.assignments),
            ("accounts", org.accounts), ("stages", stages), ("fx_rates", fx),
            ("opportunities", opps), ("opportunity_history", hist), ("quotas", quotas),
            ("initiatives", initiatives), ("initiative_members", members),
        ):  # fmt: skip
            store.insert_frame(name, frame)
    last = hist.groupby("opportunity_id")["stage"].last()
    return DemoSummary(
        seed=seed,
        as_of=DEMO_AS_OF,
        people_by_role=dict(sorted(Counter(org.people["role"]).items())),
        units=len(org.units),
        opportunities=len(opps),
        history_rows=len(hist),
        first_created=pd.Timestamp(opps["created_on"].min()).date(),
        last_change=pd.Timestamp(hist["changed_at"].max()).date(),
        open_opportunities=int((~last.isin(["Won", "Lost"])).sum()),
        quotas=len(quotas),
        initiative_members=list(org.initiative_members),
    )
