"""Placebo test: pretend the programme started earlier and look for an "effect".

Only data from before the real start are used (each treated person's cells from their real
start on, and every comparison person's cells from the last real start on, are dropped), and
each cohort's start is moved back by ``shift`` periods. A real method on comparable groups
finds nothing there; a clear placebo "effect" means the groups were already drifting apart
or the interval is too narrow. With a single treated team this is the most honest check of
the interval (Conley & Taber 2011; Abadie, Diamond & Hainmueller 2010 use the same idea).

References:
    Abadie, A., Diamond, A. & Hainmueller, J. (2010), "Synthetic Control Methods for
    Comparative Case Studies", *JASA* 105(490): 493–505.
    Conley & Taber (2011) — see :mod:`salesorg.impact.bootstrap`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from salesorg.impact.bootstrap import cluster_weights, resampled_groups
from salesorg.impact.did import summarise
from salesorg.impact.panel_arrays import PanelArrays
from salesorg.impact.staggered import group_time

__all__ = ["placebo_panel", "placebo_test"]


def placebo_panel(panel: PanelArrays, shift: int) -> PanelArrays | None:
    """The panel cut at the real starts with every cohort moved ``shift`` periods earlier."""
    if not panel.cohorts:
        return None
    t = np.arange(panel.n_periods)[None, :]
    last = max(panel.cohorts)
    cut = np.where(panel.treated, panel.cohort, last)[:, None]
    keep = t < cut
    cohort = np.where(panel.treated, panel.cohort - shift, -1)
    if np.any(cohort[panel.treated] < 2):
        return None
    return replace(panel, num=panel.num * keep, den=panel.den * keep, cohort=cohort)


def placebo_test(
    panel: PanelArrays,
    *,
    shifts: list[int],
    rng: np.random.Generator,
    pre_periods: int = 26,
    replicates: int = 199,
    min_clusters: int = 6,
    level: float = 0.90,
) -> pd.DataFrame:
    """One row per shift: ``shift``, ``fake_start``, ``estimate``, ``low``, ``high``, ``p_value``."""
    rows = []
    for shift in shifts:
        p = placebo_panel(panel, shift)
        if p is None:
            continue
        w, _ = cluster_weights(p, replicates=replicates, rng=rng, min_clusters=min_clusters)
        gt = group_time(p, w, pre_periods=pre_periods)
        if not gt.cohorts:
            continue
        s = summarise(
            gt.overall(), level=level, groups=resampled_groups(p, min_clusters=min_clusters)
        )
        rows.append(
            {
                "shift": shift,
                "fake_start": pd.Timestamp(p.periods[min(p.cohorts)]).date(),
                "estimate": s.estimate,
                "low": s.low,
                "high": s.high,
                "p_value": s.p_value,
            }
        )
    return pd.DataFrame(rows, columns=["shift", "fake_start", "estimate", "low", "high", "p_value"])
