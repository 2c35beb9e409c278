"""Seeded synthetic panels with a planted effect, for recovery tests and benchmarks.

A person's outcome in period ``t`` is

    y_it = base + a_i + u_team + λ_t + v_team,t + e_it + effect_it + trend · (t − g_i) · 1[treated]

with a person level ``a_i ~ N(0, person_sd²)``, a team level ``u``, a common time effect
``λ_t``, team-period shocks ``v ~ N(0, team_period_sd²)``, AR(1) noise ``e`` with
autocorrelation ``phi`` and marginal s.d. ``sigma``, and ``effect_it`` switched on from the
person's start (constant ``effect``, optionally growing by ``growth`` per period since the
start — the heterogeneous dynamic effect that biases two-way fixed effects). ``trend`` plants
a differential trend (a violation of parallel trends). ``kind="binary"`` turns ``y`` into a
win probability (clipped to 0.02..0.98) and draws Poisson(``deals``) closed deals per cell,
like a weekly win rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salesorg.impact.panel_arrays import PanelArrays

__all__ = ["SyntheticPanel", "synthetic_panel", "true_att"]


@dataclass(frozen=True)
class SyntheticPanel:
    panel: PanelArrays
    effect: np.ndarray  # (N, T) planted effect on the cell mean
    truth: float  # the overall ATT under the estimator's aggregation


def true_att(panel: PanelArrays, effect: np.ndarray) -> float:
    """The planted overall effect, aggregated as the estimator aggregates (pooled, by cohort)."""
    acc = wsum = 0.0
    for g in panel.cohorts:
        rows = panel.cohort == g
        d = panel.den[rows, g:]
        if d.sum() == 0:
            continue
        acc += rows.sum() * float((effect[rows, g:] * d).sum() / d.sum())
        wsum += rows.sum()
    return acc / wsum if wsum else float("nan")


def synthetic_panel(
    *,
    rng: np.random.Generator,
    n_teams: int = 40,
    team_size: int = 8,
    n_periods: int = 104,
    treated_teams: int = 10,
    start: int = 78,
    waves: int = 1,
    wave_gap: int = 6,
    effect: float = 0.0,
    growth: float = 0.0,
    trend: float = 0.0,
    base: float = 0.0,
    sigma: float = 1.0,
    phi: float = 0.3,
    person_sd: float = 0.5,
    team_sd: float = 0.3,
    team_period_sd: float = 0.1,
    kind: str = "continuous",
    deals: float = 1.5,
) -> SyntheticPanel:
    """A panel of ``n_teams × team_size`` people over ``n_periods`` weeks (see module doc)."""
    n = n_teams * team_size
    team = np.repeat(np.arange(n_teams), team_size)
    t = np.arange(n_periods)
    cohort = np.full(n, -1)
    treated_team_ids = rng.choice(n_teams, size=treated_teams, replace=False)
    for k, tm in enumerate(treated_team_ids):
        cohort[team == tm] = start + (k % waves) * wave_gap
    e = np.empty((n, n_periods))
    e[:, 0] = rng.normal(0, sigma, n)
    innov = rng.normal(0, sigma * np.sqrt(1 - phi**2), (n, n_periods))
    for s in range(1, n_periods):
        e[:, s] = phi * e[:, s - 1] + innov[:, s]
    y = (
        base
        + rng.normal(0, person_sd, n)[:, None]
        + rng.normal(0, team_sd, n_teams)[team][:, None]
        + rng.normal(0, 0.2, n_periods)[None, :]
        + rng.normal(0, team_period_sd, (n_teams, n_periods))[team]
        + e
    )
    treated = cohort >= 0
    since = t[None, :] - cohort[:, None]
    on = treated[:, None] & (since >= 0)
    eff = np.where(on, effect + growth * since, 0.0)
    y = y + eff + np.where(treated[:, None], trend * since, 0.0)
    if kind == "continuous":
        num, den = y, np.ones_like(y)
    elif kind == "binary":
        p = np.clip(y, 0.02, 0.98)
        den = rng.poisson(deals, y.shape).astype(float)
        num = rng.binomial(den.astype(int), p).astype(float)
    else:
        raise ValueError(f"kind must be continuous or binary, not {kind!r}")
    periods = np.datetime64("2024-01-01", "D") + 7 * t
    units = np.array([f"P{i:05d}" for i in range(n)], dtype=object)
    panel = PanelArrays(
        units=units,
        periods=periods,
        num=num,
        den=den,
        cohort=cohort,
        cluster=team,
        cluster_ids=np.array([f"T{k:03d}" for k in range(n_teams)], dtype=object),
    )
    return SyntheticPanel(panel=panel, effect=eff, truth=true_att(panel, eff))
