"""Point-in-time views: the state of every opportunity and reporting line as of a moment.

Every metric, review and forecast starts here, so a report for last Monday shows only what
was known last Monday. ``as_of`` is a date meaning *the end of that day* (DESIGN.md): a history
row changed at ``2026-06-08T17:00`` is part of the state as of ``2026-06-08``.

Because the store keeps each history row's validity interval (``changed_at`` to ``valid_to``),
the state at an instant is a range filter, not a window query over the whole history. Because
each history row also carries copies of its header's ``currency``, ``pipeline`` and
``owner_id`` (schema 3), the state needs the million-row ``opportunities`` header only for the
descriptive header columns (``name``, ``account_id``, ...), and callers that do not use them
ask for the lean state (``header=False``), which joins only the small stage and rate tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

import ibis

from salesorg.model import HEADER_COPIES

__all__ = [
    "HEADER_COLUMNS",
    "TableSource",
    "as_of_instant",
    "check_rates",
    "fx_rates_as_of",
    "history_with_header_copies",
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


def _latest_rates(source: TableSource, as_of: dt.date | str, reporting_currency: str) -> ibis.Table:
    """``currency``, ``rate``, ``rate_date`` of every currency but the reporting one, as of
    ``as_of``: the ``fx_rates`` row of the latest date on or before that day (``(date,
    currency)`` is the table's key, so that row is unique). One aggregate, no self-join: the
    state is built per query and each Ibis join costs milliseconds to compile (issue #3).
    """
    day = ibis.literal(to_date(as_of))
    fx = source.table("fx_rates")
    known = fx.filter(fx.date <= day, fx.currency != reporting_currency)
    return known.group_by("currency").aggregate(
        rate=known.rate.argmax(known.date), rate_date=known.date.max()
    )


def fx_rates_as_of(
    source: TableSource, as_of: dt.date | str, reporting_currency: str
) -> ibis.Table:
    """The rate of every currency to the reporting currency as of ``as_of``.

    One row per currency: ``currency``, ``rate`` (reporting units per unit), ``rate_date`` (the
    latest ``fx_rates.date`` on or before ``as_of``). The reporting currency itself has rate 1
    and no rate date. Reports name the rate date they used.
    """
    fx = source.table("fx_rates")
    # One row for the reporting currency itself. A global aggregate always yields exactly one
    # row, on every backend, without a memtable (which Spark cannot see inside cached queries).
    own = fx.aggregate(n=fx.count()).select(
        currency=ibis.literal(reporting_currency, type="string"),
        rate=ibis.literal(1.0, type="float64"),
        rate_date=ibis.null().cast("date"),
    )
    # the aggregate's columns are typed NOT NULL; the union needs the nullable types of ``own``
    latest = _latest_rates(source, as_of, reporting_currency)
    return latest.cast({"currency": "string", "rate": "float64", "rate_date": "date"}).union(own)


#: Descriptive header columns of :func:`opportunity_state`: only these need the header join.
HEADER_COLUMNS = ("account_id", "name", "product", "deal_type", "created_on")


def history_with_header_copies(source: TableSource) -> ibis.Table:
    """``opportunity_history`` with its header copies ``currency``, ``pipeline`` and
    ``header_owner_id``.

    A salesorg store keeps them on every row (:data:`salesorg.model.HEADER_COPIES`). A
    warehouse table without them (a CRM replica) gets them here from a join with
    ``opportunities``: correct, at the cost of that join.
    """
    hist = source.table("opportunity_history")
    if all(c in hist.columns for c in HEADER_COPIES):
        return hist
    opps = source.table("opportunities")
    j = hist.join(opps, hist.opportunity_id == opps.opportunity_id)
    own = [c for c in hist.columns if c not in HEADER_COPIES]
    return j.select(*[hist[c] for c in own], **{c: opps[h] for c, h in HEADER_COPIES.items()})


def _header_columns(header: bool | Sequence[str]) -> tuple[str, ...]:
    """The header columns asked for: all (True), none (False) or those named, in model order."""
    if header is True:
        return HEADER_COLUMNS
    if header is False:
        return ()
    unknown = sorted(set(header) - set(HEADER_COLUMNS))
    if unknown:
        raise ValueError(f"not header columns: {', '.join(unknown)}; choose from {HEADER_COLUMNS}")
    return tuple(c for c in HEADER_COLUMNS if c in header)


def opportunity_state(
    source: TableSource,
    as_of: dt.date | str,
    *,
    reporting_currency: str | None = None,
    header: bool | Sequence[str] = True,
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

    ``header`` selects the descriptive header columns (:data:`HEADER_COLUMNS`): all of them
    (the default), none (``False``, the lean state) or those named. Only they need a join with
    the ``opportunities`` header, about 85 % of the state's cost on a million opportunities
    (issue #3); ``currency``, ``pipeline`` and the owner come from the history row's copies.
    Every other column is the same either way.
    """
    if reporting_currency is None:
        reporting_currency = getattr(source, "reporting_currency", "EUR")
    wanted = _header_columns(header)
    t = ibis.literal(as_of_instant(as_of))
    hist = history_with_header_copies(source)
    current = hist.filter((hist.changed_at < t) & (hist.valid_to >= t))
    stages = source.table("stages")
    # the reporting currency needs no rate (amount_rc is the amount): joined are the others
    rates = _latest_rates(source, as_of, reporting_currency)
    # one join chain and one select: each Ibis join/select costs milliseconds of Python, about
    # as much as the query itself on a million opportunities (issue #3)
    if wanted:
        opps = source.table("opportunities").select("opportunity_id", *wanted)
        opps = opps.rename(_opportunity_id="opportunity_id")
        chain = current.join(opps, current.opportunity_id == opps._opportunity_id)
        head = {c: opps[c] for c in wanted}
    else:
        chain, head = current, {}
    chain = chain.left_join(
        stages, (current.pipeline == stages.pipeline) & (current.stage == stages.stage)
    ).left_join(rates, current.currency == rates.currency)
    owner = current.owner_id.coalesce(current.header_owner_id)
    same = current.currency == ibis.literal(reporting_currency)
    amount_rc = ibis.cases(
        (same, current.amount),
        else_=(current.amount.cast("float64") * rates.rate).round(2).cast(current.amount.type()),
    )
    # the column order of the full state, less the header columns not asked for
    order = ("account_id", "owner_id", "name", "product", "deal_type", "created_on")
    cols = {"opportunity_id": current.opportunity_id}
    for c in order:
        if c in head:
            cols[c] = head[c]
        elif c == "owner_id":
            cols[c] = owner
    for c in ("currency", "pipeline", "stage", "amount", "close_date", "forecast_category"):
        cols[c] = current[c]
    cols["changed_at"] = current.changed_at
    return chain.select(
        **cols,
        ordinal=stages.ordinal,
        is_closed=stages.is_closed.coalesce(False),
        is_won=stages.is_won.coalesce(False),
        default_probability=stages.default_probability,
        amount_rc=amount_rc,
    )


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
