"""Payout periods: months, quarters and years, with a fiscal-year start month.

A payout run covers a *window* given as a calendar label (``2026Q3``, ``2026-07``, ``2026``)
or a range (``2026-07-01..2026-09-30``). Each plan pays per its own period; a run computes
every plan period that **ends** inside the window (a yearly plan pays in the run that contains
its year end). Fiscal years are named by the calendar year they end in: with
``fiscal_year_start_month = 7``, ``FY2026`` runs 2025-07-01..2026-06-30 and ``FY2026Q1`` is
July–September 2025.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from salesorg.errors import ConfigError

__all__ = ["Period", "fiscal_year_start", "parse_window", "plan_periods"]


@dataclass(frozen=True)
class Period:
    """A payout period: a label and inclusive start and end dates."""

    label: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_start(year: int, month: int) -> dt.date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, 1)


def _add_months(d: dt.date, months: int) -> dt.date:
    return _month_start(d.year, d.month + months)


def parse_window(text: str) -> Period:
    """A calendar window from ``2026Q3``, ``2026-07``, ``2026`` or ``START..END``.

    Raises :class:`ConfigError` for anything else, with the accepted forms.
    """
    s = text.strip()
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", s):
        y, q = int(m[1]), int(m[2])
        start = dt.date(y, 3 * q - 2, 1)
        return Period(f"{y}Q{q}", start, _add_months(start, 3) - dt.timedelta(days=1))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", s):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            start = dt.date(y, mo, 1)
            return Period(s, start, _add_months(start, 1) - dt.timedelta(days=1))
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        return Period(s, dt.date(y, 1, 1), dt.date(y, 12, 31))
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", s):
        try:
            a, b = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        except ValueError:
            a = b = None  # type: ignore[assignment]
        if a is not None and b is not None and a <= b:
            return Period(s, a, b)
    raise ConfigError(
        f"--period {text!r}: not a period — use 2026Q3, 2026-07, 2026 or 2026-07-01..2026-09-30"
    )


def fiscal_year_start(day: dt.date, start_month: int) -> dt.date:
    """The first day of the fiscal year containing ``day``."""
    y = day.year if day.month >= start_month else day.year - 1
    return dt.date(y, start_month, 1)


def _label(kind: str, start: dt.date, start_month: int) -> str:
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    fy = fiscal_year_start(start, start_month)
    year_label = f"{fy.year}" if start_month == 1 else f"FY{fy.year + 1}"
    if kind == "year":
        return year_label
    q = ((start.month - start_month) % 12) // 3 + 1
    return f"{year_label}Q{q}"


def plan_periods(
    kind: str, window: Period, *, fiscal_start_month: int = 1, ending_in_window: bool = True
) -> list[Period]:
    """The plan periods of ``kind`` (month, quarter, year) that end inside ``window``.

    With ``ending_in_window=False``, every period that overlaps the window.
    """
    step = {"month": 1, "quarter": 3, "year": 12}[kind]
    first = fiscal_year_start(window.start, fiscal_start_month)
    first = _add_months(first, -12)
    out = []
    cur = first
    while cur <= window.end:
        nxt = _add_months(cur, step)
        end = nxt - dt.timedelta(days=1)
        inside = window.start <= end <= window.end
        overlaps = end >= window.start and cur <= window.end
        if (ending_in_window and inside) or (not ending_in_window and overlaps):
            out.append(Period(_label(kind, cur, fiscal_start_month), cur, end))
        cur = nxt
    return out
