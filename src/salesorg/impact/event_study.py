"""Event study: the effect by period relative to the start, and the pre-trend test.

θ(e) averages each cohort's ATT(g, g + e) by cohort size (Callaway & Sant'Anna's dynamic
aggregation; Sun & Abraham 2021 show why the usual regression with relative-time dummies is
biased under staggered timing and heterogeneous effects). Coefficients before the start
(``e < 0``) are deviations from the pre-window mean and should hover around zero.

The pre-trend test splits the pre-window into ``bins`` equal bins and tests jointly that
each earlier bin's DiD against the last bin before the start is zero (a Wald test with the
bootstrap covariance, χ² with ``bins − 1`` degrees of freedom). A divergence that builds up
before the start (selection on a trend, an anticipation effect) shows here. Failing to
reject is not proof of parallel trends (Roth 2022); the interval of the coefficients shows
how large a pre-trend the data could hide.

References:
    Callaway & Sant'Anna (2021); Sun & Abraham (2021) — see :mod:`salesorg.impact.staggered`.
    Roth, J. (2022), "Pretest with Caution: Event-Study Estimates after Testing for Parallel
    Trends", *American Economic Review: Insights* 4(3): 305–322.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from salesorg.impact.did import summarise
from salesorg.impact.staggered import GroupTime

__all__ = ["event_study_table", "pre_trend_test"]


def event_study_table(
    gt: GroupTime, *, leads: int, lags: int, level: float = 0.90, groups: int | None = None
) -> pd.DataFrame:
    """One row per relative period ``e``: ``estimate``, ``se``, ``low``, ``high``, ``p_value``."""
    es, theta = gt.event_time(leads=leads, lags=lags)
    rows = []
    for k, e in enumerate(es):
        s = summarise(theta[:, k], level=level, groups=groups)
        rows.append(
            {
                "e": int(e),
                "estimate": s.estimate,
                "se": s.se,
                "low": s.low,
                "high": s.high,
                "p_value": s.p_value,
            }
        )
    return pd.DataFrame(rows)


def pre_trend_test(
    gt: GroupTime, *, bins: int = 4, groups: int | None = None
) -> tuple[float, float, int]:
    """Joint Wald test that pre-period bin effects are zero: ``(statistic, p_value, df)``.

    Returns NaNs when the pre-window is too short or there are no replicates.
    """
    draws = gt.pre_bins(bins=bins)
    est = draws[0]
    boot = draws[1:]
    boot = boot[np.all(np.isfinite(boot), axis=1)]
    if not np.all(np.isfinite(est)) or len(boot) < 10 or est.size == 0:
        return float("nan"), float("nan"), 0
    cov = np.atleast_2d(np.cov(boot, rowvar=False))
    if groups is not None and groups > 1:
        cov = cov * groups / (groups - 1)
    df = int(np.linalg.matrix_rank(cov))
    if df == 0:
        return float("nan"), float("nan"), 0
    stat = float(est @ np.linalg.pinv(cov) @ est)
    return stat, float(stats.chi2.sf(stat, df)), df
