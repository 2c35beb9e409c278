"""Monte Carlo over every uncertain assumption, vectorised over trials × people.

Each trial draws one value of every assumption (:data:`~salesorg.orgdesign.assumptions.DEFAULTS`
or overrides) and one standard-normal per person; all scenarios of a comparison see the same
draws (common random numbers), so ``P(scenario beats baseline)`` compares like with like.

Work per trial is done at the level of *groups* of sellers that share everything but their
baseline (the same kind and span of leader, lead or not, in a cell or not, and the same
reference group in the current organisation): the time budgets and response factors are
computed once per group and trial, and only the lognormal draw, the gather and the sums
touch the full ``trials × people`` array. Trials are processed in chunks to bound memory.

"beats baseline" means a lower cost of sales (sales cost ÷ bookings) in the same trial; the
share of trials with more bookings than the baseline is reported beside it.

References:
    Common random numbers: Law, A. M. (2015), *Simulation Modeling and Analysis*, 5th ed.,
    ch. 11. One-at-a-time sensitivity (tornado): Saltelli et al. (2008), *Global Sensitivity
    Analysis: The Primer*, ch. 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from salesorg.errors import ConfigError
from salesorg.orgdesign.assumptions import DEFAULTS, Assumptions
from salesorg.orgdesign.orgmodel import MANAGEMENT, SELLERS, OrgModel
from salesorg.orgdesign.outcome import (
    Baselines,
    coaching_factor,
    fit_baselines,
    team_quota_factor,
)
from salesorg.orgdesign.timebudget import reporting_hours, time_budget

__all__ = ["QUANTITIES", "Comparison", "ScenarioResult", "simulate"]

#: The simulated quantities, each reported as P10/P50/P90.
QUANTITIES = (
    "bookings",
    "cost_of_sales_pct",
    "coaching_hours_per_am_month",
    "selling_hours_per_am_week",
    "reporting_hours_per_manager_week",
    "share_above_quota",
)
_CHUNK_ELEMENTS = 4_000_000


@dataclass
class _Prepared:
    org: OrgModel
    idx: np.ndarray  # sellers' positions in the union of people
    mu: np.ndarray  # log-scale location of annual bookings (float32)
    sd: np.ndarray
    log_quota: np.ndarray  # +inf where no quota
    has_quota: np.ndarray
    group: np.ndarray  # group index per seller
    keys: list[tuple[Any, ...]]  # (kind, span, is_lead, in_cell, ref_kind, ref_span, ref_lead)
    counts: np.ndarray  # sellers per group
    leaders: list[tuple[str, int]]  # (kind, span) of every person leading sellers
    cost: float
    mean_annual: np.ndarray


@dataclass
class ScenarioResult:
    """One scenario's structure and its per-trial draws of every quantity."""

    name: str
    org: OrgModel
    draws: dict[str, np.ndarray]
    p_beats_baseline: float | None
    p_more_bookings: float | None
    is_baseline: bool = False

    def quantiles(self, name: str) -> dict[str, float]:
        q = np.quantile(self.draws[name], [0.1, 0.5, 0.9])
        return {"p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}

    def summary(self) -> dict[str, Any]:
        """The documented JSON object of ``salesorg scenario compare`` for this scenario."""
        out: dict[str, Any] = {
            "scenario": self.name,
            "managers": self.org.managers,
            "front_line_managers": self.org.front_line_managers,
            "layers": self.org.layers,
            "mean_span": round(self.org.mean_span(), 3),
            "headcount": self.org.headcount(),
            "cost": round(self.org.cost(), 2),
            "automated_reporting": self.org.automated,
        }
        for q in QUANTITIES:
            out[q] = self.quantiles(q)
        out["p_beats_baseline"] = self.p_beats_baseline
        out["p_more_bookings"] = self.p_more_bookings
        return out


@dataclass
class Comparison:
    """Scenarios simulated together: results, tornado and the assumptions used."""

    results: list[ScenarioResult]
    trials: int
    seed: int | None
    assumptions: Assumptions
    tornado: pd.DataFrame
    baselines: Baselines
    notes: list[str] = field(default_factory=list)
    calibration: Any = None

    def summaries(self) -> list[dict[str, Any]]:
        return [r.summary() for r in self.results]


def _leader_of(people: pd.DataFrame) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """For every person: their manager's kind (manager/cell_lead/none) and span."""
    span = people.groupby("manager_id").size().to_dict()
    fam = dict(zip(people["person_id"], people["family"], strict=True))
    mgr = people["manager_id"]
    kind = mgr.map(
        lambda m: (
            "none"
            if not isinstance(m, str) or m not in fam
            else ("manager" if fam[m] in MANAGEMENT else "cell_lead")
        )
    )
    return kind, mgr.map(lambda m: int(span.get(m, 0)) if isinstance(m, str) else 0), span


def _prepare(
    org: OrgModel, base: OrgModel, baselines: Baselines, union: dict[str, int]
) -> _Prepared:
    p = org.people
    kind, lspan, span = _leader_of(p)
    bkind, blspan, bspan = _leader_of(base.people)
    ref_kind = dict(zip(base.people["person_id"], bkind, strict=True))
    ref_span = dict(zip(base.people["person_id"], blspan, strict=True))
    ref_lead = {
        pid: int(bspan.get(pid, 0)) > 0 and f in SELLERS
        for pid, f in zip(base.people["person_id"], base.people["family"], strict=True)
    }
    sellers = p["family"].isin(SELLERS).to_numpy()
    s = p[sellers]
    common = pd.Series(list(zip(bkind, blspan, strict=True)))[
        base.people["family"].isin(SELLERS).to_numpy()
    ].mode()
    default_ref = common.iloc[0] if len(common) else ("manager", 8)
    keys: list[tuple[Any, ...]] = []
    key_ix: dict[tuple[Any, ...], int] = {}
    group = np.empty(len(s), dtype=np.int64)
    for j, (pid, k, sp, cell) in enumerate(
        zip(s["person_id"], kind[sellers], lspan[sellers], s["cell_id"], strict=True)
    ):
        is_lead = int(span.get(pid, 0)) > 0
        if pid in ref_kind and ref_kind[pid] != "none":
            rk, rs, rl = ref_kind[pid], ref_span[pid], ref_lead[pid]
        else:
            rk, rs, rl = default_ref[0], default_ref[1], False
        key = (k, int(sp), is_lead, isinstance(cell, str), rk, int(rs), rl)
        if key not in key_ix:
            key_ix[key] = len(keys)
            keys.append(key)
        group[j] = key_ix[key]
    mean, sd = baselines.for_people(s["person_id"], s["family"])
    mean = np.maximum(mean, 1e-6)
    mu = np.log(mean) - sd**2 / 2
    quota = s["quota"].to_numpy(dtype=float)
    has_q = np.isfinite(quota) & (quota > 0)
    lq = np.where(has_q, np.log(np.where(has_q, quota, 1.0)), np.inf)
    leaders = []
    fam = dict(zip(p["person_id"], p["family"], strict=True))
    for m in sorted({m for m in s["manager_id"] if isinstance(m, str) and m in fam}):
        leaders.append(("manager" if fam[m] in MANAGEMENT else "cell_lead", int(span.get(m, 0))))
    return _Prepared(
        org=org,
        idx=np.array([union[x] for x in s["person_id"]], dtype=np.int64),
        mu=mu.astype(np.float32),
        sd=sd.astype(np.float32),
        log_quota=lq.astype(np.float32),
        has_quota=has_q,
        group=group,
        keys=keys,
        counts=np.bincount(group, minlength=len(keys)).astype(float),
        leaders=leaders,
        cost=float(p["cost"].fillna(0).sum()),
        mean_annual=mean,
    )


def _coaching(kind: str, span: int, automated: bool, prm: dict[str, Any]) -> np.ndarray:
    """Coaching hours per month a person receives from a leader of this kind and span."""
    wpm = prm["weeks_per_month"]
    if kind == "manager":
        from salesorg.orgdesign.timebudget import coaching_per_am_month

        return np.asarray(coaching_per_am_month(span, automated=automated, assumptions=prm))
    if kind == "cell_lead":
        lead = time_budget("cell_lead", span=span, assumptions=prm)
        return np.asarray(lead.coaching_given) * wpm / max(span, 1)
    return np.zeros_like(np.asarray(prm["coaching_share"], dtype=float))


def _selling(is_lead: bool, automated: bool, prm: dict[str, Any]) -> np.ndarray:
    if is_lead:
        return np.asarray(time_budget("cell_lead", span=1, assumptions=prm).own_deals)
    return np.asarray(
        time_budget("am", automated=automated, coaching_received_month=0.0, assumptions=prm).selling
    )


def _group_terms(
    prep: _Prepared, automated: bool, ref_automated: bool, share: float, prm: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group and trial: log factor, coaching received (h/month), selling hours (h/week)."""
    n = np.asarray(prm["coaching_share"]).shape[0]
    lf = np.empty((n, len(prep.keys)))
    coach = np.empty_like(lf)
    sell = np.empty_like(lf)
    cache: dict[tuple[Any, ...], np.ndarray] = {}

    def c(kind: str, span: int, auto: bool) -> np.ndarray:
        k = ("c", kind, span, auto)
        if k not in cache:
            cache[k] = np.broadcast_to(_coaching(kind, span, auto, prm), (n,))
        return cache[k]

    def s(lead: bool, auto: bool) -> np.ndarray:
        k = ("s", lead, auto)
        if k not in cache:
            cache[k] = np.broadcast_to(_selling(lead, auto, prm), (n,))
        return cache[k]

    tq = np.log(team_quota_factor(prm["team_quota_effect"], share))
    for g, (kind, span, lead, cell, rk, rs, rl) in enumerate(prep.keys):
        c1, c0 = c(kind, span, automated), c(rk, rs, ref_automated)
        s1, s0 = s(lead, automated), s(rl, ref_automated)
        f = prm["selling_elasticity"] * np.log(np.maximum(s1, 1e-9) / np.maximum(s0, 1e-9))
        f = f + np.log(
            coaching_factor(c1, prm["coaching_max_lift"], prm["coaching_half_hours"])
            / coaching_factor(c0, prm["coaching_max_lift"], prm["coaching_half_hours"])
        )
        # calibrated power response (0 unless set from history)
        f = f + prm["coaching_elasticity"] * np.log(np.maximum(c1, 0.1) / np.maximum(c0, 0.1))
        lf[:, g] = f + (tq if cell else 0.0)
        coach[:, g], sell[:, g] = c1, s1
    return lf, coach, sell


def _reporting(prep: _Prepared, automated: bool, prm: dict[str, Any]) -> np.ndarray:
    n = np.asarray(prm["coaching_share"]).shape[0]
    if not prep.leaders:
        return np.zeros(n)
    tot = np.zeros(n)
    wpm = prm["weeks_per_month"]
    for kind, span in prep.leaders:
        if kind == "manager":
            tot = tot + np.asarray(
                reporting_hours(span, automated=automated, assumptions=prm).per_week
            )
        else:
            tot = tot + np.asarray(prm["cell_reporting_hours_month"]) / wpm
    return tot / len(prep.leaders)


def _params(
    assumptions: Assumptions,
    overrides: dict[str, Any],
    base: dict[str, np.ndarray],
    rng: np.random.Generator,
    n: int,
) -> dict[str, Any]:
    prm: dict[str, Any] = dict(base)
    if overrides:
        changed = assumptions.override(overrides)
        for k in overrides:
            prm[k] = changed[k].sample(rng, n)
    return prm


def simulate(
    scenarios: list[OrgModel],
    *,
    baseline: OrgModel,
    trials: int = 10_000,
    rng: np.random.Generator,
    assumptions: Assumptions = DEFAULTS,
    seed: int | None = None,
    tornado: bool = True,
) -> Comparison:
    """Simulate ``scenarios`` (and ``baseline``, the current organisation) together.

    Args:
        scenarios: organisations from :func:`~salesorg.orgdesign.scenario.apply_scenario`.
        baseline: the organisation as it is (history and reference for every ratio).
        trials: Monte Carlo trials (P10/P50/P90 need a few hundred; 10,000 by default).
        rng: the random generator; the same seed gives the same result.
    """
    if trials < 10:
        raise ConfigError(f"--trials {trials}: need at least 10 trials")
    baselines = fit_baselines(baseline, shrinkage_strength=assumptions["shrinkage_strength"].value)
    union: dict[str, int] = {}
    for org in [baseline, *scenarios]:
        for pid in org.people["person_id"]:
            union.setdefault(pid, len(union))
    preps = [_prepare(o, baseline, baselines, union) for o in scenarios]
    n_union = max(len(union), 1)
    chunk = max(1, min(trials, _CHUNK_ELEMENTS // n_union))
    keys = list(QUANTITIES)
    draws = [{k: np.empty(trials) for k in keys} for _ in preps]
    # scenario-specific overrides with a range get their own (seeded) stream
    ovr_rng = [np.random.default_rng(int(x)) for x in rng.integers(0, 2**63 - 1, size=len(preps))]
    start = 0
    while start < trials:
        n = min(chunk, trials - start)
        base_prm = assumptions.sample(rng, n)
        z = rng.standard_normal((n, n_union), dtype=np.float32)
        for j, (prep, d) in enumerate(zip(preps, draws, strict=True)):
            org = prep.org
            prm = _params(assumptions, org.overrides, base_prm, ovr_rng[j], n)
            lf, coach, sell = _group_terms(
                prep, org.automated, baseline.automated, org.team_quota_share, prm
            )
            scale = np.asarray(prm["person_noise_scale"], dtype=np.float32)[:, None]
            logb = z[:, prep.idx]
            logb *= prep.sd
            logb *= scale
            logb += prep.mu
            logb += lf.astype(np.float32)[:, prep.group]
            above = (logb > prep.log_quota).sum(axis=1)
            nq = max(int(prep.has_quota.sum()), 1)
            np.exp(logb, out=logb)
            book = logb.sum(axis=1, dtype=np.float64)
            sl = slice(start, start + n)
            d["bookings"][sl] = book
            d["cost_of_sales_pct"][sl] = np.where(
                book > 0, 100.0 * prep.cost / np.maximum(book, 1e-9), np.inf
            )
            nonlead = np.array([not k[2] for k in prep.keys])
            w = prep.counts * nonlead
            d["coaching_hours_per_am_month"][sl] = (coach @ w) / max(w.sum(), 1)
            d["selling_hours_per_am_week"][sl] = (sell @ prep.counts) / max(prep.counts.sum(), 1)
            d["reporting_hours_per_manager_week"][sl] = _reporting(prep, org.automated, prm)
            d["share_above_quota"][sl] = above / nq
        start += n
    ref = next((i for i, o in enumerate(scenarios) if o is baseline), None)
    if ref is None:
        ref = next((i for i, o in enumerate(scenarios) if o.name == "baseline"), None)
    results = []
    for i, (prep, d) in enumerate(zip(preps, draws, strict=True)):
        if ref is None or i == ref:
            pb = pm = None
        else:
            pb = float(np.mean(d["cost_of_sales_pct"] < draws[ref]["cost_of_sales_pct"]))
            pm = float(np.mean(d["bookings"] > draws[ref]["bookings"]))
        results.append(ScenarioResult(prep.org.name, prep.org, d, pb, pm, is_baseline=(i == ref)))
    torn = (
        _tornado(preps, ref, baseline, assumptions)
        if tornado and ref is not None
        else pd.DataFrame()
    )
    notes = (
        []
        if ref is not None
        else ["no baseline among the scenarios: P(beats baseline) not computed"]
    )
    return Comparison(results, trials, seed, assumptions, torn, baselines, notes)


def _expected(
    prep: _Prepared, org: OrgModel, ref_auto: bool, prm: dict[str, Any], assumptions: Assumptions
) -> tuple[np.ndarray, np.ndarray]:
    """Expected bookings and cost of sales (%) per parameter row (no person noise)."""
    lf, _, _ = _group_terms(prep, org.automated, ref_auto, org.team_quota_share, prm)
    sums = np.bincount(prep.group, weights=prep.mean_annual, minlength=len(prep.keys))
    book = np.exp(lf) @ sums
    return book, 100.0 * prep.cost / np.maximum(book, 1e-9)


def _tornado(
    preps: list[_Prepared], ref: int, baseline: OrgModel, assumptions: Assumptions
) -> pd.DataFrame:
    """Swing of each scenario's difference to the baseline when one assumption goes P10 → P90."""
    names = [k for k in sorted(assumptions) if assumptions[k].low != assumptions[k].high]
    pts = assumptions.points()
    rows_n = 2 * len(names) + 1
    prm: dict[str, Any] = {k: np.full(rows_n, v) for k, v in pts.items()}
    for i, k in enumerate(names):
        prm[k][2 * i] = assumptions[k].low
        prm[k][2 * i + 1] = assumptions[k].high
    out = []
    rb, rc = _expected(preps[ref], preps[ref].org, baseline.automated, prm, assumptions)
    for j, prep in enumerate(preps):
        if j == ref:
            continue
        b, c = _expected(prep, prep.org, baseline.automated, prm, assumptions)
        db, dc = b - rb, c - rc
        for i, k in enumerate(names):
            a = assumptions[k]
            out.append(
                {
                    "scenario": prep.org.name,
                    "assumption": k,
                    "p10": a.low,
                    "p90": a.high,
                    "confidence": a.confidence,
                    "bookings_diff_at_p10": db[2 * i],
                    "bookings_diff_at_p90": db[2 * i + 1],
                    "bookings_diff_at_point": db[-1],
                    "cos_diff_at_p10": dc[2 * i],
                    "cos_diff_at_p90": dc[2 * i + 1],
                    "cos_diff_at_point": dc[-1],
                    "bookings_swing": abs(db[2 * i + 1] - db[2 * i]),
                    "cos_swing_pts": abs(dc[2 * i + 1] - dc[2 * i]),
                }
            )
    df = pd.DataFrame(out)
    if len(df):
        df = df.sort_values(["scenario", "bookings_swing"], ascending=[True, False]).reset_index(
            drop=True
        )
    return df
