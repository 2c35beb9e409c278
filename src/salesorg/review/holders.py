"""What a change is measured against: each holder's quarterly quota, open pipeline and typical
deal, as known on D.

All three are small tables (one row per person), computed with Ibis on the point-in-time state
and pulled into pandas for the materiality scoring.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from salesorg.datacache import CacheEntry, cached
from salesorg.metrics.pit import TableSource, fx_rates_as_of, opportunity_state, to_date
from salesorg.review.config import quarter_bounds
from salesorg.review.source import STATE_TABLES, memo, state_at

__all__ = ["holder_stats", "quota_for_period"]


def _quotas(source: TableSource, as_of: dt.date, reporting_currency: str) -> pd.DataFrame:
    """Every quota row with its amount in the reporting currency at the rate known on D."""
    q = source.table("quotas")
    rates = fx_rates_as_of(source, as_of, reporting_currency).view()
    q = q.left_join(rates, q.currency == rates.currency)
    rate = ibis.ifelse(q.currency == reporting_currency, 1.0, rates.rate)
    df = q.select(
        "holder_id",
        "kind",
        "period_start",
        "period_end",
        amount_rc=q.amount.cast("float64") * rate,
    ).execute()
    for c in ("period_start", "period_end"):
        df[c] = pd.to_datetime(df[c])
    return df


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
    ``as_of``. Columns: ``holder_id``, ``quota``. The quota table is small: it is read once
    per review (memoised on a :class:`~salesorg.review.source.ReviewSource`).
    """
    if reporting_currency is None:
        reporting_currency = getattr(source, "reporting_currency", "EUR")
    d = to_date(as_of)
    q = memo(
        source, ("quotas", d, reporting_currency), lambda: _quotas(source, d, reporting_currency)
    )
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    q = q[(q["kind"] == kind) & (q["period_start"] <= hi) & (q["period_end"] >= lo)]
    if q.empty:
        return pd.DataFrame({"holder_id": pd.Series(dtype=object), "quota": pd.Series(dtype=float)})
    ov_start = q["period_start"].where(q["period_start"] > lo, lo)
    ov_end = q["period_end"].where(q["period_end"] < hi, hi)
    overlap = (ov_end - ov_start).dt.days + 1
    length = (q["period_end"] - q["period_start"]).dt.days + 1
    part = q.assign(quota=q["amount_rc"] * overlap / length)
    return part.groupby("holder_id", as_index=False)["quota"].sum()


def _owner_aggregates(state: ibis.Table, d: dt.date) -> pd.DataFrame:
    """Per owner of ``state``: ``open_pipeline``, ``typical_deal``, ``deals_365``."""
    amt = state.amount_rc.cast("float64")
    recent = state.created_on > ibis.literal(d - dt.timedelta(days=365))
    stats = state.group_by("owner_id").aggregate(
        open_pipeline=ibis.ifelse(~state.is_closed, amt, ibis.null("float64")).sum(),
        typical_deal=ibis.ifelse(recent, amt, ibis.null("float64")).median(),
        deals_365=ibis.ifelse(recent, 1, 0).sum(),
    )
    return stats.execute()


def _company_aggregates(source: TableSource, d: dt.date) -> pd.DataFrame:
    """:func:`_owner_aggregates` of every owner, for a review whose states hold one unit only.

    The yardsticks are per owner across the company (a deal reassigned out of the unit is
    measured against its new owner's pipeline, and the company's median deal is the last
    fallback), so they cannot come from the unit's states; they depend only on the data and D,
    so they are kept in :mod:`salesorg.datacache` and the packs of a day share them.
    """
    inner = getattr(source, "inner", source)
    currency = getattr(source, "reporting_currency", "EUR")

    def compute() -> CacheEntry:
        state = opportunity_state(inner, d, header=("created_on",))
        return CacheEntry(tables={"holders": _owner_aggregates(state, d)})

    entry, _ = cached(
        source,
        "review-holder-aggregates",
        {"as_of": d.isoformat(), "reporting_currency": currency},
        compute,
        tables=STATE_TABLES,  # the yardsticks read states
    )
    return entry.tables["holders"]


def holder_stats(
    source: TableSource, as_of: dt.date | str, *, reporting_currency: str | None = None
) -> pd.DataFrame:
    """Per owner on D: ``open_pipeline`` (all open deals), ``typical_deal`` (median amount of
    their deals created in the 365 days to D, any stage), ``deals_365`` and ``quarter_quota``
    (individual quota of D's quarter). Indexed by ``owner_id``.

    Every owner of the company, also when ``source`` is a review source scoped to one unit
    (its states then hold only that unit's deals; see :func:`_company_aggregates`).
    """
    d = to_date(as_of)
    if reporting_currency is not None:
        state = opportunity_state(
            source, d, reporting_currency=reporting_currency, header=("created_on",)
        )
        out = _owner_aggregates(state, d)
    elif getattr(source, "owners", None) is not None:
        out = _company_aggregates(source, d)
    else:
        out = _owner_aggregates(state_at(source, d), d)
    out = out.set_index("owner_id")
    q0, q1 = quarter_bounds(d)
    quota = quota_for_period(source, q0, q1, as_of=d, reporting_currency=reporting_currency)
    quota = quota.rename(columns={"holder_id": "owner_id", "quota": "quarter_quota"})
    out = out.join(quota.set_index("owner_id"), how="outer")
    out.index.name = "owner_id"
    return out
