"""What a change is measured against: each holder's quarterly quota, open pipeline and typical
deal, as known on D.

All three are small tables (one row per person), computed with Ibis on the point-in-time state
and pulled into pandas for the materiality scoring.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from salesorg.metrics.pit import TableSource, fx_rates_as_of, opportunity_state, to_date
from salesorg.review.config import quarter_bounds

__all__ = ["holder_stats", "quota_for_period"]


def quota_for_period(
    source: TableSource,
    start: dt.date,
    end: dt.date,
    *,
    as_of: dt.date,
    kind: str = "individual",
    reporting_currency: str | None = None,
) -> pd.DataFrame:
    """Quota of every holder for ``start..end`` (inclusive), in the reporting currency.

    A quota row whose period only overlaps ``start..end`` contributes pro rata by days (an
    annual quota gives a quarter about a quarter of it). Converted at the rate known on
    ``as_of``. Columns: ``holder_id``, ``quota``.
    """
    if reporting_currency is None:
        reporting_currency = getattr(source, "reporting_currency", "EUR")
    q = source.table("quotas")
    lo, hi = ibis.literal(start), ibis.literal(end)
    q = q.filter((q.kind == kind) & (q.period_start <= hi) & (q.period_end >= lo))
    rates = fx_rates_as_of(source, as_of, reporting_currency).view()
    q = q.left_join(rates, q.currency == rates.currency)
    ov_start = ibis.greatest(q.period_start, lo)
    ov_end = ibis.least(q.period_end, hi)
    overlap = ov_end.delta(ov_start, unit="day") + 1
    length = q.period_end.delta(q.period_start, unit="day") + 1
    rate = ibis.ifelse(q.currency == reporting_currency, 1.0, rates.rate)
    q = q.select(
        holder_id=q.holder_id,
        quota=q.amount.cast("float64") * rate * overlap.cast("float64") / length.cast("float64"),
    )
    out = q.group_by("holder_id").aggregate(quota=q.quota.sum()).execute()
    return out


def holder_stats(
    source: TableSource, as_of: dt.date | str, *, reporting_currency: str | None = None
) -> pd.DataFrame:
    """Per owner on D: ``open_pipeline`` (all open deals), ``typical_deal`` (median amount of
    their deals created in the 365 days to D, any stage), ``deals_365`` and ``quarter_quota``
    (individual quota of D's quarter). Indexed by ``owner_id``."""
    d = to_date(as_of)
    state = opportunity_state(source, d, reporting_currency=reporting_currency)
    open_ = state.filter(~state.is_closed)
    pipe = open_.group_by("owner_id").aggregate(open_pipeline=open_.amount_rc.sum().cast("float64"))
    recent = state.filter(state.created_on > ibis.literal(d - dt.timedelta(days=365)))
    typ = recent.group_by("owner_id").aggregate(
        typical_deal=recent.amount_rc.cast("float64").median(), deals_365=recent.count()
    )
    pipe_df = pipe.execute().set_index("owner_id")
    typ_df = typ.execute().set_index("owner_id")
    q0, q1 = quarter_bounds(d)
    quota = quota_for_period(source, q0, q1, as_of=d, reporting_currency=reporting_currency)
    quota = quota.rename(columns={"holder_id": "owner_id", "quota": "quarter_quota"})
    out = pipe_df.join(typ_df, how="outer").join(quota.set_index("owner_id"), how="outer")
    out.index.name = "owner_id"
    return out
