"""How long a deal may sit unchanged before the review calls it stale.

The threshold of a stage is ``stale_multiplier`` (default 2) times the company's own median
stay in that stage, learned from ``opportunity_history`` as known at D: a *stay* runs from the
change that entered the stage to the next change that left it; only completed stays count
(stays still running at D are censored, which biases the median slightly low — the reason
the default multiplier is 2, not 1). A stage with fewer than ``stale_min_spells`` completed
stays uses ``stale_fallback_days``; ``stale_days`` overrides any stage by name.

Pure Ibis: one window pass over the history up to D.
"""

from __future__ import annotations

import datetime as dt

import ibis

from salesorg.metrics.pit import TableSource, as_of_instant
from salesorg.review.config import ReviewConfig

__all__ = ["stage_stays", "stage_thresholds"]


def stage_stays(source: TableSource, as_of: dt.date) -> ibis.Table:
    """Completed stays in a stage known at the end of ``as_of``.

    Columns: ``opportunity_id``, ``stage``, ``entered_at``, ``left_at``, ``days`` (float).
    """
    t = ibis.literal(as_of_instant(as_of))
    h = source.table("opportunity_history")
    h = h.filter(h.changed_at < t).select("opportunity_id", "changed_at", "stage")
    w = ibis.window(group_by=h.opportunity_id, order_by=h.changed_at)
    h = h.mutate(prev_stage=h.stage.lag().over(w))
    starts = h.filter(h.prev_stage.isnull() | (h.prev_stage != h.stage))
    w2 = ibis.window(group_by=starts.opportunity_id, order_by=starts.changed_at)
    starts = starts.mutate(left_at=starts.changed_at.lead().over(w2))
    done = starts.filter(starts.left_at.notnull())
    return done.select(
        "opportunity_id",
        "stage",
        entered_at=done.changed_at,
        left_at=done.left_at,
        days=(done.left_at.epoch_seconds() - done.changed_at.epoch_seconds()) / 86400.0,
    )


def stage_thresholds(
    source: TableSource, as_of: dt.date, *, config: ReviewConfig | None = None
) -> ibis.Table:
    """Stale threshold in days per ``(t_pipeline, t_stage)`` (columns ``threshold``,
    ``median_days``, ``stays``).

    Stages with too few completed stays get ``stale_fallback_days``; overrides in
    ``config.stale_days`` win over both.
    """
    config = config or ReviewConfig()
    stays = stage_stays(source, as_of)
    opps = source.table("opportunities")
    stays = stays.join(opps, stays.opportunity_id == opps.opportunity_id).select(
        stays.stage, stays.days, pipeline=opps.pipeline.coalesce("default")
    )
    med = stays.group_by("pipeline", "stage").aggregate(
        median_days=stays.days.median(), stays=stays.days.count()
    )
    stages = source.table("stages")
    out = stages.left_join(
        med, (stages.pipeline.coalesce("default") == med.pipeline) & (stages.stage == med.stage)
    )
    learned = ibis.ifelse(
        out.stays.coalesce(0) >= config.stale_min_spells,
        out.median_days * config.stale_multiplier,
        ibis.literal(float(config.stale_fallback_days)),
    )
    threshold = learned
    for stage, days in sorted(config.stale_days.items()):
        threshold = ibis.ifelse(stages.stage == stage, float(days), threshold)
    return out.select(
        t_pipeline=stages.pipeline.coalesce("default"),
        t_stage=stages.stage,
        median_days=out.median_days,
        stays=out.stays.coalesce(0),
        threshold=threshold.cast("float64"),
    )
