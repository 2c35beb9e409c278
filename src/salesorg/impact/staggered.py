"""Group-time average treatment effects for staggered adoption (Callaway & Sant'Anna 2021).

People join a programme in waves. A two-way fixed-effects regression then compares late
joiners with early joiners already treated, and with effects that change over time its
coefficient can even take the wrong sign (Goodman-Bacon 2021; Sun & Abraham 2021). The
estimator here never uses a treated unit as a comparison: for each cohort ``g`` (the people
whose first treated period is ``g``) and each period ``t``

    ATT(g, t) = [Ȳ_g,t − Ȳ_g,base] − [Ȳ_C,t − Ȳ_C,base]

where ``C`` are never-treated comparison people (chosen by :mod:`salesorg.impact.matching`),
``base`` is the pooled mean of each person's own last ``pre_periods`` periods before ``g``
(each person's deviation from their own baseline, so person levels cancel), and means over
people pool cells (``sum num / sum den``, see :mod:`salesorg.impact.panel_arrays`). Using the
average of a pre-window as the base rather than the single period ``g − 1`` (Callaway &
Sant'Anna's "universal" base) trades a little robustness to trends close to the start for
much less noise on weekly sales data; the pre-trend test checks the assumption.

Aggregation ("simple" in Callaway & Sant'Anna): the overall effect pools each cohort's
post-period cells and averages cohorts by their number of treated people. All statistics
are computed for every bootstrap replicate at once from ``(weights @ dev)`` products.

References:
    Callaway, B. & Sant'Anna, P. H. C. (2021), "Difference-in-Differences with Multiple Time
    Periods", *J. Econometrics* 225(2): 200–230, doi:10.1016/j.jeconom.2020.12.001.
    Goodman-Bacon, A. (2021), "Difference-in-Differences with Variation in Treatment Timing",
    *J. Econometrics* 225(2): 254–277, doi:10.1016/j.jeconom.2021.03.014.
    Sun, L. & Abraham, S. (2021), "Estimating Dynamic Treatment Effects in Event Studies with
    Heterogeneous Treatment Effects", *J. Econometrics* 225(2): 175–199,
    doi:10.1016/j.jeconom.2020.09.006.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salesorg.impact.panel_arrays import PanelArrays

__all__ = ["CohortSums", "GroupTime", "group_time"]


@dataclass(frozen=True)
class CohortSums:
    """Weighted sums for one cohort over all periods, for every replicate (rows)."""

    g: int
    pre: tuple[int, int]  # [start, stop) of the base window
    num_t: np.ndarray  # (R, T) Σ_i w_i den_it (y_it − base_i) over treated of cohort g
    den_t: np.ndarray  # (R, T) Σ_i w_i den_it
    num_c: np.ndarray  # (R, T) the same over comparison units (their base on g's window)
    den_c: np.ndarray
    size: np.ndarray  # (R,) Σ_i w_i over treated units of the cohort with a baseline

    def att(self) -> np.ndarray:
        """ATT(g, t) for every replicate and period (NaN where a side has no data)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.num_t / self.den_t - self.num_c / self.den_c


