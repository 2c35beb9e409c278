"""Closed deals as of a date: the shared base of bookings, win rate, deal size and cycle time.

A deal counts as closed in a window when, as of ``as_of``, its stage is a closed stage and its
*close day* lies in the window. The close day is the deal's ``close_date`` (for a closed deal
the actual close date), or the day of the change that closed it when the export has no close
date. Amounts are ``amount_rc`` (reporting currency, converted at the latest rate on or before
``as_of``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis

from salesorg.metrics.pit import TableSource, opportunity_state
from salesorg.metrics.window import Window

__all__ = ["closed_deals", "one_if", "won_deals", "zero"]


def closed_deals(
    source: TableSource,
    as_of: dt.date | str,
    window: Window,
    *,
    header: bool | Sequence[str] = True,
) -> ibis.Table:
    """Deals closed (won or lost) in ``window``, as known at the end of ``as_of``.

    Columns: those of :func:`~salesorg.metrics.pit.opportunity_state` plus ``close_day``;
    ``header`` picks the descriptive header columns as there (``False``: none, no header join).
    """
    s = opportunity_state(source, as_of, header=header)
    s = s.filter(s.is_closed)
    s = s.mutate(close_day=s.close_date.cast("date").coalesce(s.changed_at.date()))
    return s.filter(window.contains(s.close_day))


def one_if(condition: ibis.Value) -> ibis.Value:
    """1 where ``condition`` holds, else 0 (summing it counts; portable, unlike bool casts)."""
    return ibis.cases((condition, 1), else_=0)


def zero(value: ibis.Value) -> ibis.Value:
    """A sum that is NULL over no rows becomes 0 (an empty group sold nothing)."""
    return value.coalesce(0)


def won_deals(
    source: TableSource,
    as_of: dt.date | str,
    window: Window,
    *,
    header: bool | Sequence[str] = True,
) -> ibis.Table:
    """Deals won in ``window`` as known at the end of ``as_of`` (see :func:`closed_deals`)."""
    closed = closed_deals(source, as_of, window, header=header)
    return closed.filter(closed.is_won)
