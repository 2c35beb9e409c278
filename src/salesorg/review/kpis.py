"""Headline KPIs of a unit on one date: pipeline, bookings, quota coverage, win rate, cycle.

Computed from the point-in-time state at that date only (so the KPIs of last week's review or
of the same week last quarter are what was known then). One Ibis aggregate over the state plus
a quota lookup. The metrics engineer's ``salesorg.metrics`` helpers will replace the inline
win-rate and cycle-time expressions once they land; the definitions here are documented in
``docs/review.md``.

Definitions (D = as_of, Q = D's calendar quarter, Q+1 the next one):

- ``open_pipeline``: Σ amount of open deals; ``open_deals``: their count.
- ``quarter_pipeline`` / ``next_quarter_pipeline``: open deals with a close date in Q / Q+1.
- ``booked_qtd``: won deals with a close date from Q's start to D.
- ``quarter_quota`` / ``next_quarter_quota``: the unit's team quota for the quarter, or else
  the sum of its members' individual quotas (pro rata by days when periods differ).
- ``coverage`` = quarter_pipeline / (quota − booked); ``next_coverage`` = next pipeline / next
  quota (NULL without a quota, infinite cover reported as NULL when nothing remains).
- ``win_rate_90d``: won / (won + lost) by count, deals closed in the 90 days to D;
  ``win_rate_value_90d`` by amount.
- ``cycle_days_90d``: median days from creation to close of deals won in the 90 days to D.
- ``new_pipeline_7d``: Σ amount of deals created in the 7 days to D (at their D amount).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import ibis

from salesorg.metrics.pit import TableSource, to_date
from salesorg.review.config import next_quarter, quarter_bounds
from salesorg.review.holders import quota_for_period
from salesorg.review.source import state_at

__all__ = ["headline_kpis", "headline_kpis_at", "scoped", "unit_quota"]


def scoped(table: ibis.Table, owners: Iterable[str] | None, column: str = "owner_id") -> ibis.Table:
    """``table`` restricted to rows whose ``column`` is one of ``owners`` (``None`` = all)."""
    if owners is None:
        return table
    return table.filter(table[column].isin(sorted(set(owners))))


def unit_quota(
    source: TableSource,
    start: dt.date,
    end: dt.date,
    *,
    as_of: dt.date,
    unit_id: str | None,
    owners: Iterable[str] | None,
) -> float | None:
    """The unit's quota for ``start..end``: its team quota if it has one, else the sum of its
    members' individual quotas; ``None`` when there is neither."""
    if unit_id is not None:
        team = quota_for_period(source, start, end, as_of=as_of, kind="team")
        team = team[team["holder_id"] == unit_id]
        if len(team):
            return float(team["quota"].sum())
    ind = quota_for_period(source, start, end, as_of=as_of, kind="individual")
    if owners is not None:
        ind = ind[ind["holder_id"].isin(set(owners))]
    return float(ind["quota"].sum()) if len(ind) else None


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def _aggregate(s: ibis.Table, d: dt.date, key: int) -> ibis.Table:
    """The one-row aggregate of the KPIs on ``d`` over the state ``s`` (tagged ``k`` = ``key``)."""
    q0, q1 = quarter_bounds(d)
    n0, n1 = next_quarter(d)
    amt = s.amount_rc.cast("float64")
    is_open = ~s.is_closed
    cd = s.close_date
    in_q = cd.between(ibis.literal(q0), ibis.literal(q1)).coalesce(False)
    in_n = cd.between(ibis.literal(n0), ibis.literal(n1)).coalesce(False)
    recent = (cd > ibis.literal(d - dt.timedelta(days=90))) & (cd <= ibis.literal(d))
    won90 = s.is_closed & s.is_won & recent.coalesce(False)
    lost90 = s.is_closed & ~s.is_won & recent.coalesce(False)
    cycle = ibis.ifelse(won90, cd.delta(s.created_on, unit="day").cast("float64"), ibis.null())
    return s.aggregate(
        k=ibis.literal(key, type="int64"),
        open_pipeline=ibis.ifelse(is_open, amt, 0.0).sum(),
        open_deals=ibis.ifelse(is_open, 1, 0).sum(),
        quarter_pipeline=ibis.ifelse(is_open & in_q, amt, 0.0).sum(),
        next_quarter_pipeline=ibis.ifelse(is_open & in_n, amt, 0.0).sum(),
        booked_qtd=ibis.ifelse(
            s.is_won & (cd >= ibis.literal(q0)).coalesce(False) & (cd <= ibis.literal(d)),
            amt,
            0.0,
        ).sum(),
        won_90d=ibis.ifelse(won90, 1, 0).sum(),
        lost_90d=ibis.ifelse(lost90, 1, 0).sum(),
        won_value_90d=ibis.ifelse(won90, amt, 0.0).sum(),
        lost_value_90d=ibis.ifelse(lost90, amt, 0.0).sum(),
        cycle_days_90d=cycle.median(),
        new_pipeline_7d=ibis.ifelse(
            s.created_on > ibis.literal(d - dt.timedelta(days=7)), amt, 0.0
        ).sum(),
    )