@dataclass(frozen=True)
class GroupTime:
    """All cohorts' sums; row 0 of every array is the estimate, rows 1.. are replicates."""

    cohorts: list[CohortSums]
    n_periods: int
    pre_periods: int

    def overall(self, *, end: int | None = None) -> np.ndarray:
        """The pooled post-period effect using periods ``< end`` (default all): shape (R,)."""
        return self.overall_path()[:, (self.n_periods if end is None else end) - 1]

    def overall_path(self) -> np.ndarray:
        """(R, T): the overall effect as it would read with data up to each period.

        Column ``t`` uses cells up to and including period ``t``; cohorts that have not
        started by ``t`` are left out. NaN before the first cohort starts.
        """
        r = self.cohorts[0].size.shape[0] if self.cohorts else 1
        acc = np.zeros((r, self.n_periods))
        wsum = np.zeros((r, self.n_periods))
        for c in self.cohorts:
            post = np.zeros(self.n_periods, dtype=bool)
            post[c.g :] = True
            cum = [
                np.cumsum(np.where(post, a, 0.0), axis=1)
                for a in (c.num_t, c.den_t, c.num_c, c.den_c)
            ]
            with np.errstate(invalid="ignore", divide="ignore"):
                eff = cum[0] / cum[1] - cum[2] / cum[3]
            ok = np.isfinite(eff) & post
            acc += np.where(ok, eff * c.size[:, None], 0.0)
            wsum += np.where(ok, c.size[:, None], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(wsum > 0, acc / np.where(wsum > 0, wsum, 1), np.nan)

    def event_time(self, *, leads: int, lags: int) -> tuple[np.ndarray, np.ndarray]:
        """θ(e) for e = −leads .. lags−1: cohort effects at ``g + e`` averaged by cohort size.

        Returns ``(e, theta)`` with theta of shape (R, leads + lags).
        """
        es = np.arange(-leads, lags)
        r = self.cohorts[0].size.shape[0] if self.cohorts else 1
        acc = np.zeros((r, len(es)))
        wsum = np.zeros((r, len(es)))
        for c in self.cohorts:
            att = c.att()
            for k, e in enumerate(es):
                t = c.g + e
                if 0 <= t < self.n_periods:
                    v = att[:, t]
                    ok = np.isfinite(v)
                    acc[:, k] += np.where(ok, v * c.size, 0.0)
                    wsum[:, k] += np.where(ok, c.size, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return es, np.where(wsum > 0, acc / np.where(wsum > 0, wsum, 1), np.nan)

    def pre_bins(self, *, bins: int) -> np.ndarray:
        """(R, bins − 1): DiD of each earlier pre-window bin against the last bin before start.

        Zero in expectation under parallel pre-trends; the input of the pre-trend test.
        """
        r = self.cohorts[0].size.shape[0] if self.cohorts else 1
        acc = np.zeros((r, bins - 1))
        wsum = np.zeros((r, bins - 1))
        for c in self.cohorts:
            lo, hi = c.pre
            edges = np.linspace(lo, hi, bins + 1).round().astype(int)
            if np.any(np.diff(edges) <= 0):
                continue
            means = []
            for b in range(bins):
                s = slice(edges[b], edges[b + 1])
                with np.errstate(invalid="ignore", divide="ignore"):
                    means.append(
                        c.num_t[:, s].sum(1) / c.den_t[:, s].sum(1)
                        - c.num_c[:, s].sum(1) / c.den_c[:, s].sum(1)
                    )
            for b in range(bins - 1):
                v = means[b] - means[-1]
                ok = np.isfinite(v)
                acc[:, b] += np.where(ok, v * c.size, 0.0)
                wsum[:, b] += np.where(ok, c.size, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(wsum > 0, acc / np.where(wsum > 0, wsum, 1), np.nan)


def group_time(panel: PanelArrays, weights: np.ndarray, *, pre_periods: int) -> GroupTime:
    """Weighted sums for every cohort of ``panel`` under unit ``weights`` (R × N).

    Units without any data in a cohort's base window are left out of that cohort's
    comparison (they have no baseline). Cohorts starting in period 0 have no pre-period and
    are skipped.
    """
    control = ~panel.treated
    cohorts = []
    for g in panel.cohorts:
        lo = max(0, g - pre_periods)
        if g - lo < 1:
            continue
        pden = panel.den[:, lo:g].sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            base = panel.num[:, lo:g].sum(1) / pden
        has = pden > 0
        base = np.where(has, base, 0.0)
        dev = (panel.num - panel.den * base[:, None]) * has[:, None]
        den = panel.den * has[:, None]
        wt = weights * ((panel.cohort == g) & has)[None, :]
        wc = weights * (control & has)[None, :]
        cohorts.append(
            CohortSums(
                g=g,
                pre=(lo, g),
                num_t=wt @ dev,
                den_t=wt @ den,
                num_c=wc @ dev,
                den_c=wc @ den,
                size=wt.sum(1),
            )
        )
    return GroupTime(cohorts=cohorts, n_periods=panel.n_periods, pre_periods=pre_periods)
