"""The classic 2×2 difference-in-differences and the summaries shared by all estimators.

With one start date the group-time estimator reduces to the 2×2 comparison of four means:
treated and comparison people, before and after the start. On a balanced panel it equals
the coefficient of a two-way fixed-effects regression (unit and period dummies); the tests
check that against statsmodels. With staggered starts use :mod:`salesorg.impact.staggered`.

References:
    Angrist, J. D. & Pischke, J.-S. (2009), *Mostly Harmless Econometrics*, ch. 5.2
    (Princeton University Press).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from salesorg.impact.panel_arrays import PanelArrays

__all__ = ["Summary", "TwoByTwo", "did_2x2", "summarise"]


@dataclass(frozen=True)
class TwoByTwo:
    """The four pooled means (levels, for reading) and the difference in differences.

    ``estimate`` uses each person's deviation from their own pre-window mean, so on an
    unbalanced panel it can differ from the difference of the four level means (which mixes
    in changes of who is active); on a balanced panel the two agree.
    """

    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float
    estimate: float


def _pooled(num: np.ndarray, den: np.ndarray, rows: np.ndarray, cols: slice) -> float:
    d = den[rows][:, cols].sum()
    return float(num[rows][:, cols].sum() / d) if d > 0 else float("nan")


def did_2x2(panel: PanelArrays, *, pre_periods: int | None = None) -> TwoByTwo:
    """2×2 DiD for a panel with a single start period (every treated unit in one cohort).

    Each person's cells are taken as deviations from their own pre-window mean (so person
    levels cancel), then pooled over the post-period: the group-time estimator with one
    cohort, written out without matrices.
    """
    cohorts = panel.cohorts
    if len(cohorts) != 1:
        raise ValueError(f"did_2x2 needs one start period, got cohorts {cohorts}")
    g = cohorts[0]
    lo = 0 if pre_periods is None else max(0, g - pre_periods)
    pden = panel.den[:, lo:g].sum(1)
    has = pden > 0
    base = np.where(has, panel.num[:, lo:g].sum(1) / np.where(has, pden, 1), 0.0)
    dev = panel.num - panel.den * base[:, None]
    treated = panel.treated & has
    comp = ~panel.treated & has
    pre, post = slice(lo, g), slice(g, None)
    return TwoByTwo(
        treated_pre=_pooled(panel.num, panel.den, treated, pre),
        treated_post=_pooled(panel.num, panel.den, treated, post),
        comparison_pre=_pooled(panel.num, panel.den, comp, pre),
        comparison_post=_pooled(panel.num, panel.den, comp, post),
        estimate=_pooled(dev, panel.den, treated, post) - _pooled(dev, panel.den, comp, post),
    )


@dataclass(frozen=True)
class Summary:
    """A point estimate with bootstrap standard error, 90 % interval and two-sided p-value."""

    estimate: float
    se: float
    low: float
    high: float
    p_value: float


def summarise(draws: np.ndarray, *, level: float = 0.90, groups: int | None = None) -> Summary:
    """Summarise ``draws`` (row 0 = estimate, rows 1.. = replicates).

    With ``groups`` (the number of independent units resampled in the smaller group, see
    :func:`salesorg.impact.bootstrap.resampled_groups`) the bootstrap standard error is scaled
    by ``sqrt(G / (G − 1))`` and the interval and p-value use Student's t with ``G − 1``
    degrees of freedom — the small-cluster correction of Cameron, Gelbach & Miller (2008)
    (without it a 90 % interval from 10 treated teams covers about 84 %). Without ``groups``:
    the bootstrap percentile interval and a normal p-value (Efron & Tibshirani 1993, ch. 13).
    """
    est = float(draws[0])
    boot = draws[1:]
    boot = boot[np.isfinite(boot)]
    if not np.isfinite(est) or len(boot) < 2:
        return Summary(est, float("nan"), float("nan"), float("nan"), float("nan"))
    se = float(np.std(boot, ddof=1))
    a = (1 - level) / 2
    if groups is not None and groups > 1:
        se *= float(np.sqrt(groups / (groups - 1)))
        crit = float(stats.t.ppf(1 - a, groups - 1))
        low, high = est - crit * se, est + crit * se
        p = float(2 * stats.t.sf(abs(est) / se, groups - 1)) if se > 0 else float(est == 0)
        return Summary(est, se, low, high, p)
    low, high = (float(x) for x in np.quantile(boot, [a, 1 - a]))
    p = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else (0.0 if est != 0 else 1.0)
    return Summary(est, se, low, high, p)
