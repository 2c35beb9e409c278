"""Average deal size: the mean amount of deals won in the window.

``won`` (count), ``won_amount`` (sum of ``amount_rc``), ``avg_deal_size = won_amount / won``
and ``median_deal_size`` (the median won amount). Won deals only: lost deals' amounts are
hopes, not sizes.
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics._closed import won_deals
from salesorg.metrics.pit import TableSource
from salesorg.metrics.window import Window, add_group, aggregate_by, resolve_window

__all__ = ["deal_size"]


def deal_size(
    source: TableSource,
    as_of: dt.date | str,
    *,
    by: str | None = None,
    window: Window | None = None,
) -> ibis.Table:
    """Won deals per group with their mean and median amount (reporting currency)."""
    window = window or resolve_window(as_of)
    won = won_deals(source, as_of, window, header=False)
    won = add_group(source, won, by, as_of, day="close_day")
    amt = won.amount_rc.cast("float64")
    metrics = {
        "won": won.count(),
        "won_amount": won.amount_rc.sum(),
        "avg_deal_size": amt.mean(),
        "median_deal_size": amt.median(),
    }
    return aggregate_by(won, by, **metrics)
