"""Time windows and groupings shared by every metric.

**Window.** Flow metrics (bookings, win rate, deal size, cycle time, conversion, attainment)
count events whose date falls in a window ``[start, end]`` (both inclusive, ``end`` never later
than ``as_of``). The default is the *trailing 12 months*: from the day after the same date one
year earlier up to ``as_of`` (as of 2026-11-20: 2025-11-21 .. 2026-11-20). A ``period`` names a
calendar window instead: ``2026`` (a year), ``2026Q3`` (a quarter), ``2026-07`` (a month);
``start``/``end`` give any window. A window reaching past ``as_of`` is cut at ``as_of`` (the
future is not known yet). The open pipeline is a point-in-time metric: no window unless one is
given, in which case it keeps open deals whose expected close date falls in the window.

**Grouping.** ``by`` is ``None`` (company total), ``owner`` (the deal's owner as of ``as_of``;
key ``owner_id``), ``unit`` (the owner's unit in the reporting line as of ``as_of``; key
``unit_id``; for someone who has left by then, the unit of their last assignment, so a
leaver's deals stay with their team; NULL only for owners never assigned), ``month`` (key ``month``,
``YYYY-MM``) or ``quarter`` (key ``quarter``, ``YYYYQn``) of the metric's event date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import ibis

from salesorg.errors import ConfigError
from salesorg.metrics.pit import TableSource, to_date

__all__ = [
    "GROUPS",
    "Window",
    "add_group",
    "aggregate_by",
    "group_key",
    "resolve_window",
    "unit_as_of",
]

#: The values ``by`` accepts and the key naming the group in each result.
GROUPS: dict[str, str] = {
    "owner": "owner_id",
    "unit": "unit_id",
    "month": "month",
    "quarter": "quarter",
}


@dataclass(frozen=True)
class Window:
    """An inclusive date window ``start``..``end`` and how it was chosen (``label``)."""

    start: dt.date
    end: dt.date
    label: str

    def contains(self, day: ibis.Value) -> ibis.Value:
        """An Ibis predicate: ``day`` (a date expression) lies in the window."""
        return (day >= ibis.literal(self.start)) & (day <= ibis.literal(self.end))


def _period(text: str) -> tuple[dt.date, dt.date]:
    t = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})", t):
        y = int(m[1])
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", t):
        y, q = int(m[1]), int(m[2])
        first = dt.date(y, 3 * q - 2, 1)
        nxt = dt.date(y + 1, 1, 1) if q == 4 else dt.date(y, 3 * q + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", t):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            nxt = dt.date(y + 1, 1, 1) if mo == 12 else dt.date(y, mo + 1, 1)
            return dt.date(y, mo, 1), nxt - dt.timedelta(days=1)
    raise ConfigError(
        f"period {text!r} not understood — use a year (2026), a quarter (2026Q3) or a month (2026-07)"
    )


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def resolve_window(
    as_of: dt.date | str,
    *,
    period: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    future: bool = False,
) -> Window:
    """The window a metric counts over (see the module docstring for the rules).

    ``future=True`` (the open pipeline's expected close dates) does not cut it at ``as_of``.
    """
    as_of = to_date(as_of)
    if period is not None and (start is not None or end is not None):
        raise ConfigError("give either --period or --from/--to, not both")
    if period is not None:
        lo, hi = _period(period)
        label = period.strip().upper()
    elif start is not None or end is not None:
        hi = to_date(end) if end is not None else as_of
        lo = to_date(start) if start is not None else _year_before(hi) + dt.timedelta(days=1)
        label = f"{lo}..{hi}"
    else:
        lo, hi = _year_before(as_of) + dt.timedelta(days=1), as_of
        label = "trailing 12 months"
    if not future:
        hi = min(hi, as_of)
    if lo > hi:
        raise ConfigError(
            f"window {lo}..{hi} is empty (it starts after as_of {as_of} or after its end) — "
            "choose an earlier period or a later --as-of"
        )
    return Window(lo, hi, label)


def unit_as_of(source: TableSource, as_of: dt.date | str) -> ibis.Table:
    """Each person's unit as of ``as_of``: the latest assignment starting on or before it.

    For people in the reporting line then (:func:`~salesorg.metrics.pit.reporting_line`) that is
    the assignment in force; for leavers, their last one. Columns ``person_id``, ``unit_id``.
    """
    a = source.table("assignments")
    a = a.filter(a.valid_from <= ibis.literal(to_date(as_of)))
    w = ibis.window(group_by=a.person_id, order_by=[ibis.desc(a.valid_from), a.unit_id])
    ranked = a.mutate(_rn=ibis.row_number().over(w))
    return ranked.filter(ranked._rn == 0).select("person_id", "unit_id")


def group_key(by: str | None) -> str | None:
    """The result column naming the group (``owner_id``, ``unit_id``, ``month``, ``quarter``)."""
    if by is None:
        return None
    if by not in GROUPS:
        raise ConfigError(f"--by {by!r} is not a grouping — use one of {', '.join(GROUPS)}")
    return GROUPS[by]


def aggregate_by(table: ibis.Table, by: str | None, **metrics: ibis.Expr) -> ibis.Table:
    """``metrics`` per group of ``by`` (one row per group), or one company row when ``by`` is None."""
    key = group_key(by)
    return table.group_by(key).aggregate(**metrics) if key else table.aggregate(**metrics)


def add_group(
    source: TableSource,
    table: ibis.Table,
    by: str | None,
    as_of: dt.date | str,
    *,
    owner: str = "owner_id",
    day: str | None = None,
) -> ibis.Table:
    """``table`` with a column named after the group ``by`` (nothing added when ``by`` is None).

    ``owner`` names the column holding the person; ``day`` the date column that ``month`` and
    ``quarter`` group by. ``unit`` joins the reporting line as of ``as_of``.
    """
    key = group_key(by)
    if key is None:
        return table
    if by == "owner":
        return table.mutate(owner_id=table[owner]) if owner != "owner_id" else table
    if by == "unit":
        line = unit_as_of(source, as_of).select(_p="person_id", unit_id="unit_id")
        joined = table.left_join(line, table[owner] == line._p)
        return joined.drop("_p")
    if day is None:
        raise ConfigError(f"this metric cannot be grouped by {by}")
    d = table[day]
    if by == "month":
        return table.mutate(month=d.strftime("%Y-%m"))
    return table.mutate(quarter=d.year().cast("string") + "Q" + d.quarter().cast("string"))
