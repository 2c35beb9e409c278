"""Changes since the last review: every relevant opportunity, its state at S and at D, flags.

For ``as_of`` D and ``since`` S the review looks at every opportunity that is open at S or at
D, or was created or closed between them (an opportunity closed at both dates is left out; it
did not move). Its state at S and at D comes from
:func:`salesorg.metrics.pit.opportunity_state`, so nothing recorded after D is used. The flags
(exact rules in ``docs/review.md``):

``new``         no history at S (first recorded after S)
``won``/``lost`` closed won / closed lost at D and not closed at S
``advanced``    open at S and D, stage ordinal higher at D; ``regressed``: lower
``slipped``     open at S and D, close date later at D (``slip_days``, ``slip_crossed_quarter``)
``pulled_in``   open at S and D, close date earlier at D
``amount_up``/``amount_down``  existed at S, amount (in the deal's currency) higher / lower
``reassigned``  existed at S, owner differs
``stale``       open at D and unchanged for longer than its stage's threshold
                (:mod:`salesorg.review.stale`), unless paused on D (``deal_pauses``)
``past_due``    open at D with a close date before D

The result is one Ibis expression (pure, backend-neutral); the bridge
(:mod:`salesorg.review.bridge`) aggregates the same table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ibis

from salesorg.metrics.pit import TableSource, to_date
from salesorg.review.config import FLAGS, ReviewConfig, quarter_bounds
from salesorg.review.pair import state_pair
from salesorg.review.source import pair_at
from salesorg.review.stale import stage_threshold_frame

__all__ = ["FLAGS", "change_base", "flag_names"]


def _quarter_index(d: ibis.Value) -> ibis.Value:
    return d.year() * 4 + d.quarter()


def change_base(
    source: TableSource,
    as_of: dt.date | str,
    since: dt.date | str,
    *,
    config: ReviewConfig | None = None,
    owners: Iterable[str] | None = None,
    reporting_currency: str | None = None,
) -> ibis.Table:
    """The review's base table: one row per relevant opportunity, before/after and flags.

    Columns: header (``opportunity_id``, ``name``, ``created_on``,
    ``currency``, ``pipeline``), the state at D (``owner_id``, ``stage``, ``ordinal``,
    ``is_closed``, ``is_won``, ``amount``, ``amount_rc``, ``close_date``, ``changed_at``,
    ``default_probability``), the state at S with suffix ``_0`` (NULL when the deal did not
    exist), ``amount_0_rc1`` (the S amount at D's exchange rate, for the bridge's ``fx``
    movement), ``in_review`` (true on every row: the pair's filter), window and scope
    membership (``win_0``, ``win_1``, ``scope_0``, ``scope_1``; ``in_0``/``in_1``: counted in
    the bridge's start / end), one boolean column per flag (``f_new`` ...), ``slip_days``,
    ``slip_crossed_quarter``, ``days_unchanged``, ``stale_threshold``, ``paused``.

    ``owners`` restricts the scope to deals owned by these people (at S for ``in_0``, at D
    for ``in_1``); ``None`` is the whole company.
    """
    config = config or ReviewConfig()
    d, s = to_date(as_of), to_date(since)
    if reporting_currency is None:
        j = pair_at(source, d, s)
    else:
        j = state_pair(source, d, s, reporting_currency=reporting_currency)
    # open at D or at S, or new since S (``in_review``, stored with the pair)
    j = j.filter(j.in_review)

    # window and scope
    if config.window == "quarter":
        q0, q1 = quarter_bounds(d)
        lo, hi = ibis.literal(q0), ibis.literal(q1)
        win0 = j.close_date_0.between(lo, hi).coalesce(False)
        win1 = j.close_date.between(lo, hi).coalesce(False)
    else:
        win0 = win1 = ibis.literal(True)
    if owners is None:
        sc0 = sc1 = ibis.literal(True)
    else:
        members = sorted(set(owners))
        sc0 = j.owner_id_0.isin(members).coalesce(False)
        sc1 = j.owner_id.isin(members).coalesce(False)
    existed = j.changed_at_0.notnull()
    open0 = existed & ~j.is_closed_0.coalesce(False)
    open1 = ~j.is_closed
    both_open = open0 & open1

    # stale: thresholds per stage learned from history up to D, pauses in force on D
    thr_df = stage_threshold_frame(source, d, config=config)[["t_pipeline", "t_stage", "threshold"]]
    thr = ibis.memtable(
        thr_df, schema={"t_pipeline": "string", "t_stage": "string", "threshold": "float64"}
    )
    pauses = source.table("deal_pauses")
    live = pauses.filter((pauses.paused_on <= ibis.literal(d)) & (pauses.until >= ibis.literal(d)))
    live = live.select(pause_id=live.opportunity_id).distinct().view()
    j = j.mutate(
        win_0=win0,
        win_1=win1,
        scope_0=sc0,
        scope_1=sc1,
        in_0=open0 & win0 & sc0,
        in_1=open1 & win1 & sc1,
    )
    j = j.left_join(
        thr, (j.pipeline.coalesce("default") == thr.t_pipeline) & (j.stage == thr.t_stage)
    )
    j = j.select(*[c for c in j.columns if not c.startswith("t_")], stale_threshold=thr.threshold)
    j = j.left_join(live, j.opportunity_id == live.pause_id)
    j = j.select(*[c for c in j.columns if c != "pause_id"], paused=live.pause_id.notnull())

    days_unchanged = ibis.literal(d).delta(j.changed_at.date(), unit="day")
    threshold = j.stale_threshold.coalesce(config.stale_fallback_days)
    existed = j.changed_at_0.notnull()
    open0 = existed & ~j.is_closed_0.coalesce(False)
    open1 = ~j.is_closed
    both_open = open0 & open1
    newly_closed = j.is_closed & (open0 | ~existed)
    later = j.close_date > j.close_date_0
    earlier = j.close_date < j.close_date_0
    flags = {
        "f_new": ~existed,
        "f_won": newly_closed & j.is_won,
        "f_lost": newly_closed & ~j.is_won,
        "f_advanced": both_open & (j.ordinal > j.ordinal_0).coalesce(False),
        "f_regressed": both_open & (j.ordinal < j.ordinal_0).coalesce(False),
        "f_slipped": both_open & later.coalesce(False),
        "f_pulled_in": both_open & earlier.coalesce(False),
        "f_amount_up": existed & (j.amount > j.amount_0).coalesce(False),
        "f_amount_down": existed & (j.amount < j.amount_0).coalesce(False),
        "f_reassigned": existed & (j.owner_id != j.owner_id_0).coalesce(False),
        "f_stale": open1 & (days_unchanged > threshold) & ~j.paused,
        "f_past_due": open1 & (j.close_date < ibis.literal(d)).coalesce(False),
    }
    slip = j.close_date.delta(j.close_date_0, unit="day")
    crossed = _quarter_index(j.close_date) != _quarter_index(j.close_date_0)
    return j.mutate(
        **flags,
        days_unchanged=days_unchanged,
        stale_threshold=threshold,
        slip_days=ibis.ifelse(both_open & later.coalesce(False), slip, ibis.null("int64")),
        slip_crossed_quarter=(both_open & later.coalesce(False) & crossed.coalesce(False)),
    )


def flag_names(row: object) -> list[str]:
    """The flag names set on one row of :func:`change_base` (a pandas row or namedtuple)."""
    return [f for f in FLAGS if bool(getattr(row, f"f_{f}"))]
