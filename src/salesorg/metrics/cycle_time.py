"""Sales-cycle length: days from creation to the win, for deals won in the window.

``won`` (count), ``median_days`` (median of ``close_day - created_on`` in days), ``mean_days``,
``p25_days`` and ``p75_days``. Won deals only (a lost deal's cycle says how fast a team gives
up, a different question).
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics._closed import won_deals
from salesorg.metrics.pit import TableSource
from salesorg.metrics.window import Window, add_group, aggregate_by, resolve_window

__all__ = ["cycle_time"]


def cycle_time(
    source: TableSource,
    as_of: dt.date | str,
    *,
    by: str | None = None,
    window: Window | None = None,
) -> ibis.Table:
    """Days from created to won per group: median (the headline), mean and quartiles."""
    window = window or resolve_window(as_of)
    won = won_deals(source, as_of, window, header=("created_on",))
    won = won.mutate(
        days=won.close_day.delta(won.created_on.cast("date"), unit="day").cast("float64")
    )
    won = add_group(source, won, by, as_of, day="close_day")
    metrics = {
        "won": won.count(),
        "median_days": won.days.median(),
        "mean_days": won.days.mean(),
        "p25_days": won.days.quantile(0.25),
        "p75_days": won.days.quantile(0.75),
    }
    return aggregate_by(won, by, **metrics)
