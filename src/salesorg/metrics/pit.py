"""Point-in-time views: the state of every opportunity and reporting line as of a moment.

Every metric, review and forecast starts here, so a report for last Monday shows only what
was known last Monday. ``as_of`` is a date meaning *the end of that day* (DESIGN.md): a history
row changed at ``2026-06-08T17:00`` is part of the state as of ``2026-06-08``.

Because the store keeps each history row's validity interval (``changed_at`` to ``valid_to``),
the state at an instant is a range filter, not a window query over the whole history.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import ibis

__all__ = [
    "TableSource",
    "as_of_instant",
    "check_rates",
    "fx_rates_as_of",
    "opportunity_state",
    "reporting_line",
    "to_date",
]


class TableSource(Protocol):
    """Anything that hands out the model's tables as Ibis tables (a :class:`~salesorg.store.Store`)."""

    def table(self, name: str) -> ibis.Table: ...


def to_date(value: dt.date | str) -> dt.date:
    """Accept a ``date`` or an ISO string (``2026-06-08``)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def as_of_instant(as_of: dt.date | str) -> dt.datetime:
    """The exclusive upper bound of ``as_of``: midnight at the start of the next day."""
    return dt.datetime.combine(to_date(as_of) + dt.timedelta(days=1), dt.time())


def fx_rates_as_of(
    source: TableSource, as_of: dt.date | str, reporting_currency: str
) -> ibis.Table:
    """The rate of every currency to the reporting currency as of ``as_of``.

    One row per currency: ``currency``, ``rate`` (reporting units per unit), ``rate_date`` (the
    latest ``fx_rates.date`` on or before ``as_of``). The reporting currency itself has rate 1
    and no rate date. Reports name the rate date they used.
    """
    day = ibis.literal(to_date(as_of))
    fx = source.table("fx_rates")
    known = fx.filter(fx.date <= day)
    latest = known.group_by("currency").aggregate(rate_date=known.date.max())
    rates = latest.join(
        known, (latest.currency == known.currency) & (latest.rate_date == known.date)
    )
    rates = rates.select(currency=latest.currency, rate=known.rate, rate_date=latest.rate_date)
    rates = rates.filter(rates.currency != reporting_currency)
    # One row for the reporting currency itself. A global aggregate always yields exactly one
    # row, on every backend, without a memtable (which Spark cannot see inside cached queries).
    own = fx.aggregate(n=fx.count()).select(
        currency=ibis.literal(reporting_currency, type="string"),
        rate=ibis.literal(1.0, type="float64"),
        rate_date=ibis.null().cast("date"),
    )
    return rates.union(own)


def opportunity_state(
    source: TableSource, as_of: dt.date | str, *, reporting_currency: str | None = None
) -> ibis.Table:
    """The state of every opportunity that existed at the end of ``as_of``.

    One row per opportunity with the header columns (``opportunity_id``, ``account_id``,
    ``name``, ``product``, ``deal_type``, ``created_on``, ``currency``, ``pipeline``), the
    state (``stage``, ``amount``, ``close_date``, ``forecast_category``, ``owner_id`` as of
    then, ``changed_at`` of the last change) and the stage's properties (``ordinal``,
    ``is_closed``, ``is_won``, ``default_probability``). Opportunities whose first history row
    is later than ``as_of`` do not appear.

    ``amount_rc`` is the amount in the reporting currency (``store.reporting_currency`` unless
    given), converted at the latest rate on or before ``as_of``; it is NULL where no rate is
    known (:func:`check_rates` turns that into a clear error). Sum ``amount_rc``, never
    ``amount``, across opportunities.
    """
    if reporting_currency is None:
        reporting_currency = getattr(source, "reporting_currency", "EUR")
    t = ibis.literal(as_of_instant(as_of))
    hist = source.table("opportunity_history")
    current = hist.filter((hist.changed_at < t) & (hist.valid_to >= t))
    opps = source.table("opportunities")
    stages = source.table("stages")
    joined = current.join(opps, current.opportunity_id == opps.opportunity_id)
    joined = joined.select(
        opportunity_id=current.opportunity_id,
        account_id=opps.account_id,
        owner_id=current.owner_id.coalesce(opps.owner_id),
        name=opps.name,
        product=opps.product,
        deal_type=opps.deal_type,
        created_on=opps.created_on,
        currency=opps.currency,
        pipeline=opps.pipeline,
        stage=current.stage,
        amount=current.amount,
        close_date=current.close_date,
        forecast_category=current.forecast_category,
        changed_at=current.changed_at,
    )
    out = joined.left_join(
        stages, (joined.pipeline == stages.pipeline) & (joined.stage == stages.stage)
    )
    out = out.select(
        *[out[c] for c in joined.columns],
        ordinal=stages.ordinal,
        is_closed=stages.is_closed.coalesce(False),
        is_won=stages.is_won.coalesce(False),
        default_probability=stages.default_probability,
    )
    rates = fx_rates_as_of(source, as_of, reporting_currency)
    conv = out.left_join(rates, out.currency == rates.currency)
    same = out.currency == ibis.literal(reporting_currency)
    amount_rc = ibis.cases(
        (same, out.amount),
        else_=(out.amount.cast("float64") * rates.rate).round(2).cast(out.amount.type()),
    )
    return conv.select(*[conv[c] for c in out.columns], amount_rc=amount_rc)


def check_rates(
    source: TableSource, as_of: dt.date | str, *, reporting_currency: str | None = None
) -> None:
    """Raise :class:`~salesorg.errors.DataError` if an opportunity's currency has no rate.

    Totals are never summed across currencies unconverted (DESIGN.md), so a missing rate is an
    error that names the currency, the date and the file to import.
    """
    from salesorg.errors import DataError

    if reporting_currency is None:
        reporting_currency = getattr(source, "reporting_currency", "EUR")
    opps = source.table("opportunities")
    used = set(opps.select("currency").distinct().execute()["currency"])
    known = set(fx_rates_as_of(source, as_of, reporting_currency).execute()["currency"])
    missing = sorted(used - known)
    if missing:
        raise DataError(
            f"no exchange rate to {reporting_currency} on or before {to_date(as_of)} for "
            f"{', '.join(missing)} — import fx_rates.csv (date,currency,rate) with a rate for each"
        )


def reporting_line(source: TableSource, as_of: dt.date | str) -> ibis.Table:
    """Who belonged to which unit and reported to whom at the end of ``as_of``.

    One row per person with an assignment in force: ``person_id``, ``unit_id``, ``manager_id``.
    ``valid_to`` of an assignment is exclusive; an empty ``valid_to`` means still in force.
    """
    day = ibis.literal(to_date(as_of))
    a = source.table("assignments")
    live = a.filter((a.valid_from <= day) & (a.valid_to.isnull() | (a.valid_to > day)))
    return live.select("person_id", "unit_id", "manager_id")
