"""Time-to-signal: how many weeks until an effect of a given size can be seen, and the
smallest effect visible with today's data.

For a difference-in-differences of each person's post-period mean against their own
pre-period mean (``m`` periods before, ``r`` after), a person's difference has variance
``a'Σa`` with ``a = (−1/m, …, −1/m, 1/r, …, 1/r)`` and the cell covariance

    Σ_ts = σ² [ρ + (1 − ρ) φ^|t−s|]

(a stable person level with share ``ρ`` — it cancels — plus AR(1) noise with autocorrelation
``φ``; with ``φ = 0`` this is McKenzie's 2012 formula). When only a share ``q`` of person-periods
has data (a win rate in weeks without closed deals) the diagonal is inflated by ``1/q``.
People in the same team share shocks: the variance of a group mean is multiplied by the
design effect ``1 + (s − 1) κ`` for teams of ``s`` people with intra-team correlation ``κ``
(Kish 1965). Then

    Var(DiD) = Var(d) [DE_T / N_T + DE_C / N_C],  MDE = (z_{1−α/2} + z_{power}) √Var(DiD)

(Bloom 1995). σ², ρ, φ, q and κ are estimated from the store's history before the start
(:func:`noise_from_panel`); ``tests/impact/test_power.py`` checks the formula by simulation.

References:
    McKenzie, D. (2012), "Beyond Baseline and Follow-up: The Case for More T in
    Experiments", *J. Development Economics* 99(2): 210–221.
    Bloom, H. S. (1995), "Minimum Detectable Effects: A Simple Way to Report the Statistical
    Power of Experimental Designs", *Evaluation Review* 19(5): 547–556.
    Kish, L. (1965), *Survey Sampling*, Wiley (design effect of cluster samples).
    Frison, L. & Pocock, S. J. (1992), "Repeated Measures in Clinical Trials", *Statistics in
    Medicine* 11(13): 1685–1704.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from salesorg.impact.panel_arrays import PanelArrays

__all__ = [
    "Design",
    "Noise",
    "did_variance",
    "mde",
    "mde_table",
    "noise_from_panel",
    "periods_to_signal",
]


@dataclass(frozen=True)
class Noise:
    """Per-cell noise of a metric: variance, person share, autocorrelation, fill, team ICC."""

    sigma2: float
    rho: float = 0.0
    phi: float = 0.0
    fill: float = 1.0
    team_icc: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class Design:
    """Who is compared: numbers of treated and comparison people and their team sizes."""

    n_treated: int
    n_comparison: int
    treated_team_size: float = 1.0
    comparison_team_size: float = 1.0


def did_variance(noise: Noise, design: Design, *, pre: int, post: int) -> float:
    """Variance of the DiD estimate with ``pre`` baseline and ``post`` follow-up periods."""
    t = np.arange(pre + post)
    cov = noise.sigma2 * (
        noise.rho + (1 - noise.rho) * noise.phi ** np.abs(t[:, None] - t[None, :])
    )
    cov[np.diag_indices_from(cov)] = noise.sigma2 / max(noise.fill, 1e-9)
    a = np.r_[np.full(pre, -1 / pre), np.full(post, 1 / post)]
    var_d = float(a @ cov @ a)
    de_t = 1 + (design.treated_team_size - 1) * noise.team_icc
    de_c = 1 + (design.comparison_team_size - 1) * noise.team_icc
    return var_d * (de_t / design.n_treated + de_c / design.n_comparison)


def mde(
    noise: Noise, design: Design, *, pre: int, post: int, alpha: float = 0.05, power: float = 0.80
) -> float:
    """Minimum detectable effect (two-sided level ``alpha``, given ``power``)."""
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * np.sqrt(did_variance(noise, design, pre=pre, post=post)))


def mde_table(
    noise: Noise,
    design: Design,
    *,
    pre: int,
    max_post: int,
    alpha: float = 0.05,
    power: float = 0.80,
) -> pd.DataFrame:
    """MDE for every follow-up length ``post = 1 .. max_post``."""
    return pd.DataFrame(
        {
            "post_periods": np.arange(1, max_post + 1),
            "mde": [
                mde(noise, design, pre=pre, post=r, alpha=alpha, power=power)
                for r in range(1, max_post + 1)
            ],
        }
    )


def periods_to_signal(
    noise: Noise,
    design: Design,
    *,
    effect: float,
    pre: int,
    max_post: int = 104,
    alpha: float = 0.05,
    power: float = 0.80,
) -> int | None:
    """The first follow-up length at which ``|effect|`` is detectable, or None within ``max_post``."""
    tab = mde_table(noise, design, pre=pre, max_post=max_post, alpha=alpha, power=power)
    hit = tab[tab.mde <= abs(effect)]
    return int(hit.post_periods.iloc[0]) if len(hit) else None


def noise_from_panel(panel: PanelArrays, *, end: int | None = None, window: int = 52) -> Noise:
    """Estimate :class:`Noise` from the ``window`` periods before ``end`` (default: all).

    σ² is the variance of cells after removing period means; ρ the between-person share
    (one-way ANOVA, Searle, Casella & McCulloch 1992); φ the pooled lag-1 autocorrelation of
    within-person deviations; ``fill`` the share of person-periods with data; κ the intra-team
    correlation of each person's second-half minus first-half mean.
    """
    end = panel.n_periods if end is None else end
    lo = max(0, end - window)
    y = panel.y()[:, lo:end]
    obs = np.isfinite(y)
    rows = obs.any(1)
    y, obs, team = y[rows], obs[rows], panel.cluster[rows]
    if obs.sum() < 10:
        return Noise(sigma2=float("nan"))
    pm = np.nanmean(np.where(obs, y, np.nan), axis=0)
    res = np.where(obs, y - np.where(np.isfinite(pm), pm, 0.0)[None, :], np.nan)
    sigma2 = float(np.nanvar(res, ddof=1))
    n_i = obs.sum(1)
    mean_i = np.nansum(res, 1) / np.maximum(n_i, 1)
    within = np.where(obs, res - mean_i[:, None], np.nan)
    wvar = float(np.nansum(within**2) / max(obs.sum() - len(n_i), 1))
    ok = n_i > 0
    between = (
        float(np.var(mean_i[ok], ddof=1)) - float(np.mean(wvar / n_i[ok])) if ok.sum() > 1 else 0.0
    )
    rho = float(np.clip(between / sigma2, 0.0, 0.99)) if sigma2 > 0 else 0.0
    a, b = within[:, :-1], within[:, 1:]
    pair = np.isfinite(a) & np.isfinite(b)
    if pair.sum() > 2:
        x, z = a[pair], b[pair]
        phi = float(np.clip(np.sum(x * z) / np.sqrt(np.sum(x**2) * np.sum(z**2)), -0.5, 0.95))
    else:
        phi = 0.0
    # team ICC of the person-level half-on-half difference
    h = y.shape[1] // 2
    late, early = np.where(obs[:, h:], res[:, h:], 0.0), np.where(obs[:, :h], res[:, :h], 0.0)
    n_late, n_early = obs[:, h:].sum(1), obs[:, :h].sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(
            (n_late > 0) & (n_early > 0),
            late.sum(1) / np.maximum(n_late, 1) - early.sum(1) / np.maximum(n_early, 1),
            np.nan,
        )
    kappa = _icc(d, team)
    return Noise(sigma2=sigma2, rho=rho, phi=phi, fill=float(obs.mean()), team_icc=kappa)


def _icc(values: np.ndarray, groups: np.ndarray) -> float:
    """One-way ANOVA intra-class correlation (clipped to [0, 1))."""
    ok = np.isfinite(values)
    v, g = values[ok], groups[ok]
    codes, inv = np.unique(g, return_inverse=True)
    if len(codes) < 2 or len(v) <= len(codes):
        return 0.0
    n_g = np.bincount(inv)
    m_g = np.bincount(inv, v) / n_g
    msb = float(np.sum(n_g * (m_g - v.mean()) ** 2) / (len(codes) - 1))
    msw = float(np.sum((v - m_g[inv]) ** 2) / (len(v) - len(codes)))
    n0 = (len(v) - np.sum(n_g**2) / len(v)) / (len(codes) - 1)
    icc = (msb - msw) / (msb + (n0 - 1) * msw) if (msb + (n0 - 1) * msw) > 0 else 0.0
    return float(np.clip(icc, 0.0, 0.99))
