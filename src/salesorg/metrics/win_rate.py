"""Win rate: the share of closed deals that were won, by count and by amount.

Only deals closed in the window count (open deals have no outcome yet). ``won``, ``lost``,
``closed = won + lost``; ``win_rate = won / closed``; ``won_amount``, ``lost_amount`` (sums of
``amount_rc``) and ``win_rate_amount = won_amount / (won_amount + lost_amount)``. A group with
no closed deal has no row; a rate whose denominator is 0 is NULL.
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics._closed import closed_deals, one_if, zero
from salesorg.metrics.pit import TableSource
from salesorg.metrics.window import Window, add_group, group_key, resolve_window

__all__ = ["win_rate"]


def win_rate(
    source: TableSource,
    as_of: dt.date | str,
    *,
    by: str | None = None,
    window: Window | None = None,
) -> ibis.Table:
    """Won and lost deals per group and the win rate by count and by amount."""
    window = window or resolve_window(as_of)
    c = closed_deals(source, as_of, window, header=False)
    c = add_group(source, c, by, as_of, day="close_day")
    won_amt = ibis.cases((c.is_won, c.amount_rc), else_=0)
    lost_amt = ibis.cases((~c.is_won, c.amount_rc), else_=0)
    metrics = {
        "won": one_if(c.is_won).sum(),
        "lost": one_if(~c.is_won).sum(),
        "won_amount": zero(won_amt.sum()),
        "lost_amount": zero(lost_amt.sum()),
    }
    key = group_key(by)
    agg = c.group_by(key).aggregate(**metrics) if key else c.aggregate(**metrics)
    agg = agg.mutate(won=zero(agg.won), lost=zero(agg.lost))
    closed = agg.won + agg.lost
    total_amt = (agg.won_amount + agg.lost_amount).cast("float64")
    return agg.mutate(
        closed=closed,
        win_rate=ibis.cases((closed > 0, agg.won.cast("float64") / closed), else_=ibis.null()),
        win_rate_amount=ibis.cases(
            (total_amt > 0, agg.won_amount.cast("float64") / total_amt), else_=ibis.null()
        ),
    )
