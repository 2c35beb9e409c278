"""Open pipeline: the deals still open at the end of ``as_of``, their amount and weighted value.

``open_count``; ``open_amount`` (sum of ``amount_rc``); ``weighted_amount`` (each amount times
its stage's CRM ``default_probability``, NULL probability counted as 0); ``commit_amount`` and
``best_case_amount`` (by forecast category). Grouped by the owner or unit as of ``as_of``, or by
the month or quarter of the expected close date (deals without one fall in the NULL group).
Point in time: without a window every open deal counts; with a window (``--period 2026Q4``) only
those expected to close in it.
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics._closed import zero
from salesorg.metrics.pit import TableSource, opportunity_state
from salesorg.metrics.window import Window, add_group, aggregate_by

__all__ = ["open_pipeline"]


def open_pipeline(
    source: TableSource,
    as_of: dt.date | str,
    *,
    by: str | None = None,
    window: Window | None = None,
) -> ibis.Table:
    """Open deals per group as of ``as_of`` (optionally those expected to close in ``window``)."""
    s = opportunity_state(source, as_of, header=False)  # no header column is used
    s = s.filter(~s.is_closed)
    s = s.mutate(close_day=s.close_date.cast("date"))
    if window is not None:
        s = s.filter(window.contains(s.close_day))
    s = add_group(source, s, by, as_of, day="close_day")
    amt = s.amount_rc
    prob = s.default_probability.coalesce(0.0)
    metrics = {
        "open_count": s.count(),
        "open_amount": zero(amt.sum()),
        "weighted_amount": zero((amt.cast("float64") * prob).sum()).round(2),
        "commit_amount": zero(ibis.cases((s.forecast_category == "commit", amt), else_=0).sum()),
        "best_case_amount": zero(
            ibis.cases((s.forecast_category == "best_case", amt), else_=0).sum()
        ),
    }
    return aggregate_by(s, by, **metrics)
