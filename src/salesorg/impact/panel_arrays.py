"""The estimators' data layout: a person × period panel as numerator and denominator matrices.

Every outcome is a ratio per cell: ``num / den``. A win rate has ``num`` = deals won and
``den`` = deals closed in that person-week; bookings have ``num`` = amount won and ``den`` = 1
for every person-week. A cell with ``den == 0`` carries no information (no deal closed) and
is skipped, so sparse weekly metrics need no imputation. Means over cells are pooled
(``sum num / sum den``): a person-week with ten closed deals counts ten times one with one.

``cohort`` holds the index of each unit's first treated period (``-1`` = never treated) and
``cluster`` the team each unit belonged to at the start, for cluster-level inference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

__all__ = ["PanelArrays"]


@dataclass(frozen=True)
class PanelArrays:
    """A person × period panel of ``num``/``den`` cells with treatment cohorts and clusters."""

    units: np.ndarray  # (N,) ids
    periods: np.ndarray  # (T,) datetime64[D], the first day of each period
    num: np.ndarray  # (N, T) float
    den: np.ndarray  # (N, T) float, >= 0
    cohort: np.ndarray  # (N,) int, index of first treated period, -1 = never treated
    cluster: np.ndarray  # (N,) int codes into cluster_ids
    cluster_ids: np.ndarray  # (C,) ids

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def treated(self) -> np.ndarray:
        return self.cohort >= 0

    @property
    def cohorts(self) -> list[int]:
        return sorted(int(g) for g in np.unique(self.cohort[self.cohort >= 0]))

    def y(self) -> np.ndarray:
        """Cell values ``num / den`` (NaN where ``den == 0``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.den > 0, self.num / np.where(self.den > 0, self.den, 1), np.nan)

    def subset(self, mask: np.ndarray) -> PanelArrays:
        """The panel restricted to units where ``mask`` is true (clusters re-coded)."""
        codes, cluster = np.unique(self.cluster[mask], return_inverse=True)
        return replace(
            self,
            units=self.units[mask],
            num=self.num[mask],
            den=self.den[mask],
            cohort=self.cohort[mask],
            cluster=cluster,
            cluster_ids=self.cluster_ids[codes],
        )

    def period_index(self, day: dt.date) -> int:
        """Index of the period that contains ``day`` (-1 if before the first period)."""
        return int(np.searchsorted(self.periods, np.datetime64(day, "D"), side="right")) - 1

    @classmethod
    def from_long(
        cls,
        frame: pd.DataFrame,
        *,
        starts: Mapping[str, dt.date],
        clusters: Mapping[str, str] | None = None,
        periods: np.ndarray | None = None,
    ) -> PanelArrays:
        """Build from long rows ``unit, period, num, den`` (missing cells are ``den = 0``).

        ``starts`` maps treated units to their start date (the cohort is the period holding
        it); ``clusters`` maps units to teams (default: each unit its own cluster).
        """
        units = np.array(sorted(frame["unit"].astype(str).unique()), dtype=object)
        if periods is None:
            periods = np.array(
                sorted(pd.to_datetime(frame["period"]).unique()), dtype="datetime64[D]"
            )
        ui = pd.Index(units).get_indexer(frame["unit"].astype(str))
        ti = pd.Index(periods).get_indexer(
            np.asarray(pd.to_datetime(frame["period"]), dtype="datetime64[D]")
        )
        keep = (ui >= 0) & (ti >= 0)
        num = np.zeros((len(units), len(periods)))
        den = np.zeros((len(units), len(periods)))
        np.add.at(num, (ui[keep], ti[keep]), frame["num"].to_numpy(float)[keep])
        np.add.at(den, (ui[keep], ti[keep]), frame["den"].to_numpy(float)[keep])
        cohort = np.full(len(units), -1, dtype=int)
        for k, u in enumerate(units):
            if u in starts:
                g = int(np.searchsorted(periods, np.datetime64(starts[u], "D"), side="right")) - 1
                cohort[k] = max(g, 0)
        labels = [str((clusters or {}).get(u) or f"unit:{u}") for u in units]
        cluster_ids, cluster = np.unique(np.array(labels, dtype=object), return_inverse=True)
        return cls(units, periods, num, den, cohort, cluster, cluster_ids)
