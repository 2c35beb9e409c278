"""Behaviour checks: quarter-end patterns that commission plans create, found in the history.

* **Slips after a cap** — once a person's bookings in a quarter pass the attainment at which
  their plan's cap binds, more bookings pay nothing this quarter, so deals tend to be pushed into
  the next one. We find, per person and quarter, the day they crossed that attainment (from won
  deals in close-date order) and count open deals whose close date was moved from this quarter
  into a later one after that day. The baseline is the slip rate per person-day in the last
  ``weeks`` weeks of quarters when the person had not hit the cap.
* **Discount spikes** — amount cuts on open deals (a history row whose amount is below the
  previous one) per day in the last ``weeks`` weeks of a quarter, versus per day earlier in the
  quarter.

A check is flagged when its rate is at least ``ratio`` times its baseline and it rests on at
least ``min_count`` events; fewer events give a named "thin data" warning instead of a verdict.
These are patterns, not proof of gaming: a quarter-end rush has other causes too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import pandas as pd

from salesorg.comp.credit import credits, won_deals
from salesorg.comp.periods import Period, parse_window, plan_periods
from salesorg.comp.plan import Component
from salesorg.comp.quotas_in import QuotaBook
from salesorg.metrics.pit import history_with_header_copies
from salesorg.store import Store

__all__ = ["Check", "behaviour_checks", "cap_attainment"]


@dataclass
class Check:
    """One pattern: events, their rate against a baseline, and examples."""

    check: str
    flagged: bool
    count: int
    rate: float | None
    baseline_rate: float | None
    ratio: float | None
    examples: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def cap_attainment(component: Component) -> Fraction | None:
    """The attainment at which a component's percentage cap binds (None if uncapped/flat)."""
    if component.cap is None or not component.tiers:
        return None
    cap = Fraction(component.cap) / 100
    f = Fraction(0)
    tiers = component.tiers
    for i, t in enumerate(tiers):
        lo = Fraction(t.from_pct) / 100
        hi = Fraction(tiers[i + 1].from_pct) / 100 if i + 1 < len(tiers) else None
        r = Fraction(t.rate)
        band = (hi - lo) if hi is not None else None
        if r > 0 and (band is None or f + r * band >= cap):
            return lo + (cap - f) / r
        if band is not None:
            f += r * band
    return None


def _history(store: Store) -> pd.DataFrame:
    h = history_with_header_copies(store)  # pipeline and header owner without a header join
    s = store.table("stages")
    w = ibis.window(group_by=h.opportunity_id, order_by=h.changed_at)
    j = h.join(s, (h.pipeline == s.pipeline) & (h.stage == s.stage), how="left")
    out = j.select(
        opportunity_id=h.opportunity_id,
        owner_id=h.owner_id.coalesce(h.header_owner_id),
        changed_at=h.changed_at,
        amount=h.amount,
        close_date=h.close_date,
        is_closed=s.is_closed.coalesce(False),
        prev_amount=h.amount.lag().over(w),
        prev_close=h.close_date.lag().over(w),
    )
    df = out.execute()
    df["day"] = pd.to_datetime(df["changed_at"]).dt.date
    for c in ("close_date", "prev_close"):
        df[c] = pd.to_datetime(df[c]).dt.date
    return df


def _rate(events: int, days: int) -> float | None:
    return None if days <= 0 else events / days


def _verdict(
    name: str, count: int, rate: float | None, base: float | None, *, ratio: float, min_count: int
) -> tuple[bool, float | None, str]:
    r = None if rate is None or not base else rate / base
    if count < min_count:
        return False, r, f"thin data: {count} event(s) (< {min_count}) — no verdict on {name}"
    return (r is not None and r >= ratio), r, ""


def behaviour_checks(
    store: Store,
    window: Period | str,
    *,
    weeks: int = 2,
    cap: Fraction | Decimal | None = None,
    ratio: float = 1.5,
    min_count: int = 5,
    examples: int = 5,
) -> list[Check]:
    """Run both checks over every calendar quarter ending in ``window``."""
    if isinstance(window, str):
        window = parse_window(window)
    quarters = plan_periods("quarter", window)
    hist = _history(store)
    caps = _plan_caps(store) if cap is None else {}
    return [
        _slips(store, hist, quarters, weeks, cap, caps, ratio, min_count, examples),
        _discounts(hist, quarters, weeks, ratio, min_count, examples),
    ]


