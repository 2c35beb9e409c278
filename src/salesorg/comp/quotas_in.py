"""Reading quotas and fixed costs for a period, in the reporting currency, as integer cents.

A quota row that covers the payout period exactly is used as it is. Rows that cover a longer or
shorter span count pro rata by days of overlap (a quarterly quota for a monthly plan period
counts ``days in month / days in quarter``); the exact sum is rounded half-up to the cent once.
Amounts in another currency are converted at the latest ``fx_rates`` rate on or before the
period end (the rate is read as the decimal it was stored as).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from salesorg.comp.periods import Period
from salesorg.errors import DataError
from salesorg.store import Store

__all__ = ["cost_per_year_cents", "quota_cents", "rate_to_reporting"]


def rate_to_reporting(store: Store, currency: str | None, day: dt.date) -> Fraction:
    """Units of the reporting currency per unit of ``currency`` as of ``day`` (exact as stored)."""
    rc = store.reporting_currency
    if currency is None or currency == rc:
        return Fraction(1)
    row = store.con.execute(
        "SELECT rate FROM fx_rates WHERE currency = ? AND date <= ? ORDER BY date DESC LIMIT 1",
        [currency, day],
    ).fetchone()
    if row is None:
        raise DataError(
            f"no exchange rate {currency}→{rc} on or before {day} — import fx_rates.csv "
            "(date,currency,rate) with a rate for it"
        )
    return Fraction(Decimal(repr(float(row[0]))))


def _round(x: Fraction) -> int:
    n, d = x.numerator, x.denominator
    return (2 * n + d) // (2 * d) if n >= 0 else -((2 * -n + d) // (2 * d))


def quota_cents(
    store: Store, holder_id: str, period: Period, *, kind: str = "individual"
) -> int | None:
    """The quota of ``holder_id`` for ``period`` in reporting-currency cents (None if none)."""
    rows = store.con.execute(
        """SELECT period_start, period_end, amount, currency FROM quotas
           WHERE holder_id = ? AND kind = ? AND period_start <= ? AND period_end >= ?""",
        [holder_id, kind, period.end, period.start],
    ).fetchall()
    if not rows:
        return None
    total = Fraction(0)
    for start, end, amount, currency in rows:
        span = (end - start).days + 1
        overlap = (min(end, period.end) - max(start, period.start)).days + 1
        total += (
            Fraction(Decimal(amount) * 100)
            * Fraction(overlap, span)
            * rate_to_reporting(store, currency, period.end)
        )
    return _round(total)


def cost_per_year_cents(store: Store, person_id: str, day: dt.date) -> int:
    """``people.cost_per_year`` of a person in reporting-currency cents (0 when unknown)."""
    row = store.con.execute(
        "SELECT cost_per_year, currency FROM people WHERE person_id = ?", [person_id]
    ).fetchone()
    if row is None or row[0] is None:
        return 0
    return _round(Fraction(Decimal(row[0]) * 100) * rate_to_reporting(store, row[1], day))
