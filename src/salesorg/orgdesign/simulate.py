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
    idx: np.ndarray  # sellers' columns in the union of (person, baseline) over all scenarios
    mu: np.ndarray  # log-scale location of annual bookings (float32)
    sd: np.ndarray
    log_quota: np.ndarray  # +inf where no quota
    has_quota: np.ndarray
    group: np.ndarray  # group index per seller
    keys: list[tuple[Any, ...]]  # (kind, span, is_lead, in_cell, ref_kind, ref_span, ref_lead)
    counts: np.ndarray  # sellers per group
    leaders: list[tuple[tuple[str, int], int]]  # ((kind, span), how many) of those leading sellers
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


def _leader_of(people: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """For every person: their manager's kind (manager/cell_lead/none) and span; spans by id."""
    span = people.groupby("manager_id").size()
    fam = people.set_index("person_id")["family"]
    mf = people["manager_id"].map(fam)
    kind = pd.Series(
        np.where(mf.isna(), "none", np.where(mf.isin(MANAGEMENT), "manager", "cell_lead")),
        index=people.index,
    )
    lspan = people["manager_id"].map(span).fillna(0).astype(int)
    return kind, lspan, span


def _prepare(
    org: OrgModel, base: OrgModel, baselines: Baselines, union: dict[tuple[str, float, float], int]
) -> _Prepared:
    p = org.people
    kind, lspan, span = _leader_of(p)
    bp = base.people
    bkind, blspan, bspan = _leader_of(bp)
    b_seller = bp["family"].isin(SELLERS)
    ref = pd.DataFrame(
        {
            "rk": bkind.to_numpy(),
            "rs": blspan.to_numpy(),
            "rl": (bp["person_id"].map(bspan).fillna(0).to_numpy() > 0) & b_seller.to_numpy(),
        },
        index=bp["person_id"].to_numpy(),
    )
    common = ref[b_seller.to_numpy()][["rk", "rs"]].value_counts()
    default_ref = common.index[0] if len(common) else ("manager", 8)
    sellers = p["family"].isin(SELLERS).to_numpy()
    s = p[sellers]
    r = ref.reindex(s["person_id"].to_numpy())
    has_ref = r["rk"].notna().to_numpy() & (r["rk"] != "none").to_numpy()
    keys_df = pd.DataFrame(
        {
            "kind": kind[sellers].to_numpy(),
            "span": lspan[sellers].to_numpy(),
            "lead": s["person_id"].map(span).fillna(0).to_numpy() > 0,
            "cell": s["cell_id"].map(lambda c: isinstance(c, str)).to_numpy(dtype=bool),
            "rk": np.where(has_ref, r["rk"].to_numpy(dtype=object), default_ref[0]),
            "rs": np.where(has_ref, r["rs"].fillna(0).to_numpy(), default_ref[1]).astype(int),
            "rl": np.where(has_ref, r["rl"].fillna(False).to_numpy(dtype=bool), False),
        }
    )
    codes, uniq = pd.MultiIndex.from_frame(keys_df).factorize()
    group = np.asarray(codes, dtype=np.int64)
    keys: list[tuple[Any, ...]] = [
        (k, int(sp), bool(ld), bool(c), rk, int(rs), bool(rl)) for k, sp, ld, c, rk, rs, rl in uniq
    ]
    mean, sd = baselines.for_people(s["person_id"], s["family"])
    mean = np.maximum(mean, 1e-6)
    mu = np.log(mean) - sd**2 / 2
    quota = s["quota"].to_numpy(dtype=float)
    has_q = np.isfinite(quota) & (quota > 0)
    lq = np.where(has_q, np.log(np.where(has_q, quota, 1.0)), np.inf)
    fam = p.set_index("person_id")["family"]
    lead_ids = pd.Series(s["manager_id"].dropna().unique())
    lead_ids = lead_ids[lead_ids.isin(fam.index)]
    lk = pd.DataFrame(
        {
            "kind": np.where(lead_ids.map(fam).isin(MANAGEMENT), "manager", "cell_lead"),
            "span": lead_ids.map(span).fillna(0).astype(int).to_numpy(),
        }
    )
    leaders = [((k, int(sp)), int(n)) for (k, sp), n in lk.value_counts().sort_index().items()]
    mu32, sd32 = mu.astype(np.float32), sd.astype(np.float32)
    idx = np.array(
        [
            union.setdefault((pid, float(m), float(d)), len(union))
            for pid, m, d in zip(s["person_id"], mu32, sd32, strict=True)
        ],
        dtype=np.int64,
    )
    return _Prepared(
        org=org,
        idx=idx,
        mu=mu32,
        sd=sd32,
        log_quota=lq.astype(np.float32),
        has_quota=has_q,
        group=group,
        keys=keys,
        counts=np.bincount(group, minlength=len(keys)).astype(float),
        leaders=leaders,
        cost=float(p["cost"].fillna(0).sum()),
        mean_annual=mean,
    )


@dataclass
class _Columns:
    """A scenario over the union columns: group membership matrix, group per column, quota."""

    member: np.ndarray  # (columns, groups) float32 0/1
    group: np.ndarray  # (columns,) group index; non-members point at an extra zero group
    log_quota: np.ndarray  # (columns,) +inf for non-members and sellers without a quota


def _columns(prep: _Prepared, n_cols: int) -> _Columns:
    g = len(prep.keys)
    member = np.zeros((n_cols, g), dtype=np.float32)
    member[prep.idx, prep.group] = 1.0
    group = np.full(n_cols, g, dtype=np.int64)
    group[prep.idx] = prep.group
    lq = np.full(n_cols, np.inf, dtype=np.float32)
    lq[prep.idx] = prep.log_quota
    return _Columns(member, group, lq)


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
    """Mean reporting hours per week over everyone leading sellers (one value per trial)."""
    n = np.asarray(prm["coaching_share"]).shape[0]
    if not prep.leaders:
        return np.zeros(n)
    tot = np.zeros(n)
    wpm = prm["weeks_per_month"]
    for (kind, span), count in prep.leaders:
        if kind == "manager":
            h = np.asarray(reporting_hours(span, automated=automated, assumptions=prm).per_week)
        else:
            h = np.asarray(prm["cell_reporting_hours_month"]) / wpm
        tot = tot + count * h
    return tot / sum(c for _, c in prep.leaders)


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
    for o in scenarios:
        if "person_noise_scale" in o.overrides:
            raise ConfigError(
                f"scenario {o.name}: [assumptions] person_noise_scale cannot differ between "
                "scenarios (it scales the shared random draws) — remove it from the scenario"
            )
    # one random column per seller and baseline, shared by every scenario (common random numbers)
    union: dict[tuple[str, float, float], int] = {}
    preps = [_prepare(o, baseline, baselines, union) for o in scenarios]
    n_cols = max(len(union), 1)
    mu_c, sd_c = np.zeros(n_cols, np.float32), np.zeros(n_cols, np.float32)
    for (_pid, m, d), c in union.items():
        mu_c[c], sd_c[c] = m, d
    plans = [_columns(prep, n_cols) for prep in preps]
    chunk = max(1, min(trials, _CHUNK_ELEMENTS // n_cols))
    draws = [{k: np.empty(trials) for k in QUANTITIES} for _ in preps]
    # scenario-specific overrides with a range get their own (seeded) stream
    ovr_rng = [np.random.default_rng(int(x)) for x in rng.integers(0, 2**63 - 1, size=len(preps))]
    start = 0
    while start < trials:
        n = min(chunk, trials - start)
        base_prm = assumptions.sample(rng, n)
        x = rng.standard_normal((n, n_cols), dtype=np.float32)
        x *= sd_c
        x *= np.asarray(base_prm["person_noise_scale"], dtype=np.float32)[:, None]
        x += mu_c  # log bookings before the scenario's factors
        e = np.exp(x)
        sl = slice(start, start + n)
        for j, (prep, plan, d) in enumerate(zip(preps, plans, draws, strict=True)):
            org = prep.org
            prm = _params(assumptions, org.overrides, base_prm, ovr_rng[j], n)
            lf, coach, sell = _group_terms(
                prep, org.automated, baseline.automated, org.team_quota_share, prm
            )
            book = (np.exp(lf) * (e @ plan.member).astype(np.float64)).sum(axis=1)
            lf_ext = np.concatenate([lf, np.zeros((n, 1))], axis=1).astype(np.float32)
            thr = np.take(lf_ext, plan.group, axis=1)
            thr += x
            above = np.count_nonzero(thr > plan.log_quota, axis=1)
            d["bookings"][sl] = book
            d["cost_of_sales_pct"][sl] = np.where(
                book > 0, 100.0 * prep.cost / np.maximum(book, 1e-9), np.inf
            )
            nonlead = np.array([not k[2] for k in prep.keys])
            w = prep.counts * nonlead
            d["coaching_hours_per_am_month"][sl] = (coach @ w) / max(w.sum(), 1)
            d["selling_hours_per_am_week"][sl] = (sell @ prep.counts) / max(prep.counts.sum(), 1)
            d["reporting_hours_per_manager_week"][sl] = _reporting(prep, org.automated, prm)
            d["share_above_quota"][sl] = above / max(int(prep.has_quota.sum()), 1)
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
