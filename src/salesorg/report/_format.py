"""Formatting values for people: money with thousands separators, shares as percent, dates ISO.

Shared by the HTML/PDF renderers (text) so a figure reads the same in every output. The Excel
renderer keeps numbers as numbers and applies number formats instead.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

__all__ = ["format_cell", "format_kpi", "is_missing"]


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, decimal.Decimal)):
        return float(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            v = value.item()
        except (ValueError, TypeError):
            return None
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    return None


def format_money(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"


def format_cell(value: Any, *, money: bool = False, percent: bool = False) -> str:
    """One table cell as text: money ``1,234.50``, share ``12.5 %``, dates ISO, blank if missing."""
    if is_missing(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "to_pydatetime"):
        return format_cell(value.to_pydatetime(), money=money, percent=percent)
    num = _number(value)
    if num is not None:
        if percent:
            return f"{num * 100:.1f} %"
        if money:
            return format_money(num)
        if float(num).is_integer() and abs(num) < 1e15:
            return f"{int(num):,}" if abs(num) >= 10_000 else str(int(num))
        return f"{num:,.2f}" if abs(num) >= 100 else f"{num:.3g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def format_kpi(value: Any, unit: str) -> str:
    """A KPI value with its unit.

    ``unit`` conventions: ``"share"`` or ``"%"`` — a fraction 0..1 shown as percent;
    a three-letter upper-case currency code (``EUR``) — money; ``"x"`` — a ratio (``2.3x``);
    anything else is appended after the number (``days``, ``h``).
    """
    if is_missing(value):
        return "n/a"
    num = _number(value)
    if num is None:
        return f"{value} {unit}".strip()
    if unit in ("share", "%"):
        return f"{num * 100:.1f} %"
    if len(unit) == 3 and unit.isalpha() and unit.isupper():
        return f"{format_money(num)} {unit}"
    if unit == "x":
        return f"{num:.2f}x"
    text = f"{num:,.0f}" if abs(num) >= 1000 or float(num).is_integer() else f"{num:,.1f}"
    return f"{text} {unit}".strip()


def format_delta(value: Any, unit: str) -> str:
    """A signed change in the KPI's unit (``+1,200.00 EUR``, ``-3.0 pp``)."""
    if is_missing(value):
        return ""
    num = _number(value)
    if num is None:
        return str(value)
    if unit in ("share", "%"):
        return f"{num * 100:+.1f} pp"
    if len(unit) == 3 and unit.isalpha() and unit.isupper():
        return f"{'+' if num >= 0 else '-'}{format_money(abs(num))} {unit}"
    if unit == "x":
        return f"{num:+.2f}x"
    return f"{num:+,.1f} {unit}".strip()
