"""One call from a panel to an effect with its interval, event study and diagnostics.

:func:`estimate_effect` draws the cluster-bootstrap weights once
(:mod:`salesorg.impact.bootstrap`), computes the group-time sums for the estimate and every
replicate in one pass (:mod:`salesorg.impact.staggered`), and derives from them the overall
effect, the event study, the pre-trend test and the *path*: the effect as it would have read
with the data up to each period, which gives the earliest date the effect was detectable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesorg.impact.bootstrap import cluster_weights, resampled_groups
from salesorg.impact.did import summarise
from salesorg.impact.event_study import event_study_table, pre_trend_test
from salesorg.impact.panel_arrays import PanelArrays
from salesorg.impact.staggered import group_time

__all__ = ["EffectEstimate", "estimate_effect"]


@dataclass
class EffectEstimate:
    """The result of :func:`estimate_effect` (fitted values; nothing here is re-estimated)."""

    estimate: float
    se: float
    ci90: tuple[float, float]
    p_value: float
    pre_trend_p_value: float
    pre_trend_stat: float
    pre_trend_df: int
    event_study: pd.DataFrame
    path: pd.DataFrame
    detectable_since: dt.date | None
    draws: np.ndarray
    n_treated: int
    n_comparison: int
    treated_clusters: int
    comparison_clusters: int
    replicates: int
    pre_periods: int
    warnings: list[str] = field(default_factory=list)


def _path(
    panel: PanelArrays, path: np.ndarray, *, alpha: float, level: float, groups: int
) -> tuple[pd.DataFrame, int | None]:
    est = path[0]
    boot = path[1:]
    a = (1 - level) / 2
    se = np.full(len(est), np.nan)
    lo = np.full(len(est), np.nan)
    hi = np.full(len(est), np.nan)
    ok = np.isfinite(est) & (np.isfinite(boot).sum(0) > 1 if len(boot) else False)
    from scipy import stats

    df = max(groups - 1, 1)
    if ok.any():
        b = boot[:, ok]
        factor = np.sqrt(groups / (groups - 1)) if groups > 1 else 1.0
        se[ok] = np.nanstd(b, axis=0, ddof=1) * factor
        crit = stats.t.ppf(1 - a, df)
        lo[ok], hi[ok] = est[ok] - crit * se[ok], est[ok] + crit * se[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * stats.t.sf(np.abs(est) / se, df)
    sig = np.isfinite(p) & (p < alpha)
    first = None
    for t in range(len(est) - 1, -1, -1):  # earliest t from which it stays significant
        if not np.isfinite(est[t]):
            break
        if not sig[t]:
            break
        first = t
    frame = pd.DataFrame(
        {
            "period": panel.periods.astype("datetime64[ns]"),
            "estimate": est,
            "se": se,
            "low": lo,
            "high": hi,
            "p_value": p,
        }
    )
    return frame, first


def estimate_effect(
    panel: PanelArrays,
    *,
    rng: np.random.Generator,
    pre_periods: int = 26,
    replicates: int = 999,
    min_clusters: int = 6,
    leads: int | None = None,
    lags: int | None = None,
    bins: int = 4,
    alpha: float = 0.05,
    level: float = 0.90,
    period_days: int = 7,
) -> EffectEstimate:
    """Estimate the programme's effect on ``panel`` with a cluster-bootstrap interval.

    Args:
        panel: treated cohorts and never-treated comparison units (already matched).
        rng: the random generator of the bootstrap (pass a seeded one to reproduce).
        pre_periods: length of each cohort's baseline window.
        replicates: bootstrap replicates (999 for a report, fewer for a quick look).
        min_clusters: below this many teams in a group, people are resampled instead.
        leads, lags: event-study window (default: the baseline window; up to the last period).
        bins: pre-window bins of the pre-trend test.
        alpha: level of the "detectable" test (two-sided); ``level``: interval coverage.
        period_days: length of a period, to date ``detectable_since`` at the period's end.
    """
    warnings: list[str] = []
    if not panel.cohorts:
        from salesorg.errors import DataError

        raise DataError(
            "no treated person has data in the panel — check the initiative's members and the metric"
        )
    weights, wwarn = cluster_weights(
        panel, replicates=replicates, rng=rng, min_clusters=min_clusters
    )
    warnings += wwarn
    gt = group_time(panel, weights, pre_periods=pre_periods)
    if not gt.cohorts:
        from salesorg.errors import DataError

        raise DataError(
            "the programme starts in the first period of data: there is no before to compare with"
        )
    if any(c.pre[1] - c.pre[0] < pre_periods for c in gt.cohorts):
        warnings.append("short_pre_period")
    groups = resampled_groups(panel, min_clusters=min_clusters)
    overall = gt.overall()
    s = summarise(overall, level=level, groups=groups)
    leads = pre_periods if leads is None else leads
    last = panel.n_periods - min(c.g for c in gt.cohorts)
    lags = last if lags is None else lags
    es = event_study_table(gt, leads=leads, lags=lags, level=level, groups=groups)
    stat, p_pre, df = pre_trend_test(gt, bins=bins, groups=groups)
    if np.isfinite(p_pre) and p_pre < 0.10:
        warnings.append("pre_trend")
    path, first = _path(panel, gt.overall_path(), alpha=alpha, level=level, groups=groups)
    detectable = None
    if first is not None:
        start = pd.Timestamp(panel.periods[first]).date()
        detectable = start + dt.timedelta(days=period_days - 1)
    n_t = sum(int(c.size[0]) for c in gt.cohorts)
    treated_idx = panel.treated
    n_c = int(((~treated_idx) & (panel.den.sum(1) > 0)).sum())
    if n_t < 5:
        warnings.append("few_treated")
    if not np.isfinite(s.estimate):
        warnings.append("no_post_data")
    return EffectEstimate(
        estimate=s.estimate,
        se=s.se,
        ci90=(s.low, s.high),
        p_value=s.p_value,
        pre_trend_p_value=p_pre,
        pre_trend_stat=stat,
        pre_trend_df=df,
        event_study=es,
        path=path,
        detectable_since=detectable,
        draws=overall[1:],
        n_treated=n_t,
        n_comparison=n_c,
        treated_clusters=len(np.unique(panel.cluster[treated_idx])),
        comparison_clusters=len(np.unique(panel.cluster[~treated_idx])),
        replicates=replicates,
        pre_periods=pre_periods,
        warnings=warnings,
    )
