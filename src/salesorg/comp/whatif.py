"""What-if: a plan and quotas over a distribution of outcomes, and two plans side by side.

Each person's bookings for the period are drawn from their own history of credited bookings per
period (the last ``history`` periods), either by **bootstrap** (resampling their past periods) or
from a **lognormal** fitted to their positive periods with a point mass at zero for empty ones
(the right skew of attainment, DOMAIN.md #6b). All draws use one seeded
``numpy.random.Generator`` and are vectorised (sims × people); the payout rule is the exact
integer core of the payouts (:mod:`salesorg.comp.core`). Comparing plans uses *common random
numbers*: the same simulated bookings pay under both plans, so the difference is the plan's.

Simulated figures carry P10/P50/P90 and the assumptions that drive them. Not simulated: draws
and clawbacks (they shift pay between periods), and any behaviour change the plan causes.

References:
    DOMAIN.md #6a (52–59 % of reps reach quota), #6b (right-skewed attainment),
    #8 (cost of sales 1–40 % of revenue), #10 (team pay as a minority share).
    Efron, B. & Tibshirani, R. (1993), *An Introduction to the Bootstrap*, Chapman & Hall.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from salesorg.comp.core import component_payout, rule_of, target_incentive
from salesorg.comp.history import booking_history, past_periods
from salesorg.comp.periods import Period, parse_window
from salesorg.comp.plan import Plan
from salesorg.comp.quotas_in import QuotaBook
from salesorg.errors import ConfigError, DataError
from salesorg.metrics.pit import reporting_line
from salesorg.store import Store

__all__ = ["Population", "SimResult", "evaluate", "load_population", "sample_bookings", "simulate"]

_Q = (10, 50, 90)


@dataclass
class Population:
    """Who is simulated, their history (cents, people × periods), units, quotas and costs."""

    period: Period
    people: list[str]
    history: np.ndarray
    credits: pd.DataFrame
    units: dict[str, str]
    quota: dict[str, int | None]
    fixed_cost_cents: int
    valid: np.ndarray | None = None  # per person: how many trailing periods count (since hire)
    warnings: list[str] = field(default_factory=list)


@dataclass
class SimResult:
    """Distribution of attainment, pay and cost of sales of one plan (P10/P50/P90)."""

    plan_id: str
    period: str
    n_sims: int
    method: str
    attainment: dict[str, float]
    share_at_or_above_quota: dict[str, float]
    variable_pay: dict[str, float]
    bookings: dict[str, float]
    cost_of_sales: dict[str, float]
    per_person: pd.DataFrame
    assumptions: list[str]
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "per_person"}
        d["per_person"] = self.per_person.to_dict(orient="records")
        return d


def _pcts(x: np.ndarray) -> dict[str, float]:
    q = np.percentile(x, _Q) if x.size else [np.nan] * 3
    return {f"p{p}": round(float(v), 4) for p, v in zip(_Q, q, strict=True)} | {
        "mean": round(float(np.mean(x)), 4) if x.size else float("nan")
    }


def load_population(
    store: Store,
    period: Period | str,
    people: list[str],
    *,
    kind: str = "quarter",
    history: int = 8,
    quotas: dict[str, int] | None = None,
) -> Population:
    """Gather what a simulation needs for ``people`` in ``period`` (one pass over the store)."""
    if isinstance(period, str):
        period = parse_window(period)
    if not people:
        raise DataError(f"nobody to simulate for {period.label} — assign people to the plan first")
    periods = past_periods(kind, period, history)
    hist = booking_history(store, periods, people)
    mat = (
        hist.pivot(index="person_id", columns="period_index", values="bookings_cents")
        .reindex(people)
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    # Periods before the data start (nobody booked anything yet) are not history: drop them.
    active = np.flatnonzero(mat.sum(axis=0) > 0)
    if active.size:
        mat = mat[:, active[0] :]
        periods = periods[active[0] :]
    units = {
        r.person_id: r.unit_id for r in reporting_line(store, period.end).execute().itertuples()
    }
    warnings = []
    book = QuotaBook(store)
    hired = dict(store.con.execute("SELECT person_id, hired_on FROM people").fetchall())
    valid = np.array(
        [
            sum(1 for per in periods if hired.get(p) is None or per.start >= hired[p])
            for p in people
        ],
        dtype=np.int64,
    )
    quota: dict[str, int | None] = {}
    for i, p in enumerate(people):
        q = (quotas or {}).get(p)
        quota[p] = q if q is not None else book.quota_cents(p, period)
        booked = int((mat[i, mat.shape[1] - valid[i] :] > 0).sum())
        if booked < 3:
            warnings.append(
                f"{p}: bookings in only {booked} of {valid[i]} full past periods since hire "
                "— thin history, wide intervals" + (" (simulated as zero)" if valid[i] == 0 else "")
            )
    year_days = (dt.date(period.start.year, 12, 31) - dt.date(period.start.year, 1, 1)).days + 1
    fixed = sum(
        Fraction(book.cost_per_year_cents(p, period.end)) * Fraction(period.days, year_days)
        for p in people
    )
    return Population(
        period,
        list(people),
        mat,
        hist.attrs["credits"],
        units,
        quota,
        round(fixed),
        valid=valid,
        warnings=warnings,
    )


def sample_bookings(
    pop: Population, *, n_sims: int, rng: np.random.Generator, method: str = "bootstrap"
) -> np.ndarray:
    """Simulated bookings in cents, shape (n_sims, people)."""
    h = pop.history
    n_people, n_hist = h.shape
    if n_hist == 0:
        raise DataError("no past periods to simulate from — pass a larger --history")
    valid = pop.valid if pop.valid is not None else np.full(n_people, n_hist)
    first = n_hist - valid  # periods before a person's hire do not count
    if method == "bootstrap":
        u = rng.random((n_sims, n_people))
        idx = first[None, :] + np.floor(u * valid[None, :]).astype(np.int64)
        idx = np.minimum(idx, n_hist - 1)
        return np.where(valid[None, :] > 0, h[np.arange(n_people)[None, :], idx], 0)
    if method == "lognormal":
        pos = (h > 0) & (np.arange(n_hist)[None, :] >= first[:, None])
        logs = np.where(pos, np.log(np.where(pos, h, 1)), np.nan)
        count = pos.sum(axis=1)
        mu = np.nanmean(np.where(count[:, None] > 0, logs, 0.0), axis=1)
        pooled = float(np.nanstd(logs, ddof=1)) if np.isfinite(logs).sum() > 1 else 0.5
        sd = np.array(
            [
                float(np.nanstd(r, ddof=1)) if c >= 3 else pooled
                for r, c in zip(logs, count, strict=True)
            ]
        )
        p_zero = 1 - count / np.maximum(valid, 1)
        z = rng.standard_normal((n_sims, n_people))
        u = rng.random((n_sims, n_people))
        draw = np.exp(mu[None, :] + sd[None, :] * z)
        return np.where((u < p_zero[None, :]) | (count[None, :] == 0), 0, np.rint(draw)).astype(
            np.int64
        )
    raise ConfigError(f"--method {method!r}: use bootstrap or lognormal")


def evaluate(
    plan: Plan,
    pop: Population,
    sims: np.ndarray,
    *,
    method: str = "bootstrap",
    ote: dict[str, Decimal] | None = None,
) -> SimResult:
    """Pay ``plan`` on simulated bookings ``sims`` (sims × people) and summarise."""
    n_sims, n = sims.shape
    people = pop.people
    quota = np.array([pop.quota[p] or 0 for p in people], dtype=np.int64)
    warnings = list(pop.warnings)
    missing = [p for p in people if not pop.quota[p]]
    if missing:
        warnings.append(
            f"no quota in {pop.period.label} for {', '.join(missing[:5])}: rate-table components pay 0"
        )
    total_pay = np.zeros((n_sims, n), dtype=np.int64)
    cr = pop.credits
    for comp in plan.components:
        share = np.ones(n)
        if comp.products or comp.deal_types:
            m = np.ones(len(cr), dtype=bool)
            if comp.products:
                m &= cr["product"].isin(comp.products).to_numpy()
            if comp.deal_types:
                m &= cr["deal_type"].isin(comp.deal_types).to_numpy()
            tot = cr.groupby("person_id")["credit_cents"].sum()
            sel = cr[m].groupby("person_id")["credit_cents"].sum()
            pooled = float(sel.sum() / tot.sum()) if tot.sum() else 0.0
            share = np.array(
                [float(sel.get(p, 0) / tot[p]) if tot.get(p, 0) else pooled for p in people]
            )
        credit = np.rint(sims * share[None, :]).astype(np.int64)
        q = quota
        if comp.measure == "team_bookings":
            unit_of = np.array([pop.units.get(p, p) for p in people])
            _, inv = np.unique(unit_of, return_inverse=True)
            team = np.zeros((n_sims, inv.max() + 1), dtype=np.int64)
            np.add.at(team.T, inv, credit.T)
            credit = team[:, inv]
            tq = np.zeros(inv.max() + 1, dtype=np.int64)
            np.add.at(tq, inv, quota)
            q = tq[inv]
        q = np.rint(q * float(comp.quota_share) / 100).astype(np.int64)
        tis = [target_incentive(plan, comp, (ote or {}).get(p)) for p in people]
        pay = component_payout(
            rule_of(comp),
            credit.ravel(),
            np.tile(q, n_sims),
            np.tile(np.array([t.numerator for t in tis], dtype=object), n_sims),
            np.tile(np.array([t.denominator for t in tis], dtype=object), n_sims),
        )
        total_pay += pay.reshape(n_sims, n)
    has_q = quota > 0
    att = sims[:, has_q] / quota[has_q][None, :]
    share_at = (att >= 1).mean(axis=1) if has_q.any() else np.zeros(n_sims)
    var_pay = total_pay.sum(axis=1) / 100
    book = sims.sum(axis=1) / 100
    cos = np.where(
        book > 0, (pop.fixed_cost_cents / 100 + var_pay) / np.where(book > 0, book, 1), np.nan
    )
    per_person = pd.DataFrame(
        {
            "person_id": people,
            "quota": quota / 100,
            "attainment_p50": np.where(
                has_q, np.median(sims, axis=0) / np.where(has_q, quota, 1), np.nan
            ),
            "p_at_or_above_quota": np.where(has_q, (sims >= quota[None, :]).mean(axis=0), np.nan),
            "payout_p10": np.percentile(total_pay, 10, axis=0) / 100,
            "payout_p50": np.percentile(total_pay, 50, axis=0) / 100,
            "payout_p90": np.percentile(total_pay, 90, axis=0) / 100,
        }
    )
    return SimResult(
        plan_id=plan.plan_id,
        period=pop.period.label,
        n_sims=n_sims,
        method=method,
        attainment=_pcts(att.ravel()),
        share_at_or_above_quota=_pcts(share_at),
        variable_pay=_pcts(var_pay),
        bookings=_pcts(book),
        cost_of_sales=_pcts(cos[np.isfinite(cos)]),
        per_person=per_person,
        assumptions=[
            f"bookings per person drawn by {method} from {pop.history.shape[1]} past periods",
            "people book independently of each other and of the plan (no behaviour change)",
            "draws and clawbacks not simulated",
            "benchmark: 52–59 % of reps reach quota (CSO Insights, DOMAIN.md #6a)",
        ],
        warnings=warnings,
    )


def simulate(
    store: Store,
    plan: Plan,
    period: Period | str,
    people: list[str],
    *,
    rng: np.random.Generator,
    n_sims: int = 2000,
    method: str = "bootstrap",
    history: int = 8,
    quotas: dict[str, int] | None = None,
) -> SimResult:
    """Simulate ``plan`` with the period's (or given) quotas for ``people``."""
    pop = load_population(store, period, people, kind=plan.period, history=history, quotas=quotas)
    sims = sample_bookings(pop, n_sims=n_sims, rng=rng, method=method)
    return evaluate(plan, pop, sims, method=method)
