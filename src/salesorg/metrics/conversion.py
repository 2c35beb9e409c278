"""Stage conversion: of the deals that reached stage *k*, the share that went on to the next.

Stages form a ladder per pipeline: the open stages and the won stage in ``ordinal`` order
(closed-lost stages are not rungs). A deal *reached* stage *k* when a history row shows it at
*k* or any later rung (a deal created at Propose has passed Qualify); it *converted* when, by
``as_of``, it reached the next rung. Counted over the deals that first reached *k* in the window
(default: trailing 12 months), from the full history, so the figure as of a past date is what
was known then. Deals still open at *k* count as not (yet) converted.

Columns: ``pipeline``, ``stage``, ``ordinal``, ``next_stage``, ``reached``, ``converted``,
``conversion_rate = converted / reached``; grouped by the owner or unit as of ``as_of``, or by
the month or quarter in which the deal reached *k*.

References: the stage-by-stage funnel ("conversion rate" in the seed text,
``seeds/000_08aace40859bb0bd.txt``) as reported in pipeline reviews (DOMAIN.md 4).
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics._closed import one_if
from salesorg.metrics.pit import (
    TableSource,
    as_of_instant,
    history_with_header_copies,
    opportunity_state,
)
from salesorg.metrics.window import Window, add_group, group_key, resolve_window

__all__ = ["stage_conversion"]


def stage_conversion(
    source: TableSource,
    as_of: dt.date | str,
    *,
    by: str | None = None,
    window: Window | None = None,
) -> ibis.Table:
    """Reached / converted counts and the conversion rate per stage (and group)."""
    window = window or resolve_window(as_of)
    # the history's own copy of the header's pipeline: no join with the header (schema 3)
    hist = history_with_header_copies(source)
    hist = hist.filter(hist.changed_at < ibis.literal(as_of_instant(as_of)))
    stages = source.table("stages")
    rungs = stages.filter(~stages.is_closed | stages.is_won)
    w = ibis.window(group_by=rungs.pipeline, order_by=rungs.ordinal)
    ladder = rungs.select(
        l_pipeline=rungs.pipeline,
        stage=rungs.stage,
        ordinal=rungs.ordinal,
        next_stage=rungs.stage.lead().over(w),
        next_ordinal=rungs.ordinal.lead().over(w),
    )
    ladder = ladder.filter(ladder.next_ordinal.notnull())

    h = hist.select("opportunity_id", "changed_at", "stage", "pipeline")
    h = h.join(rungs, (h.pipeline == rungs.pipeline) & (h.stage == rungs.stage)).select(
        h.opportunity_id, h.changed_at, h.pipeline, rung=rungs.ordinal
    )
    top = h.group_by("opportunity_id").aggregate(max_rung=h.rung.max())
    reach = h.join(ladder, (h.pipeline == ladder.l_pipeline) & (h.rung >= ladder.ordinal))
    reach = reach.group_by(
        ["opportunity_id", "pipeline", "stage", "ordinal", "next_stage", "next_ordinal"]
    ).aggregate(reached_at=reach.changed_at.min())
    reach = reach.join(top, "opportunity_id")
    reach = reach.mutate(
        converted=one_if(reach.max_rung >= reach.next_ordinal),
        reached_day=reach.reached_at.date(),
    )
    reach = reach.filter(window.contains(reach.reached_day))
    owners = opportunity_state(source, as_of, header=False)
    owners = owners.select(_o="opportunity_id", owner_id="owner_id")
    reach = reach.left_join(owners, reach.opportunity_id == owners._o).drop("_o")
    reach = add_group(source, reach, by, as_of, day="reached_day")
    key = group_key(by)
    keys = [*([key] if key else []), "pipeline", "stage", "ordinal", "next_stage"]
    agg = reach.group_by(keys).aggregate(reached=reach.count(), converted=reach.converted.sum())
    return agg.mutate(conversion_rate=agg.converted.cast("float64") / agg.reached)
