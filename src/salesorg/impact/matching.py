"""Choosing the comparison: people who did not take part but looked like those who did.

Each treated person is matched, without replacement, to the ``k`` nearest never-treated
people on their pre-period metrics: the level of the outcome, its trend over the window and
their activity (deals or cells per period). Distance is Mahalanobis on these features
(Rubin 1980), or the logit of a propensity score (Rosenbaum & Rubin 1983). People who share a
team with a treated person at the start are left out of the pool: they sat in the same
meetings and may have picked the programme up (spillover).

The balance table shows, per feature, the mean of the treated, of the matched comparison and
of the whole pool, and the standardised difference
``(mean_T − mean_C) / sqrt((var_T + var_C) / 2)``. A comparison is **weak** when any
standardised difference after matching exceeds 0.25 in absolute value (Stuart 2010; Rubin
2001), when there are fewer comparison people than treated, or fewer than two comparison
teams; the report then says so next to the estimate.

References:
    Rubin, D. B. (1980), "Bias Reduction Using Mahalanobis-Metric Matching", *Biometrics*
    36(2): 293–298.
    Rosenbaum, P. R. & Rubin, D. B. (1983), "The Central Role of the Propensity Score in
    Observational Studies for Causal Effects", *Biometrika* 70(1): 41–55.
    Rubin, D. B. (2001), "Using Propensity Scores to Help Design Observational Studies",
    *Health Services & Outcomes Research Methodology* 2: 169–188.
    Stuart, E. A. (2010), "Matching Methods for Causal Inference: A Review and a Look
    Forward", *Statistical Science* 25(1): 1–21.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesorg.impact.panel_arrays import PanelArrays

__all__ = [
    "SMD_LIMIT",
    "Matching",
    "match",
    "match_teams",
    "pre_features",
    "standardised_difference",
]

#: |standardised difference| above which a feature counts as imbalanced (Stuart 2010).
SMD_LIMIT = 0.25


@dataclass
class Matching:
    comparison: list[str]
    balance: pd.DataFrame
    method: str
    weak: bool
    reasons: list[str] = field(default_factory=list)
    pairs: pd.DataFrame | None = None
    teams: list[str] = field(default_factory=list)


def pre_features(panel: PanelArrays, *, end: int, window: int) -> pd.DataFrame:
    """Per unit: ``level`` (pooled mean), ``trend`` (weighted slope per period) and
    ``activity`` (mean ``den`` per period) over the ``window`` periods before ``end``."""
    lo = max(0, end - window)
    num, den = panel.num[:, lo:end], panel.den[:, lo:end]
    t = np.arange(end - lo, dtype=float)[None, :]
    sw = den.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
        level = num.sum(1) / sw
        tbar = (den * t).sum(1) / sw
        dt_ = t - tbar[:, None]
        slope = (den * dt_ * (y - level[:, None])).sum(1) / (den * dt_**2).sum(1)
    return pd.DataFrame(
        {"level": level, "trend": slope, "activity": sw / max(end - lo, 1)},
        index=pd.Index(panel.units, name="unit"),
    )


def standardised_difference(a: np.ndarray, b: np.ndarray) -> float:
    """``(mean a − mean b) / sqrt((var a + var b) / 2)``; 0 when both are constant and equal."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    va = a.var(ddof=1) if len(a) > 1 else 0.0
    vb = b.var(ddof=1) if len(b) > 1 else 0.0
    s = np.sqrt((va + vb) / 2)
    d = a.mean() - b.mean()
    return float(d / s) if s > 0 else (0.0 if d == 0 else float("inf") * np.sign(d))


def _propensity_score(x: np.ndarray, treated: np.ndarray) -> np.ndarray | None:
    import warnings

    import statsmodels.api as sm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(treated.astype(float), sm.add_constant(x)).fit(disp=0, maxiter=200)
        return np.asarray(fit.predict(sm.add_constant(x)))
    except Exception:  # perfect separation, singular matrix
        return None


