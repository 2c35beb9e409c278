"""Payouts: per person, per component, the attainment, the payout and the deals that earned it.

``payouts(store, window)`` computes every plan period ending in ``window`` for everyone with a
plan assignment in force at that period's end, from the point-in-time state of the store
(nothing typed twice). Each statement line is exact until it is rounded half-up to the cent
(:mod:`salesorg.comp.core`); the payable amount is the sum of the lines, less clawbacks, with
the draw applied. The run also rolls up the cost of sales per unit: fixed cost (``people.
cost_per_year`` pro rata for the window) plus variable pay, over bookings.

References:
    DOMAIN.md #8 (cost of sales as a share of revenue: 1–40 %, SaaS median ~35 %),
    DOMAIN.md #10 (team incentives as a minority share of variable pay).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from salesorg.comp.core import cents, component_payout, rule_of, target_incentive, to_money
from salesorg.comp.cost import cost_of_sales
from salesorg.comp.credit import credits, reversed_deals, won_deals
from salesorg.comp.periods import Period, fiscal_year_start, parse_window, plan_periods
from salesorg.comp.plan import Component, Plan
from salesorg.comp.quotas_in import QuotaBook
from salesorg.comp.registry import get_plan
from salesorg.errors import ConfigError
from salesorg.metrics.pit import reporting_line
from salesorg.store import Store

__all__ = ["Line", "PayoutRun", "Statement", "payouts"]


@dataclass
class Line:
    """One component of one person in one plan period."""

    person_id: str
    period: Period
    component: Component
    credit_cents: int
    quota_cents: int | None
    ti: Fraction
    payout_cents: int = 0
    deals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def attainment(self) -> Decimal | None:
        if self.component.commission_rate is not None or not self.quota_cents:
            return None
        return (Decimal(self.credit_cents) / Decimal(self.quota_cents)).quantize(Decimal("0.0001"))


@dataclass
class Statement:
    """Everything one person earned in one plan period, and why."""

    person_id: str
    name: str
    plan_id: str
    unit_id: str | None
    period: Period
    lines: list[Line]
    earned_cents: int = 0
    clawback_cents: int = 0
    clawbacks: list[dict[str, Any]] = field(default_factory=list)
    draw_cents: int = 0
    draw_balance_cents: int = 0
    payable_cents: int = 0
    bookings_cents: int = 0


@dataclass
class PayoutRun:
    """The result of :func:`payouts`: statements, the cost-of-sales roll-up and warnings."""

    window: Period
    currency: str
    statements: list[Statement]
    units: list[dict[str, Any]]
    warnings: list[str]


class _Ctx:
    """Caches per period for one run (deals, credits, reporting line, quotas, plans)."""

    def __init__(self, store: Store):
        self.store = store
        self.book = QuotaBook(store)
        self.plans: dict[str, Plan] = {}
        self._credits: dict[Period, pd.DataFrame] = {}
        self._deals: dict[Period, pd.DataFrame] = {}
        self._units: dict[dt.date, dict[str, str]] = {}
        self._reversed: dict[Period, pd.DataFrame] = {}
        self._assigned: dict[Period, pd.DataFrame] = {}
        self._lines: dict[tuple[str, Period], list[Line]] = {}
        self.warnings: list[str] = []

    def plan(self, plan_id: str) -> Plan:
        if plan_id not in self.plans:
            plan = get_plan(self.store, plan_id)
            rc = self.store.reporting_currency
            if plan.currency not in (None, rc):
                raise ConfigError(
                    f"plan {plan_id}: currency {plan.currency} differs from the reporting "
                    f"currency {rc} — express OTE and caps in {rc}"
                )
            self.plans[plan_id] = plan
        return self.plans[plan_id]

    def deals(self, period: Period) -> pd.DataFrame:
        if period not in self._deals:
            self._deals[period] = won_deals(self.store, period)
        return self._deals[period]

    def credits(self, period: Period) -> pd.DataFrame:
        if period not in self._credits:
            d = self.deals(period)
            c = credits(self.store, d)
            self._credits[period] = c.merge(d.drop(columns=["amount_rc"]), on="opportunity_id")
        return self._credits[period]

    def reversed(self, period: Period) -> pd.DataFrame:
        if period not in self._reversed:
            self._reversed[period] = reversed_deals(self.store, period)
        return self._reversed[period]

    def units(self, day: dt.date) -> dict[str, str]:
        if day not in self._units:
            rl = reporting_line(self.store, day).execute()
            self._units[day] = dict(zip(rl["person_id"], rl["unit_id"], strict=True))
        return self._units[day]

    def assigned(self, period: Period, plan_id: str | None = None) -> pd.DataFrame:
        """Plan assignments in force at the period end, of people employed during the period."""
        if period not in self._assigned:
            sql = """SELECT a.plan_id, a.person_id, a.ote, p.name
                     FROM plan_assignments a JOIN people p USING (person_id)
                     WHERE a.valid_from <= ? AND (a.valid_to IS NULL OR a.valid_to > ?)
                       AND (p.left_on IS NULL OR p.left_on >= ?)
                       AND (p.hired_on IS NULL OR p.hired_on <= ?)"""
            df = self.store.con.execute(
                sql, [period.end, period.end, period.start, period.end]
            ).df()
            self._assigned[period] = df.sort_values(["plan_id", "person_id"]).reset_index(drop=True)
        df = self._assigned[period]
        if plan_id is not None:
            df = df[df["plan_id"] == plan_id].reset_index(drop=True)
        return df


def _filtered(cr: pd.DataFrame, comp: Component) -> pd.DataFrame:
    m = np.ones(len(cr), dtype=bool)
    if comp.products:
        m &= cr["product"].isin(comp.products).to_numpy()
    if comp.deal_types:
        m &= cr["deal_type"].isin(comp.deal_types).to_numpy()
    return cr[m]


def _deal_rows(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "opportunity_id": r.opportunity_id,
            "name": r.name,
            "person_id": r.person_id,
            "booked_on": r.booked_on,
            "product": r.product,
            "share": r.share,
            "credit_cents": int(r.credit_cents),
        }
        for r in rows.itertuples()
    ]


def _lines(ctx: _Ctx, plan_id: str, period: Period, people: pd.DataFrame) -> list[Line]:
    """Statement lines of everyone on ``plan_id`` in ``period`` (before clawbacks and draws)."""
    key = (plan_id, period)
    if key in ctx._lines:
        return ctx._lines[key]
    plan = ctx.plan(plan_id)
    cr = ctx.credits(period)
    units = ctx.units(period.end)
    lines: list[Line] = []
    for comp in plan.components:
        fc = _filtered(cr, comp)
        share = Fraction(comp.quota_share) / 100
        batch: list[Line] = []
        for r in people.itertuples():
            ote = None if pd.isna(r.ote) else Decimal(str(r.ote))
            ti = target_incentive(plan, comp, ote)
            if comp.measure == "team_bookings":
                unit = units.get(r.person_id)
                members = [p for p, u in units.items() if u == unit] if unit else [r.person_id]
                rows = fc[fc["person_id"].isin(members)]
                q = ctx.book.quota_cents(unit, period, kind="team") if unit else None
                if q is None:
                    qs = [ctx.book.quota_cents(m, period) for m in members]
                    q = (
                        sum(x for x in qs if x is not None)
                        if any(x is not None for x in qs)
                        else None
                    )
            else:
                rows = fc[fc["person_id"] == r.person_id]
                q = ctx.book.quota_cents(r.person_id, period)
            if q is not None:
                qf = q * share
                q = int(qf) if qf.denominator == 1 else cents(to_money(qf))
            if q is None and comp.commission_rate is None:
                ctx.warnings.append(
                    f"no quota for {r.person_id} ({comp.measure}) in {period.label}: "
                    f"component {comp.id} pays 0 — import quotas.csv for this holder and period"
                )
            batch.append(
                Line(
                    person_id=r.person_id,
                    period=period,
                    component=comp,
                    credit_cents=int(rows["credit_cents"].sum()),
                    quota_cents=q,
                    ti=ti,
                    deals=_deal_rows(rows),
                )
            )
        _pay(batch)
        lines.extend(batch)
    ctx._lines[key] = lines
    return lines


def _pay(batch: list[Line], minus: list[int] | None = None) -> list[int]:
    """Compute payouts of lines of one component in one vectorised call (sets payout_cents)."""
    if not batch:
        return []
    rule = rule_of(batch[0].component)
    credit = np.array([ln.credit_cents for ln in batch], dtype=np.int64)
    if minus is not None:
        credit = credit - np.array(minus, dtype=np.int64)
    quota = np.array([ln.quota_cents or 0 for ln in batch], dtype=np.int64)
    out = component_payout(
        rule,
        credit,
        quota,
        np.array([ln.ti.numerator for ln in batch], dtype=object),
        np.array([ln.ti.denominator for ln in batch], dtype=object),
    )
    if minus is None:
        for ln, p in zip(batch, out, strict=True):
            ln.payout_cents = int(p)
    return [int(p) for p in out]


def _clawbacks(ctx: _Ctx, plan: Plan, period: Period, person: str) -> list[dict[str, Any]]:
    """What deals reversed in ``period`` (within the window) had earned ``person``."""
    if plan.clawback is None:
        return []
    rev = ctx.reversed(period)
    out = []
    for r in rev.itertuples():
        if (r.reversed_on - r.won_on).days > plan.clawback.window_days:
            continue
        p0s = [
            p
            for p in plan_periods(
                plan.period,
                Period("", r.won_on, r.won_on),
                fiscal_start_month=plan.fiscal_year_start_month,
                ending_in_window=False,
            )
            if p.end < period.start
        ]
        for p0 in p0s:
            people = ctx.assigned(p0, plan.plan_id)
            people = people[people["person_id"] == person]
            if people.empty:
                continue
            lines = _lines(ctx, plan.plan_id, p0, ctx.assigned(p0, plan.plan_id))
            total = 0
            for ln in lines:
                if ln.person_id != person:
                    continue
                minus = sum(
                    d["credit_cents"] for d in ln.deals if d["opportunity_id"] == r.opportunity_id
                )
                if minus:
                    without = _pay([ln], minus=[minus])[0]
                    total += ln.payout_cents - without
            if total:
                out.append(
                    {
                        "opportunity_id": r.opportunity_id,
                        "won_on": r.won_on,
                        "reversed_on": r.reversed_on,
                        "stage": r.stage,
                        "paid_in": p0.label,
                        "clawback_cents": total,
                    }
                )
    return out


def _earned(ctx: _Ctx, plan: Plan, period: Period, person: str) -> tuple[int, list, list] | None:
    people = ctx.assigned(period, plan.plan_id)
    if person not in set(people["person_id"]):
        return None
    lines = [ln for ln in _lines(ctx, plan.plan_id, period, people) if ln.person_id == person]
    claws = _clawbacks(ctx, plan, period, person)
    return sum(ln.payout_cents for ln in lines), lines, claws


def _statement(ctx: _Ctx, plan: Plan, period: Period, person: str, name: str) -> Statement:
    earned, lines, claws = _earned(ctx, plan, period, person)  # type: ignore[misc]
    claw = sum(c["clawback_cents"] for c in claws)
    st = Statement(
        person_id=person,
        name=name,
        plan_id=plan.plan_id,
        unit_id=ctx.units(period.end).get(person),
        period=period,
        lines=lines,
        earned_cents=earned,
        clawback_cents=claw,
        clawbacks=claws,
    )
    net = earned - claw
    st.payable_cents = net
    if plan.draw is not None:
        draw = cents(plan.draw.amount)
        fy = fiscal_year_start(period.start, plan.fiscal_year_start_month)
        seq = plan_periods(
            plan.period, Period("", fy, period.end), fiscal_start_month=plan.fiscal_year_start_month
        )
        balance = 0
        for p in seq:
            if p == period:
                e = net
            else:
                got = _earned(ctx, plan, p, person)
                if got is None:
                    continue
                e = got[0] - sum(c["clawback_cents"] for c in got[2])
            paid, balance = _apply_draw(e, draw, balance, recoverable=plan.draw.recoverable)
        st.payable_cents = paid
        st.draw_cents = max(0, paid - net)
        st.draw_balance_cents = balance
    own = ctx.credits(period)
    st.bookings_cents = int(own.loc[own["person_id"] == person, "credit_cents"].sum())
    return st


def _apply_draw(earned: int, draw: int, balance: int, *, recoverable: bool) -> tuple[int, int]:
    """(paid, new balance) for one period. See docs/comp.md, "Draws"."""
    if not recoverable:
        return max(earned, draw), 0
    if earned >= draw:
        recovery = min(balance, earned - draw)
        return earned - recovery, balance - recovery
    return draw, balance + (draw - earned)


def payouts(
    store: Store, window: Period | str, *, person: str | None = None, plan_id: str | None = None
) -> PayoutRun:
    """Statements for every plan period ending in ``window`` (optionally one person or plan)."""
    if isinstance(window, str):
        window = parse_window(window)
    ctx = _Ctx(store)
    plan_ids = [r[0] for r in store.con.execute("SELECT plan_id FROM comp_plans").fetchall()]
    statements: list[Statement] = []
    for pid in sorted(plan_ids):
        if plan_id is not None and pid != plan_id:
            continue
        plan = ctx.plan(pid)
        for period in plan_periods(
            plan.period, window, fiscal_start_month=plan.fiscal_year_start_month
        ):
            people = ctx.assigned(period, pid)
            for r in people.itertuples():
                if person is not None and r.person_id != person:
                    continue
                statements.append(_statement(ctx, plan, period, r.person_id, r.name))
    if person is not None and not statements:
        from salesorg.errors import NotFoundError

        raise NotFoundError(
            f"{person} has no plan assignment in force in {window.label} — assign one with "
            "`salesorg comp plan assign PLAN --people ID --from DATE`"
        )
    payable: dict[str, int] = {}
    for st in statements:
        payable[st.person_id] = payable.get(st.person_id, 0) + st.payable_cents
    units = cost_of_sales(
        window,
        ctx.units(window.end),
        ctx.credits(window),
        payable,
        lambda person: ctx.book.cost_per_year_cents(person, window.end),
    )
    return PayoutRun(window, store.reporting_currency, statements, units, ctx.warnings)
