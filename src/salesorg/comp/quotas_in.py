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

__all__ = ["QuotaBook", "cost_per_year_cents", "quota_cents"]


class QuotaBook:
    """Quotas, people's costs and fx rates read once from the store, looked up in memory."""

    def __init__(self, store: Store):
        self.reporting_currency = store.reporting_currency
        q = store.con.execute(
            "SELECT holder_id, kind, period_start, period_end, amount, currency FROM quotas"
        ).fetchall()
        self._quotas: dict[tuple[str, str], list[tuple]] = {}
        for holder, kind, start, end, amount, currency in q:
            self._quotas.setdefault((holder, kind), []).append((start, end, amount, currency))
        self._fx: dict[str, list[tuple[dt.date, float]]] = {}
        for day, currency, rate in store.con.execute(
            "SELECT date, currency, rate FROM fx_rates ORDER BY date"
        ).fetchall():
            self._fx.setdefault(currency, []).append((day, rate))
        self._cost = {
            r[0]: (r[1], r[2])
            for r in store.con.execute(
                "SELECT person_id, cost_per_year, currency FROM people"
            ).fetchall()
        }

    def rate(self, currency: str | None, day: dt.date) -> Fraction:
        """Units of the reporting currency per unit of ``currency`` as of ``day`` (as stored)."""
        rc = self.reporting_currency
        if currency is None or currency == rc:
            return Fraction(1)
        known = [r for d, r in self._fx.get(currency, []) if d <= day]
        if not known:
            raise DataError(
                f"no exchange rate {currency}→{rc} on or before {day} — import fx_rates.csv "
                "(date,currency,rate) with a rate for it"
            )
        return Fraction(Decimal(repr(float(known[-1]))))

    def quota_cents(
        self, holder_id: str, period: Period, *, kind: str = "individual"
    ) -> int | None:
        """The quota of ``holder_id`` for ``period`` in reporting-currency cents (None if none)."""
        rows = [
            r
            for r in self._quotas.get((holder_id, kind), [])
            if r[0] <= period.end and r[1] >= period.start
        ]
        if not rows:
            return None
        total = Fraction(0)
        for start, end, amount, currency in rows:
            span = (end - start).days + 1
            overlap = (min(end, period.end) - max(start, period.start)).days + 1
            total += (
                Fraction(Decimal(amount) * 100)
                * Fraction(overlap, span)
                * self.rate(currency, period.end)
            )
        return _round(total)

    def cost_per_year_cents(self, person_id: str, day: dt.date) -> int:
        """``people.cost_per_year`` in reporting-currency cents (0 when unknown)."""
        cost, currency = self._cost.get(person_id, (None, None))
        if cost is None:
            return 0
        return _round(Fraction(Decimal(cost) * 100) * self.rate(currency, day))


def _round(x: Fraction) -> int:
    n, d = x.numerator, x.denominator
    return (2 * n + d) // (2 * d) if n >= 0 else -((2 * -n + d) // (2 * d))


def quota_cents(
    store: Store, holder_id: str, period: Period, *, kind: str = "individual"
) -> int | None:
    """The quota of ``holder_id`` for ``period`` in reporting-currency cents (None if none)."""
    return QuotaBook(store).quota_cents(holder_id, period, kind=kind)


def cost_per_year_cents(store: Store, person_id: str, day: dt.date) -> int:
    """``people.cost_per_year`` of a person in reporting-currency cents (0 when unknown)."""
    return QuotaBook(store).cost_per_year_cents(person_id, day)
