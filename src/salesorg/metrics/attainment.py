"""Quota attainment: bookings against individual quotas, and the share of people above 100 %.

For each individual quota (``quotas.kind = 'individual'``) whose period overlaps the window
(default: trailing 12 months): ``bookings`` = sum of ``amount_rc`` of deals the holder owns as of
``as_of`` and won with close day in the quota period (up to ``as_of``); ``quota`` = the quota in
the reporting currency (converted at the latest rate on or before ``as_of``);
``attainment = bookings / quota``; ``complete`` = the period has ended by ``as_of``.

``by='owner'`` gives one row per person and period (key ``owner_id``). Otherwise rows are
aggregated per period (``period_start``, ``period_end``), and per unit (reporting line as of
``as_of``) or per month/quarter of the period start when asked: ``people``, ``at_or_above``
(attainment ≥ 1), ``share_at_or_above``, ``median_attainment``, ``p10_attainment``,
``p90_attainment``, ``quota``, ``bookings``.

References: the share of reps at or above quota and its right-skewed distribution, DOMAIN.md
6a–6b (CSO Insights; Alexander Group); rising goals and a falling share above 100 %, the seed
text ``seeds/000_08aace40859bb0bd.txt``.
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics._closed import one_if
from salesorg.metrics.pit import TableSource, fx_rates_as_of, opportunity_state, to_date
from salesorg.metrics.window import Window, add_group, group_key, resolve_window

__all__ = ["attainment", "attainment_by_person"]


def attainment_by_person(
    source: TableSource, as_of: dt.date | str, *, window: Window | None = None
) -> ibis.Table:
    """One row per individual quota in the window: quota, bookings, attainment, complete."""
    window = window or resolve_window(as_of)
    rc = getattr(source, "reporting_currency", "EUR")
    day = ibis.literal(to_date(as_of))
    q = source.table("quotas")
    q = q.filter(
        (q.kind == "individual")
        & (q.period_start <= ibis.literal(window.end))
        & (q.period_end >= ibis.literal(window.start))
    )
    rates = fx_rates_as_of(source, as_of, rc)
    q = q.left_join(rates, q.currency == rates.currency)
    q = q.select(
        owner_id=q.holder_id,
        period_start=q.period_start,
        period_end=q.period_end,
        quota=ibis.cases(
            (q.currency == rc, q.amount.cast("float64")),
            else_=q.amount.cast("float64") * q.rate,
        ),
    )
    s = opportunity_state(source, as_of, header=False)  # no header column is used
    won = s.filter(s.is_won)
    won = won.select(
        _owner=won.owner_id,
        _day=won.close_date.cast("date").coalesce(won.changed_at.date()),
        _amt=won.amount_rc.cast("float64"),
    )
    j = q.left_join(
        won,
        (q.owner_id == won._owner)
        & (won._day >= q.period_start)
        & (won._day <= q.period_end)
        & (won._day <= day),
    )
    per = j.group_by(["owner_id", "period_start", "period_end"]).aggregate(
        quota=j.quota.max(), bookings=j._amt.sum().coalesce(0.0)
    )
    return per.mutate(
        attainment=ibis.cases((per.quota > 0, per.bookings / per.quota), else_=ibis.null()),
        complete=per.period_end <= day,
    )


def attainment(
    source: TableSource,
    as_of: dt.date | str,
    *,
    by: str | None = None,
    window: Window | None = None,
) -> ibis.Table:
    """Attainment per person (``by='owner'``) or its distribution per period and group."""
    per = attainment_by_person(source, as_of, window=window)
    if by == "owner":
        return per
    per = add_group(source, per, by, as_of, day="period_start")
    key = group_key(by)
    keys = (
        [key]
        if by in ("month", "quarter")
        else [*([key] if key else []), "period_start", "period_end"]
    )
    above = one_if(per.attainment >= 1)
    agg = per.group_by(keys).aggregate(
        people=per.count(),
        at_or_above=above.sum(),
        median_attainment=per.attainment.median(),
        p10_attainment=per.attainment.quantile(0.1),
        p90_attainment=per.attainment.quantile(0.9),
        quota=per.quota.sum(),
        bookings=per.bookings.sum(),
    )
    return agg.mutate(share_at_or_above=agg.at_or_above.cast("float64") / agg.people)
