"""Trends for the pack: win rate and cycle time by quarter, and stage-to-win conversion.

All from what was known at D (the state at D and the history up to D). Inline Ibis until the
metrics engineer's helpers land on main (``docs/review.md`` states the definitions):

- win rate of a quarter: won / (won + lost) among deals whose close date falls in it (by count
  and by amount); cycle time: median days from creation to close of the deals won in it;
- stage-to-win conversion: among deals closed in the 365 days to D, of those that were ever
  in a stage, the share that was won. This is also the probability by stage that the simple
  forecast roll-up uses (:mod:`salesorg.review.forecast`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ibis
import pandas as pd

from salesorg.datacache import CacheEntry, cached
from salesorg.metrics.pit import TableSource, as_of_instant, opportunity_state, to_date
from salesorg.review.config import quarter_bounds
from salesorg.review.kpis import scoped
from salesorg.review.source import STATE_TABLES, state_at

__all__ = ["quarterly_trend", "stage_conversion"]


def quarterly_trend(
    source: TableSource,
    as_of: dt.date | str,
    *,
    owners: Iterable[str] | None = None,
    quarters: int = 8,
) -> pd.DataFrame:
    """Per quarter (the last ``quarters`` up to D's, D's to date): ``quarter``, ``won``,
    ``lost``, ``win_rate``, ``win_rate_value``, ``booked``, ``cycle_days`` (median)."""
    d = to_date(as_of)
    starts = [quarter_bounds(d)[0]]
    for _ in range(quarters - 1):
        starts.append(quarter_bounds(starts[-1] - dt.timedelta(days=1))[0])
    first = starts[-1]
    s = scoped(state_at(source, d), owners)
    s = s.filter(
        s.is_closed & (s.close_date >= ibis.literal(first)) & (s.close_date <= ibis.literal(d))
    )
    s = s.mutate(
        qi=s.close_date.year() * 10 + s.close_date.quarter(),
        amt=s.amount_rc.cast("float64"),
        days=s.close_date.delta(s.created_on, unit="day").cast("float64"),
    )
    agg = s.group_by("qi").aggregate(
        won=ibis.ifelse(s.is_won, 1, 0).sum(),
        lost=ibis.ifelse((~s.is_won), 1, 0).sum(),
        booked=ibis.ifelse(s.is_won, s.amt, 0.0).sum(),
        lost_value=ibis.ifelse(~s.is_won, s.amt, 0.0).sum(),
        cycle_days=ibis.ifelse(s.is_won, s.days, ibis.null()).median(),
    )
    df = agg.execute().set_index("qi")
    rows = []
    for st in reversed(starts):
        qi = st.year * 10 + (st.month - 1) // 3 + 1
        r = df.loc[qi] if qi in df.index else None
        won = int(r["won"]) if r is not None else 0
        lost = int(r["lost"]) if r is not None else 0
        booked = float(r["booked"]) if r is not None else 0.0
        lost_v = float(r["lost_value"]) if r is not None else 0.0
        rows.append(
            {
                "quarter": f"{st.year}Q{(st.month - 1) // 3 + 1}",
                "quarter_start": st,
                "won": won,
                "lost": lost,
                "win_rate": won / (won + lost) if won + lost else None,
                "win_rate_value": booked / (booked + lost_v) if booked + lost_v > 0 else None,
                "booked": round(booked, 2),
                "cycle_days": None
                if r is None or r["cycle_days"] != r["cycle_days"]
                else float(r["cycle_days"]),
            }
        )
    return pd.DataFrame(rows)


def _visits(
    source: TableSource,
    d: dt.date,
    state: ibis.Table,
    lookback_days: int,
    *,
    by_owner: bool,
) -> pd.DataFrame:
    """``reached`` and ``won`` per open stage (and per owner at D with ``by_owner``) among the
    deals of ``state`` closed in the lookback: the history up to D says which stages each
    was ever in."""
    closed = state.filter(
        state.is_closed
        & (state.close_date > ibis.literal(d - dt.timedelta(days=lookback_days)))
        & (state.close_date <= ibis.literal(d))
    ).select(
        c_id=state.opportunity_id,
        c_won=state.is_won,
        c_pipeline=state.pipeline.coalesce("default"),
        c_owner=state.owner_id,
    )
    h = source.table("opportunity_history")
    h = h.filter(h.changed_at < ibis.literal(as_of_instant(d)))
    # only the closed deals' rows reach the distinct (a semi-join first)
    h = h.filter(h.opportunity_id.isin(closed.c_id))
    visits = h.select("opportunity_id", "stage").distinct()
    v = visits.join(closed, visits.opportunity_id == closed.c_id)
    stages = source.table("stages").view()
    v = v.join(
        stages,
        (v.c_pipeline == stages.pipeline.coalesce("default")) & (v.stage == stages.stage),
    )
    v = v.filter(~stages.is_closed)
    keys = {"pipeline": v.c_pipeline, "stage": v.stage}
    if by_owner:
        keys["owner_id"] = v.c_owner
    agg = v.group_by(**keys).aggregate(reached=v.count(), won=ibis.ifelse(v.c_won, 1, 0).sum())
    return agg.execute()


def _company_visits(source: TableSource, d: dt.date, lookback_days: int) -> pd.DataFrame:
    """:func:`_visits` by owner for the whole company, kept in the data cache: the packs of a
    day each read their people's rows instead of scanning the history again."""
    inner = getattr(source, "inner", source)

    def compute() -> CacheEntry:
        state = opportunity_state(inner, d, header=False)
        return CacheEntry(tables={"visits": _visits(inner, d, state, lookback_days, by_owner=True)})

    entry, _ = cached(
        source,
        "review-stage-visits",
        {"as_of": d.isoformat(), "lookback_days": lookback_days},
        compute,
        tables=STATE_TABLES,  # the visits are of a state's closed deals
    )
    return entry.tables["visits"]


def stage_conversion(
    source: TableSource,
    as_of: dt.date | str,
    *,
    owners: Iterable[str] | None = None,
    lookback_days: int = 365,
) -> pd.DataFrame:
    """Per open stage: ``reached`` (closed deals in the lookback that were ever in it), ``won``
    and ``win_rate`` (= won / reached), with the stage's ``ordinal`` and CRM
    ``default_probability``; ordered by ordinal.

    For a source scoped to one unit (:class:`~salesorg.review.source.ReviewSource` with
    ``owners``) the counts are the unit's rows of the company's counts by owner, which depend
    only on the data and D and are kept in :mod:`salesorg.datacache`.
    """
    d = to_date(as_of)
    if getattr(source, "owners", None) is not None and owners is not None:
        by_owner = _company_visits(source, d, lookback_days)
        mine = by_owner[by_owner["owner_id"].isin(set(owners))]
        agg = mine.groupby(["pipeline", "stage"], as_index=False)[["reached", "won"]].sum()
    else:
        state = scoped(state_at(source, d), owners)
        agg = _visits(source, d, state, lookback_days, by_owner=False)
    stages = source.table("stages")
    all_stages = (
        stages.filter(~stages.is_closed)
        .select(
            pipeline=stages.pipeline.coalesce("default"),
            stage=stages.stage,
            ordinal=stages.ordinal,
            default_probability=stages.default_probability,
        )
        .execute()
    )
    df = all_stages.merge(agg, on=["pipeline", "stage"], how="left")
    for c in ("reached", "won"):
        df[c] = df[c].fillna(0).astype("int64")
    df = df.sort_values(["pipeline", "ordinal"]).reset_index(drop=True)
    df["win_rate"] = [w / r if r else None for w, r in zip(df["won"], df["reached"], strict=True)]
    return df