def match(
    features: pd.DataFrame,
    treated: list[str],
    pool: list[str],
    *,
    k: int = 3,
    method: str = "mahalanobis",
) -> Matching:
    """Match each treated unit to ``k`` nearest pool units (greedy, without replacement)."""
    reasons: list[str] = []
    f = features.replace([np.inf, -np.inf], np.nan)
    tr = [u for u in treated if u in f.index and f.loc[u].notna().all()]
    pl = [u for u in pool if u in f.index and f.loc[u].notna().all()]
    if len(tr) < len(treated):
        reasons.append(f"{len(treated) - len(tr)} treated without pre-period data")
    x = f.loc[tr + pl].to_numpy(float)
    sd = x.std(0)
    sd[sd == 0] = 1.0
    z = (x - x.mean(0)) / sd
    zt, zp = z[: len(tr)], z[len(tr) :]
    used_method = method
    if method == "propensity":
        ps = _propensity_score(z, np.r_[np.ones(len(tr)), np.zeros(len(pl))])
        if ps is None:
            reasons.append("propensity model failed to fit; matched on Mahalanobis distance")
            used_method = "mahalanobis"
        else:
            lg = np.log(np.clip(ps, 1e-6, 1 - 1e-6) / np.clip(1 - ps, 1e-6, 1))
            dist = np.abs(lg[: len(tr), None] - lg[None, len(tr) :])
    if used_method == "mahalanobis":
        cov = np.atleast_2d(np.cov(z, rowvar=False))
        inv = np.linalg.pinv(cov)
        diff = zt[:, None, :] - zp[None, :, :]
        dist = np.sqrt(np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
    elif used_method != "propensity":
        raise ValueError(f"method must be mahalanobis or propensity, not {method!r}")
    chosen: list[int] = []
    pairs = []
    taken = np.zeros(len(pl), dtype=bool)
    order = np.argsort(dist.min(1)) if len(pl) else np.arange(len(tr))
    for _round in range(k):
        for i in order:
            d = np.where(taken, np.inf, dist[i])
            if not np.isfinite(d).any():
                break
            j = int(np.argmin(d))
            taken[j] = True
            chosen.append(j)
            pairs.append((tr[i], pl[j], float(dist[i, j])))
    comparison = [pl[j] for j in chosen]
    rows = []
    for col in f.columns:
        a = f.loc[tr, col].to_numpy(float)
        b = f.loc[comparison, col].to_numpy(float)
        c = f.loc[pl, col].to_numpy(float)
        rows.append(
            {
                "feature": col,
                "treated_mean": float(np.mean(a)) if len(a) else float("nan"),
                "comparison_mean": float(np.mean(b)) if len(b) else float("nan"),
                "pool_mean": float(np.mean(c)) if len(c) else float("nan"),
                "smd_matched": standardised_difference(a, b),
                "smd_pool": standardised_difference(a, c),
            }
        )
    balance = pd.DataFrame(rows)
    bad = balance[~(balance.smd_matched.abs() <= SMD_LIMIT)]
    for r in bad.itertuples():
        reasons.append(f"{r.feature} imbalanced (standardised difference {r.smd_matched:+.2f})")
    if len(comparison) < len(tr):
        reasons.append(f"only {len(comparison)} comparison people for {len(tr)} treated")
    return Matching(
        comparison=comparison,
        balance=balance,
        method=used_method,
        weak=bool(reasons),
        reasons=reasons,
        pairs=pd.DataFrame(pairs, columns=["treated", "comparison", "distance"]),
    )


def match_teams(
    features: pd.DataFrame,
    teams: dict[str, str],
    treated: list[str],
    pool: list[str],
    *,
    k: int = 3,
    method: str = "mahalanobis",
) -> Matching:
    """Match whole teams: each treated team to the ``k`` nearest teams of the pool.

    Team features are the means of their people's features plus the team's size (people with
    data). The comparison is every pool person in the matched teams; the balance table is at
    the team level. Whole comparison teams keep team-level shocks on both sides alike.
    """
    f = features.replace([np.inf, -np.inf], np.nan).copy()
    f["team"] = [teams.get(u) for u in f.index]
    f = f[f.team.notna()]
    agg = f.groupby("team")[["level", "trend", "activity"]].mean()
    agg["size"] = f.groupby("team").size().astype(float)
    treated_teams = sorted({teams[u] for u in treated if u in teams})
    pool_set = set(pool)
    pool_teams = sorted({teams[u] for u in pool if u in teams} - set(treated_teams))
    m = match(agg, treated_teams, pool_teams, k=k, method=method)
    people = [u for u in f.index if u in pool_set and teams.get(u) in set(m.comparison)]
    return Matching(
        comparison=people,
        balance=m.balance,
        method=m.method,
        weak=m.weak,
        reasons=[r.replace("comparison people", "comparison teams") for r in m.reasons],
        pairs=m.pairs,
        teams=list(m.comparison),
    )
