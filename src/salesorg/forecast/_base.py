"""What every forecaster shares: groups, booked and open pipeline, the Bernoulli Monte Carlo.

A forecast for a period is ``booked`` (deals already won with a close date in the period, as
known at ``as_of``) plus a random amount still to come. For the deal-level methods
(``weighted``, ``weighted-learned``, ``markov``) the amount to come is a sum over open deals of
``amount × Bernoulli(p)`` with independent deals — the standard reading of a weighted pipeline
as a probability model — plus, for ``markov``, deals not yet created. Its quantiles are
simulated with an explicit :class:`numpy.random.Generator`, vectorised over trials and chunked
over deals so memory stays bounded.

Groups: ``company`` (one row), ``owner`` (owner at ``as_of``) or ``unit`` (the owner's unit at
``as_of``, rolled up the unit tree, so a unit's row includes every unit below it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import scipy.sparse as sp

from salesorg.errors import ConfigError
from salesorg.forecast._period import Period, parse_period
from salesorg.forecast.history import NODATE, HistoryView, day_number

__all__ = ["BY", "Forecaster", "Groups", "bernoulli_totals", "build_groups", "summarise"]

BY = ("company", "unit", "owner")
KEY = {"company": "company", "unit": "unit_id", "owner": "owner_id"}
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class Groups:
    """Group labels and a sparse membership matrix (opportunity code × group)."""

    by: str
    labels: list[str]
    member: sp.csr_matrix  # n_opportunities × n_groups, 0/1

    @property
    def key(self) -> str:
        return KEY[self.by]

    def rows(self, opp: np.ndarray) -> sp.csr_matrix:
        return self.member[opp]


def _company_label(units: pd.DataFrame) -> str:
    roots = units[units.kind == "company"]
    return str(roots.unit_id.iloc[0]) if len(roots) == 1 else "company"


def build_groups(view: HistoryView, by: str) -> Groups:
    """Membership of every opportunity (by its owner at ``as_of``) in the groups of ``by``."""
    import scipy.sparse as sp  # here: importing scipy costs a pack that reads a cached forecast

    if by not in BY:
        raise ConfigError(f"--by {by!r} is not one of {', '.join(BY)}")
    h = view.full
    n = h.n_opps
    st = view.state
    owner = np.full(n, -1, dtype=np.int64)
    owner[st["opp"]] = st["owner"]
    if by == "company":
        return Groups(by, [_company_label(h.units)], sp.csr_matrix(np.ones((n, 1))))
    if by == "owner":
        used = np.unique(owner[owner >= 0])
        labels = [h.person_ids[i] for i in used]
        col = np.searchsorted(used, owner)
        ok = owner >= 0
        m = sp.csr_matrix((np.ones(ok.sum()), (np.flatnonzero(ok), col[ok])), shape=(n, len(used)))
        return Groups(by, labels, m)
    unit_of = view.unit_of_people()
    parent = dict(zip(h.units.unit_id, h.units.parent_unit_id, strict=True))
    person_units: list[list[str]] = []
    for pid in h.person_ids:
        chain: list[str] = []
        u = unit_of.get(pid)
        if u is None:
            chain.append(UNASSIGNED)
        while u is not None and u not in chain and isinstance(u, str):
            chain.append(u)
            u = parent.get(u)
        person_units.append(chain)
    labels = sorted({u for ch in person_units for u in ch})
    li = {u: i for i, u in enumerate(labels)}
    p_rows, p_cols = [], []
    for pi, ch in enumerate(person_units):
        for u in ch:
            p_rows.append(pi)
            p_cols.append(li[u])
    pm = sp.csr_matrix(
        (np.ones(len(p_rows)), (p_rows, p_cols)), shape=(len(h.person_ids), len(labels))
    )
    om = sp.csr_matrix(
        (np.ones((owner >= 0).sum()), (np.flatnonzero(owner >= 0), owner[owner >= 0])),
        shape=(n, len(h.person_ids)),
    )
    m = (om @ pm).tocsr()
    used = np.flatnonzero(np.asarray(m.sum(axis=0)).ravel() > 0)
    return Groups(by, [labels[i] for i in used], m[:, used].tocsr())


def bernoulli_totals(
    p: np.ndarray,
    amount: np.ndarray,
    member: sp.csr_matrix,
    *,
    trials: int,
    rng: np.random.Generator,
    exact_deals: int = 2_000,
    chunk_cells: int = 20_000_000,
) -> np.ndarray:
    """Simulated totals ``trials × groups`` of ``Σ amount_i · Bernoulli(p_i)`` per group.

    The ``exact_deals`` deals with the largest variance ``amount² · p · (1 − p)`` are drawn one
    by one; when there are more, the rest — each smaller than every exactly drawn deal — are
    summed by the central limit theorem (Lyapunov): per group a normal with their exact mean
    and variance, floored at 0. With thousands of small independent terms the normal is
    accurate, and a forecast of 100,000 open deals costs the same as one of 2,000. Deals with
    ``p = 0`` or ``amount = 0`` take no draw; a seed fixes the result.

    References:
        Billingsley (1995), *Probability and Measure*, 3rd ed., Thm 27.3 (Lyapunov CLT).
    """
    import scipy.sparse as sp

    g = member.shape[1]
    out = np.zeros((trials, g))
    live = np.flatnonzero((p > 0) & (amount > 0))
    if not len(live):
        return out
    if len(live) > exact_deals:
        var = amount[live] ** 2 * p[live] * (1 - p[live])
        order = np.argsort(-var, kind="stable")
        rest = np.sort(live[order[exact_deals:]])
        live = np.sort(live[order[:exact_deals]])
        m_rest = member[rest]
        mean = np.asarray(m_rest.T @ (amount[rest] * p[rest])).ravel()
        sd = np.sqrt(np.asarray(m_rest.T @ (amount[rest] ** 2 * p[rest] * (1 - p[rest]))).ravel())
        out += np.maximum(mean + sd * rng.standard_normal((trials, g)), 0.0)
    step = max(1, chunk_cells // max(trials, 1))
    for lo in range(0, len(live), step):
        idx = live[lo : lo + step]
        u = rng.random((trials, len(idx)), dtype=np.float32)
        won = (u < p[idx].astype(np.float32)).astype(np.float32)
        w = sp.diags(amount[idx]) @ member[idx]
        if g == 1:
            out[:, 0] += won @ np.asarray(w.todense()).ravel()
        else:
            out += np.asarray((w.T @ won.T).T)
    return out


def summarise(
    groups: Groups,
    totals: np.ndarray,
    booked: np.ndarray,
    open_pipeline: np.ndarray,
    method: str,
    *,
    mean: np.ndarray | None = None,
) -> pd.DataFrame:
    """The forecast table: group key, p10, p50, p90, mean, booked, open_pipeline, method.

    ``totals`` are the simulated amounts still to come (``trials × groups``); ``mean`` their
    exact expectation when known (else the simulated mean).
    """
    q = np.quantile(totals, [0.1, 0.5, 0.9], axis=0) if len(totals) else np.zeros((3, len(booked)))
    df = pd.DataFrame(
        {
            groups.key: groups.labels,
            "p10": booked + q[0],
            "p50": booked + q[1],
            "p90": booked + q[2],
            "mean": booked + (mean if mean is not None else totals.mean(axis=0)),
            "booked": booked,
            "open_pipeline": open_pipeline,
            "method": method,
        }
    )
    for c in ("p10", "p50", "p90", "mean", "booked", "open_pipeline"):
        df[c] = df[c].astype(float).round(2)
    empty = (df[groups.key] == UNASSIGNED) & (df.p90 == 0) & (df.open_pipeline == 0)
    return df[~empty].reset_index(drop=True)


class Forecaster:
    """Base of every forecaster: ``fit(view) -> self`` then ``predict(period, ...)``.

    Subclasses set :attr:`method` and implement :meth:`fit` (learning from ``view`` only) and
    either :meth:`deal_probabilities` (deal-level methods) or :meth:`predict` itself.
    """

    method: ClassVar[str] = ""

    def __init__(self, *, trials: int = 10_000, seed: int | None = 0) -> None:
        self.trials = trials
        self.seed = seed

    # -- to be provided ------------------------------------------------------------------
    def fit(self, history: HistoryView) -> Forecaster:
        self.history_ = history
        return self

    def deal_probabilities(self, period: Period, deals: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def extra_totals(
        self, period: Period, groups: Groups, trials: int, rng: np.random.Generator
    ) -> np.ndarray | None:
        """Amounts not tied to an open deal (``trials × groups``), or None."""
        return None

    # -- shared --------------------------------------------------------------------------
    @property
    def as_of(self) -> dt.date:
        return self.history_.as_of

    def _rng(self, rng: np.random.Generator | None, seed: int | None) -> np.random.Generator:
        if rng is not None:
            return rng
        return np.random.default_rng(self.seed if seed is None else seed)

    def period_deals(self, period: Period) -> dict[str, Any]:
        """Open deals (all, and those closing in the period) and deals booked in the period."""
        return period_deals(self.history_, period)

    def predict(
        self,
        period: Period | str,
        *,
        by: str = "company",
        trials: int | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """P10/P50/P90, mean, booked and open pipeline for ``period`` by ``by``."""
        period = parse_period(period)
        trials = self.trials if trials is None else trials
        gen = self._rng(rng, seed)
        groups = build_groups(self.history_, by)
        d = self.period_deals(period)
        booked = _group_sum(groups, d["won"]["opp"], d["won"]["amount_rc"])
        pipe = _group_sum(groups, d["in_period"]["opp"], d["in_period"]["amount_rc"])
        p = self.deal_probabilities(period, d["open"])
        self.last_p_ = p
        self.last_deals_ = d["open"]
        totals = bernoulli_totals(
            p, d["open"]["amount_rc"], groups.rows(d["open"]["opp"]), trials=trials, rng=gen
        )
        mean = _group_sum(groups, d["open"]["opp"], p * d["open"]["amount_rc"])
        extra = self.extra_totals(period, groups, trials, gen)
        if extra is not None:
            totals = totals + extra
            mean = mean + extra.mean(axis=0)
        return summarise(groups, totals, booked, pipe, self.method, mean=mean)


def _group_sum(groups: Groups, opp: np.ndarray, amount: np.ndarray) -> np.ndarray:
    if not len(opp):
        return np.zeros(len(groups.labels))
    return np.asarray(groups.rows(opp).T @ amount).ravel()


def period_deals(view: HistoryView, period: Period) -> dict[str, Any]:
    """Split the state at ``as_of`` into ``open``, ``in_period`` (open, closing in the period)
    and ``won`` (won, close date in the period); each a dict of arrays."""
    h, st = view.full, view.state
    lo, hi = day_number(period.start), day_number(period.end)
    closed = h.is_closed[st["stage"]]
    won = h.is_won[st["stage"]]
    close = st["close"]
    won_day = np.where(close == NODATE, st["stage_since"] // 86400, close)
    open_ = ~closed
    in_period = open_ & (close >= lo) & (close <= hi)
    booked = won & (won_day >= lo) & (won_day <= hi)
    return {
        "open": {k: v[open_] for k, v in st.items()},
        "in_period": {k: v[in_period] for k, v in st.items()},
        "won": {k: v[booked] for k, v in st.items()},
    }