def _plan_caps(store: Store) -> dict[str, Fraction]:
    from salesorg.comp.plan import parse_plan

    rows = store.con.execute(
        """SELECT a.person_id, p.definition FROM plan_assignments a JOIN comp_plans p USING (plan_id)
           ORDER BY a.valid_from"""
    ).fetchall()
    out: dict[str, Fraction] = {}
    for person, definition in rows:
        plan = parse_plan(definition)
        for c in plan.components:
            a = (
                cap_attainment(c)
                if c.measure == "bookings" and not c.products and not c.deal_types
                else None
            )
            if a is not None:
                out[person] = a
    return out


def _slips(store, hist, quarters, weeks, cap, caps, ratio, min_count, n_ex) -> Check:
    after = base = 0
    exp_after = exp_base = 0
    ex: list[dict[str, Any]] = []
    book = QuotaBook(store)
    moved = hist[
        (~hist.is_closed)
        & hist.prev_close.notna()
        & hist.close_date.notna()
        & (hist.close_date > hist.prev_close)
    ]
    for q in quarters:
        deals = won_deals(store, q)
        cr = credits(store, deals).merge(
            deals[["opportunity_id", "booked_on"]], on="opportunity_id"
        )
        tail_start = q.end - dt.timedelta(days=7 * weeks - 1)
        slips_q = moved[
            (moved.prev_close >= q.start) & (moved.prev_close <= q.end) & (moved.close_date > q.end)
        ]
        people = sorted(set(cr.person_id) | set(caps))
        for person in people:
            a_star = Fraction(cap) if cap is not None else caps.get(person)
            quota = book.quota_cents(person, q)
            mine = slips_q[
                (slips_q.owner_id == person) & (slips_q.day >= q.start) & (slips_q.day <= q.end)
            ]
            hit = None
            if a_star is not None and quota:
                c = cr[cr.person_id == person].sort_values("booked_on")
                cum = c.credit_cents.cumsum()
                over = c[cum >= a_star * quota]
                hit = None if over.empty else over.booked_on.iloc[0]
            if hit is not None:
                s = mine[mine.day >= hit]
                after += len(s)
                exp_after += (q.end - hit).days + 1
                for r in s.head(max(0, n_ex - len(ex))).itertuples():
                    ex.append(
                        {
                            "person_id": person,
                            "opportunity_id": r.opportunity_id,
                            "cap_hit_on": hit,
                            "moved_on": r.day,
                            "from": r.prev_close,
                            "to": r.close_date,
                        }
                    )
            else:
                s = mine[mine.day >= tail_start]
                base += len(s)
                exp_base += (q.end - tail_start).days + 1
    rate, brate = _rate(after, exp_after), _rate(base, exp_base)
    flagged, r, note = _verdict(
        "slips after a cap", after, rate, brate, ratio=ratio, min_count=min_count
    )
    return Check(
        "slips_after_cap",
        flagged,
        after,
        rate,
        brate,
        r,
        ex,
        note or "rates are slips per person-day; baseline: last weeks of uncapped quarters",
    )


def _discounts(hist, quarters, weeks, ratio, min_count, n_ex) -> Check:
    cuts = hist[
        (~hist.is_closed) & hist.prev_amount.notna() & (hist.amount < hist.prev_amount)
    ].copy()
    late = early = late_days = early_days = 0
    ex: list[dict[str, Any]] = []
    for q in quarters:
        tail_start = q.end - dt.timedelta(days=7 * weeks - 1)
        inq = cuts[(cuts.day >= q.start) & (cuts.day <= q.end)]
        lt = inq[inq.day >= tail_start]
        late += len(lt)
        early += len(inq) - len(lt)
        late_days += (q.end - tail_start).days + 1
        early_days += (tail_start - q.start).days
        for r in lt.head(max(0, n_ex - len(ex))).itertuples():
            ex.append(
                {
                    "opportunity_id": r.opportunity_id,
                    "owner_id": r.owner_id,
                    "on": r.day,
                    "from": Decimal(str(r.prev_amount)),
                    "to": Decimal(str(r.amount)),
                    "cut": float(1 - Decimal(str(r.amount)) / Decimal(str(r.prev_amount))),
                }
            )
    rate, brate = _rate(late, late_days), _rate(early, early_days)
    flagged, r, note = _verdict(
        "discount spikes", late, rate, brate, ratio=ratio, min_count=min_count
    )
    return Check(
        "discount_spikes",
        flagged,
        late,
        rate,
        brate,
        r,
        ex,
        note or f"amount cuts per day in the last {weeks} week(s) vs earlier in the quarter",
    )
