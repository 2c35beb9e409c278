"""Forecast periods (a month ``2026-11`` or a quarter ``2026Q4``) and calendar helpers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from salesorg.errors import ConfigError

__all__ = ["Period", "parse_period", "quarter_of"]

_Q = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")
_M = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range ``start..end`` (both inclusive) with its label and kind."""

    start: dt.date
    end: dt.date
    label: str
    kind: str  # "quarter" or "month"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shift(self, n: int) -> Period:
        """The period ``n`` steps later (earlier if negative) of the same kind."""
        months = 3 if self.kind == "quarter" else 1
        idx = self.start.year * 12 + self.start.month - 1 + n * months
        return _from_month_index(idx, self.kind)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def _from_month_index(idx: int, kind: str) -> Period:
    y, m0 = divmod(idx, 12)
    start = dt.date(y, m0 + 1, 1)
    months = 3 if kind == "quarter" else 1
    ny, nm0 = divmod(idx + months, 12)
    end = dt.date(ny, nm0 + 1, 1) - dt.timedelta(days=1)
    label = f"{y}Q{m0 // 3 + 1}" if kind == "quarter" else f"{y}-{m0 + 1:02d}"
    return Period(start, end, label, kind)


def parse_period(text: str | Period) -> Period:
    """Parse ``2026Q4`` / ``2026-Q4`` (quarter) or ``2026-11`` (month).

    >>> parse_period("2026Q4").start, parse_period("2026-02").end
    (datetime.date(2026, 10, 1), datetime.date(2026, 2, 28))
    """
    if isinstance(text, Period):
        return text
    s = str(text).strip()
    m = _Q.match(s)
    if m:
        y, q = int(m.group(1)), int(m.group(2))
        return _from_month_index(y * 12 + (q - 1) * 3, "quarter")
    m = _M.match(s)
    if m and 1 <= int(m.group(2)) <= 12:
        return _from_month_index(int(m.group(1)) * 12 + int(m.group(2)) - 1, "month")
    raise ConfigError(
        f"period {text!r} is not a quarter or a month — write it as 2026Q4 or 2026-11"
    )


def quarter_of(day: dt.date) -> Period:
    """The calendar quarter containing ``day``."""
    return _from_month_index(day.year * 12 + (day.month - 1) // 3 * 3, "quarter")


def month_of(day: dt.date) -> Period:
    """The calendar month containing ``day``."""
    return _from_month_index(day.year * 12 + day.month - 1, "month")