def _finish(
    row: dict[str, Any],
    source: TableSource,
    d: dt.date,
    *,
    owners: Iterable[str] | None,
    unit_id: str | None,
) -> dict[str, Any]:
    """The KPIs of one aggregate row: typed, rounded, with the quota and the ratios."""
    q0, q1 = quarter_bounds(d)
    n0, n1 = next_quarter(d)
    counts = ("open_deals", "won_90d", "lost_90d")
    out: dict[str, Any] = {
        k: (None if v is None or v != v else int(v) if k in counts else float(v))
        for k, v in row.items()
        if k != "k"
    }
    for k in (
        "open_pipeline",
        "quarter_pipeline",
        "next_quarter_pipeline",
        "booked_qtd",
        "won_value_90d",
        "lost_value_90d",
        "new_pipeline_7d",
    ):
        out[k] = round(float(out[k] or 0.0), 2)
    quota = unit_quota(source, q0, q1, as_of=d, unit_id=unit_id, owners=owners)
    next_quota = unit_quota(source, n0, n1, as_of=d, unit_id=unit_id, owners=owners)
    remaining = None if quota is None else max(quota - out["booked_qtd"], 0.0)
    closed = (out["won_90d"] or 0) + (out["lost_90d"] or 0)
    closed_value = out["won_value_90d"] + out["lost_value_90d"]
    out.update(
        quarter=f"{q0.year}Q{(q0.month - 1) // 3 + 1}",
        quarter_quota=None if quota is None else round(quota, 2),
        remaining_quota=None if remaining is None else round(remaining, 2),
        attainment_qtd=_div(out["booked_qtd"], quota),
        coverage=_div(out["quarter_pipeline"], remaining),
        next_quarter_quota=None if next_quota is None else round(next_quota, 2),
        next_coverage=_div(out["next_quarter_pipeline"], next_quota),
        win_rate_90d=(out["won_90d"] / closed) if closed else None,
        win_rate_value_90d=(out["won_value_90d"] / closed_value) if closed_value > 0 else None,
    )
    return out


def headline_kpis_at(
    source: TableSource,
    dates: Sequence[dt.date | str],
    *,
    owners: Iterable[str] | None = None,
    unit_id: str | None = None,
) -> list[dict[str, Any]]:
    """:func:`headline_kpis` on each of ``dates`` (in that order), from one query: the
    aggregates over each date's own state are stacked (``UNION ALL``), so a review's three
    dates cost one compilation and one round trip instead of three."""
    days = [to_date(d) for d in dates]
    people = None if owners is None else sorted(set(owners))
    parts = [_aggregate(scoped(state_at(source, d), people), d, i) for i, d in enumerate(days)]
    rows = ibis.union(*parts).execute() if len(parts) > 1 else parts[0].execute()
    by_key = {int(r["k"]): r for r in rows.to_dict(orient="records")}
    return [
        _finish(by_key[i], source, d, owners=people, unit_id=unit_id) for i, d in enumerate(days)
    ]


def headline_kpis(
    source: TableSource,
    as_of: dt.date | str,
    *,
    owners: Iterable[str] | None = None,
    unit_id: str | None = None,
) -> dict[str, Any]:
    """The headline KPIs of the unit on ``as_of`` (see the module docstring)."""
    return headline_kpis_at(source, [as_of], owners=owners, unit_id=unit_id)[0]
