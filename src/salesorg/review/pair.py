"""The state of every opportunity at two dates (S and D) from one pass over the history.

A weekly review compares each opportunity's state at S (the last review) with its state at D.
Building the two states separately (:func:`~salesorg.metrics.pit.opportunity_state` twice)
joins the 1M-row opportunities header twice and then the two 1M-row states with each other.
The stored validity intervals give both at once: the history row in force at D
(``changed_at < D <= valid_to``) is also the row in force at S when it started before S; only
the opportunities that changed between S and D (a few per cent) need their S row, and that is
the row replaced between S and D (``changed_at < S <= valid_to < D``). So: one range filter
for D, one small range filter for the replaced rows, one small join between them, one header
join for the two descriptive columns the review shows (``name``, ``created_on``; currency,
pipeline and owner come from the history rows' header copies, schema 3). The result is
identical to the two states joined on ``opportunity_id``.

Pure Ibis (range filters and equi-joins), so it runs on every backend the store supports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ibis

from salesorg.metrics.pit import (
    TableSource,
    as_of_instant,
    fx_rates_as_of,
    history_with_header_copies,
    to_date,
)

__all__ = ["BEFORE_COLUMNS", "PAIR_STATE_COLUMNS", "state_from_pair", "state_pair"]

#: Columns of the state at D (those of :data:`salesorg.review.source.STATE_COLUMNS`).
PAIR_STATE_COLUMNS = (
    "opportunity_id",
    "name",
    "owner_id",
    "created_on",
    "currency",
    "pipeline",
    "stage",
    "amount",
    "close_date",
    "changed_at",
    "ordinal",
    "is_closed",
    "is_won",
    "default_probability",
    "amount_rc",
)

#: State columns that also come as of S, with suffix ``_0`` (NULL: no history at S).
BEFORE_COLUMNS = (
    "owner_id",
    "stage",
    "ordinal",
    "is_closed",
    "is_won",
    "default_probability",
    "amount",
    "amount_rc",
    "close_date",
    "changed_at",
)

#: Columns that are the same at both dates (the header).
_HEADER = ("opportunity_id", "name", "created_on", "currency", "pipeline")


def _in_rc(
    amount: ibis.Value, currency: ibis.Value, rate: ibis.Value, reporting_currency: str
) -> ibis.Value:
    """``amount`` in the reporting currency at ``rate``, rounded as ``opportunity_state`` does."""
    return ibis.cases(
        (currency == ibis.literal(reporting_currency), amount),
        else_=(amount.cast("float64") * rate).round(2).cast(amount.type()),
    )


def _stages(source: TableSource, prefix: str) -> ibis.Table:
    """The stages table with every column name prefixed (it is joined twice)."""
    st = source.table("stages").view()
    return st.select(**{f"{prefix}{c}": st[c] for c in st.columns})


def _rates(source: TableSource, as_of: dt.date, reporting_currency: str, prefix: str) -> ibis.Table:
    """:func:`~salesorg.metrics.pit.fx_rates_as_of` with prefixed column names."""
    r = fx_rates_as_of(source, as_of, reporting_currency).view()
    return r.select(**{f"{prefix}{c}": r[c] for c in ("currency", "rate")})


def state_pair(
    source: TableSource,
    as_of: dt.date | str,
    since: dt.date | str,
    *,
    reporting_currency: str | None = None,
    owners: Iterable[str] | None = None,
) -> ibis.Table:
    """One row per opportunity that exists at the end of ``as_of`` (D): its state then and
    its state at the end of ``since`` (S, columns suffixed ``_0``; NULL where it had no
    history yet), plus ``amount_0_rc1``, the S amount at D's exchange rate.

    The D columns are :data:`PAIR_STATE_COLUMNS`, equal to
    :func:`~salesorg.metrics.pit.opportunity_state` at D; the ``_0`` columns of
    :data:`BEFORE_COLUMNS` equal that view at S (``amount_rc_0`` at S's rate). ``in_review``
    says whether the deal is open at D or at S, or new since S (the rows a review compares).
    ``since`` must be before ``as_of``.

    ``owners`` keeps only the opportunities owned by one of them at D or at S (``owner_id``
    or ``owner_id_0``; every row a review of those people reads, deals reassigned between S
    and D included); the filter goes into the history scan, so a team's pair costs a
    fraction of the company's. ``None`` keeps every opportunity.
    """
    if reporting_currency is None:
        reporting_currency = getattr(source, "reporting_currency", "EUR")
    d, s = to_date(as_of), to_date(since)
    t1, t0 = ibis.literal(as_of_instant(d)), ibis.literal(as_of_instant(s))
    hist = history_with_header_copies(source)
    now = hist.filter((hist.changed_at < t1) & (hist.valid_to >= t1))
    old = source.table("opportunity_history").view()
    # rows in force at S that a change before D replaced: the S state of what moved
    old = old.filter((old.changed_at < t0) & (old.valid_to >= t0) & (old.valid_to < t1))
    old = old.select(
        p_id=old.opportunity_id,
        p_owner=old.owner_id,
        p_stage=old.stage,
        p_amount=old.amount,
        p_close=old.close_date,
        p_changed=old.changed_at,
    )
    # unchanged since before S (most deals): the D row is also the S row, no join needed
    kept = now.filter(now.changed_at < t0)
    members = None if owners is None else sorted(set(owners))
    if members is not None:  # the same row at S and D: one owner for both
        kept = kept.filter(kept.owner_id.coalesce(kept.header_owner_id).isin(members))
    kept = kept.select(
        opportunity_id=kept.opportunity_id,
        currency=kept.currency,
        pipeline=kept.pipeline,
        header_owner=kept.header_owner_id,
        h_owner=kept.owner_id,
        stage=kept.stage,
        amount=kept.amount,
        close_date=kept.close_date,
        changed_at=kept.changed_at,
        h_owner_0=kept.owner_id,
        stage_0=kept.stage,
        amount_0=kept.amount,
        close_date_0=kept.close_date,
        changed_at_0=kept.changed_at,
    )
    # changed (or new) since S: a small join of small sets, the S row if there was one
    moved = now.filter(now.changed_at >= t0).view()
    m = moved.left_join(old, moved.opportunity_id == old.p_id)
    m = m.select(
        opportunity_id=moved.opportunity_id,
        currency=moved.currency,
        pipeline=moved.pipeline,
        header_owner=moved.header_owner_id,
        h_owner=moved.owner_id,
        stage=moved.stage,
        amount=moved.amount,
        close_date=moved.close_date,
        changed_at=moved.changed_at,
        h_owner_0=old.p_owner,
        stage_0=old.p_stage,
        amount_0=old.p_amount,
        close_date_0=old.p_close,
        changed_at_0=old.p_changed,
    )
    if members is not None:
        at_d = m.h_owner.coalesce(m.header_owner).isin(members)
        at_s = m.changed_at_0.notnull() & m.h_owner_0.coalesce(m.header_owner).isin(members)
        m = m.filter(at_d | at_s)
    j = kept.cast(m.schema()).union(m)  # same columns; the S side of m is nullable
    opps = source.table("opportunities").select("opportunity_id", "name", "created_on")
    opps = opps.rename(o_id="opportunity_id")
    existed = j.changed_at_0.notnull()
    x = j.join(opps, j.opportunity_id == opps.o_id).select(
        opportunity_id=j.opportunity_id,
        name=opps.name,
        owner_id=j.h_owner.coalesce(j.header_owner),
        created_on=opps.created_on,
        currency=j.currency,
        pipeline=j.pipeline,
        stage=j.stage,
        amount=j.amount,
        close_date=j.close_date,
        changed_at=j.changed_at,
        owner_id_0=ibis.ifelse(existed, j.h_owner_0.coalesce(j.header_owner), ibis.null("string")),
        stage_0=j.stage_0,
        amount_0=j.amount_0,
        close_date_0=j.close_date_0,
        changed_at_0=j.changed_at_0,
    )
    x = x.view()  # a new relation: the joins below extend a chain of their own
    st1, st0 = _stages(source, "s1_"), _stages(source, "s0_")
    r1 = _rates(source, d, reporting_currency, "r1_")
    r0 = _rates(source, s, reporting_currency, "r0_")
    y = (
        x.left_join(st1, (x.pipeline == st1.s1_pipeline) & (x.stage == st1.s1_stage))
        .left_join(st0, (x.pipeline == st0.s0_pipeline) & (x.stage_0 == st0.s0_stage))
        .left_join(r1, x.currency == r1.r1_currency)
        .left_join(r0, x.currency == r0.r0_currency)
    )
    existed = x.changed_at_0.notnull()
    no_bool = ibis.null("boolean")
    cols = {
        "opportunity_id": x.opportunity_id,
        "name": x.name,
        "owner_id": x.owner_id,
        "created_on": x.created_on,
        "currency": x.currency,
        "pipeline": x.pipeline,
        "stage": x.stage,
        "amount": x.amount,
        "close_date": x.close_date,
        "changed_at": x.changed_at,
        "ordinal": st1.s1_ordinal,
        "is_closed": st1.s1_is_closed.coalesce(False),
        "is_won": st1.s1_is_won.coalesce(False),
        "default_probability": st1.s1_default_probability,
        "amount_rc": _in_rc(x.amount, x.currency, r1.r1_rate, reporting_currency),
        "owner_id_0": x.owner_id_0,
        "stage_0": x.stage_0,
        "ordinal_0": st0.s0_ordinal,
        "is_closed_0": ibis.ifelse(existed, st0.s0_is_closed.coalesce(False), no_bool),
        "is_won_0": ibis.ifelse(existed, st0.s0_is_won.coalesce(False), no_bool),
        "default_probability_0": st0.s0_default_probability,
        "amount_0": x.amount_0,
        "amount_rc_0": _in_rc(x.amount_0, x.currency, r0.r0_rate, reporting_currency),
        "close_date_0": x.close_date_0,
        "changed_at_0": x.changed_at_0,
        "amount_0_rc1": _in_rc(x.amount_0, x.currency, r1.r1_rate, reporting_currency),
        # open at D or at S, or new since S: the rows the review's changes and bridge read;
        # one stored boolean, so their scans of the pair filter on one column
        "in_review": ~st1.s1_is_closed.coalesce(False)
        | ~existed
        | ~st0.s0_is_closed.coalesce(False),
    }
    return y.select(**cols)


def state_from_pair(pair: ibis.Table, *, before: bool = False) -> ibis.Table:
    """The state at D (or at S with ``before=True``) as a table with the columns of
    :data:`PAIR_STATE_COLUMNS`, taken from a :func:`state_pair` table."""
    if not before:
        return pair.select(*PAIR_STATE_COLUMNS)
    at_s = pair.filter(pair.changed_at_0.notnull())
    return at_s.select(**{c: at_s[c if c in _HEADER else f"{c}_0"] for c in PAIR_STATE_COLUMNS})
