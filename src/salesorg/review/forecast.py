"""A simple forecast roll-up for the pack: booked plus weighted open pipeline.

``forecast_rollup`` is the one function the pack calls, so the forecasting engine can replace
it without touching the pack. Method: for the quarter of D, booked (won deals closed in the
quarter to D) plus Σ amount × p(stage) over open deals with a close date in the quarter.
p(stage) is learned from history: the share of deals closed in the 365 days to D that were won
among those that were ever in the stage (:func:`salesorg.review.trends.stage_conversion`); a
stage with fewer than ``min_reached`` such deals falls back to the CRM's
``default_probability``, and the result says so.

This is a point estimate with no range; the forecasting engine (``salesorg forecast``) gives
P10/P50/P90. The pack labels it accordingly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis

from salesorg.metrics.pit import TableSource, to_date
from salesorg.review.config import quarter_bounds, quarter_label
from salesorg.review.kpis import scoped
from salesorg.review.source import state_at
from salesorg.review.trends import stage_conversion

__all__ = ["forecast_rollup"]


def forecast_rollup(
    source: TableSource,
    as_of: dt.date | str,
    *,
    owners: Iterable[str] | None = None,
    min_reached: int = 20,
) -> dict[str, Any]:
    """The quarter's roll-up: ``period``, ``booked``, ``weighted``, ``forecast`` (= booked +
    weighted), ``by_stage`` (list of dicts: stage, deals, amount, probability, source,
    weighted), ``method`` and ``warnings``."""
    d = to_date(as_of)
    q0, q1 = quarter_bounds(d)
    conv = stage_conversion(source, d, owners=owners)
    probs: dict[tuple[str, str], tuple[float, str]] = {}
    warnings = []
    for r in conv.itertuples():
        if r.reached >= min_reached and r.win_rate is not None:
            probs[(r.pipeline, r.stage)] = (float(r.win_rate), "learned")
        else:
            probs[(r.pipeline, r.stage)] = (float(r.default_probability or 0.0), "crm default")
            warnings.append(
                f"stage {r.stage}: only {r.reached} closed deals passed through it in the last "
                f"365 days (< {min_reached}); using the CRM probability {r.default_probability}"
            )
    s = scoped(state_at(source, d), owners)
    s = s.mutate(pl=s.pipeline.coalesce("default"), amt=s.amount_rc.cast("float64"))
    lo, hi = ibis.literal(q0), ibis.literal(q1)
    booked = s.filter(s.is_won & (s.close_date >= lo) & (s.close_date <= ibis.literal(d)))
    booked_v = float(booked.amt.sum().execute() or 0.0)
    open_q = s.filter(~s.is_closed & s.close_date.between(lo, hi))
    by = open_q.group_by("pl", "stage").aggregate(deals=open_q.count(), amount=open_q.amt.sum())
    rows = []
    for r in by.execute().itertuples():
        p, src = probs.get((r.pl, r.stage), (0.0, "unknown stage"))
        rows.append(
            {
                "stage": r.stage,
                "deals": int(r.deals),
                "amount": round(float(r.amount), 2),
                "probability": p,
                "source": src,
                "weighted": round(float(r.amount) * p, 2),
            }
        )
    rows.sort(key=lambda x: -x["probability"])
    weighted = round(sum(x["weighted"] for x in rows), 2)
    return {
        "period": quarter_label(d),
        "booked": round(booked_v, 2),
        "weighted": weighted,
        "forecast": round(booked_v + weighted, 2),
        "by_stage": rows,
        "method": "booked + open pipeline closing this quarter x stage-to-win rate (365 days)",
        "warnings": warnings,
    }
