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


def opportunity_state(source: TableSource, as_of: dt.date | str) -> ibis.Table:
    """The state of every opportunity that existed at the end of ``as_of``.

    One row per opportunity with the header columns (``opportunity_id``, ``account_id``,
    ``name``, ``product``, ``deal_type``, ``created_on``, ``currency``, ``pipeline``), the
    state (``stage``, ``amount``, ``close_date``, ``forecast_category``, ``owner_id`` as of
    then, ``changed_at`` of the last change) and the stage's properties (``ordinal``,
    ``is_closed``, ``is_won``, ``default_probability``). Opportunities whose first history row
    is later than ``as_of`` do not appear.
    """
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
    return out.select(
        *[out[c] for c in joined.columns],
        ordinal=stages.ordinal,
        is_closed=stages.is_closed.coalesce(False),
        is_won=stages.is_won.coalesce(False),
        default_probability=stages.default_probability,
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
