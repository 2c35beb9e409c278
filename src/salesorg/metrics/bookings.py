"""Bookings: the amount and number of deals won in a window.

``won`` = count of deals won with close day in the window; ``won_amount`` = sum of their
``amount_rc`` (reporting currency). Grouped by the owner or unit as of ``as_of`` or by the month
or quarter of the close day. Window and groups: :mod:`salesorg.metrics.window`.
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics._closed import won_deals, zero
from salesorg.metrics.pit import TableSource
from salesorg.metrics.window import Window, add_group, aggregate_by, resolve_window

__all__ = ["bookings"]


def bookings(
    source: TableSource,
    as_of: dt.date | str,
    *,
    by: str | None = None,
    window: Window | None = None,
) -> ibis.Table:
    """Won deals per group: ``won`` (count) and ``won_amount`` (sum of ``amount_rc``)."""
    window = window or resolve_window(as_of)
    won = won_deals(source, as_of, window, header=False)
    won = add_group(source, won, by, as_of, day="close_day")
    metrics = {"won": won.count(), "won_amount": zero(won.amount_rc.sum())}
    return aggregate_by(won, by, **metrics)
