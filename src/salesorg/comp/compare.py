"""Two plans side by side: the same people, the same simulated outcomes, the same quotas.

For each plan: what it would have paid on the bookings actually recorded in the period (exact,
through the payout engine), and over simulated outcomes (common random numbers, see
:mod:`salesorg.comp.whatif`) the expected attainment, the share of people at or above 100 %,
total variable pay and cost of sales, each with P10/P50/P90.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from salesorg.comp.core import to_money
from salesorg.comp.payout import _Ctx, _lines
from salesorg.comp.periods import Period, parse_window, plan_periods
from salesorg.comp.plan import Plan
from salesorg.comp.whatif import evaluate, load_population, sample_bookings
from salesorg.errors import ConfigError
from salesorg.store import Store

__all__ = ["compare_plans", "paid_as_if"]


def paid_as_if(store: Store, plan: Plan, period: Period, people: list[str]) -> Decimal:
    """Total variable pay ``plan`` would have paid ``people`` on the recorded bookings (exact)."""
    ctx = _Ctx(store)
    ctx.plans[plan.plan_id] = plan
    frame = pd.DataFrame(
        {"plan_id": plan.plan_id, "person_id": people, "ote": [None] * len(people), "name": people}
    )
    total = sum(ln.payout_cents for ln in _lines(ctx, plan.plan_id, period, frame))
    return to_money(total)


def _population(store: Store, plan_ids: list[str], period: Period) -> list[str]:
    rows = store.con.execute(
        """SELECT DISTINCT a.person_id FROM plan_assignments a JOIN people p USING (person_id)
           WHERE a.plan_id IN (SELECT unnest(?)) AND a.valid_from <= ?
             AND (a.valid_to IS NULL OR a.valid_to > ?)
             AND (p.left_on IS NULL OR p.left_on >= ?) ORDER BY a.person_id""",
        [plan_ids, period.end, period.end, period.start],
    ).fetchall()
    if rows:
        return [r[0] for r in rows]
    rows = store.con.execute(
        """SELECT DISTINCT holder_id FROM quotas WHERE kind = 'individual'
           AND period_start <= ? AND period_end >= ? ORDER BY holder_id""",
        [period.end, period.start],
    ).fetchall()
    return [r[0] for r in rows]


def compare_plans(
    store: Store,
    plan_a: Plan,
    plan_b: Plan,
    period: Period | str,
    *,
    rng: np.random.Generator,
    n_sims: int = 2000,
    method: str = "bootstrap",
    history: int = 8,
    people: list[str] | None = None,
) -> dict[str, Any]:
    """Compare two plans for one plan period inside ``period`` (the first one ending in it)."""
    if isinstance(period, str):
        period = parse_window(period)
    if plan_a.period != plan_b.period:
        raise ConfigError(
            f"{plan_a.plan_id} pays per {plan_a.period}, {plan_b.plan_id} per {plan_b.period} — "
            "compare plans with the same payout period"
        )
    ps = plan_periods(plan_a.period, period, fiscal_start_month=plan_a.fiscal_year_start_month)
    if not ps:
        raise ConfigError(f"no {plan_a.period} ends inside {period.label}")
    p = ps[0]
    who = people or _population(store, [plan_a.plan_id, plan_b.plan_id], p)
    pop = load_population(store, p, who, kind=plan_a.period, history=history)
    sims = sample_bookings(pop, n_sims=n_sims, rng=rng, method=method)
    res = [evaluate(plan, pop, sims, method=method) for plan in (plan_a, plan_b)]
    actual = [paid_as_if(store, plan, p, who) for plan in (plan_a, plan_b)]
    rows: list[dict[str, Any]] = [
        {"metric": "variable_pay_actual", "a": actual[0], "b": actual[1]},
    ]
    for name in ("attainment", "share_at_or_above_quota", "variable_pay", "cost_of_sales"):
        for q in ("p10", "p50", "p90", "mean"):
            rows.append(
                {
                    "metric": f"{name}_{q}",
                    "a": getattr(res[0], name)[q],
                    "b": getattr(res[1], name)[q],
                }
            )
    for r in rows:
        r["difference"] = r["b"] - r["a"] if r["a"] is not None and r["b"] is not None else None
    return {
        "period": p.label,
        "plan_a": plan_a.plan_id,
        "plan_b": plan_b.plan_id,
        "people": len(who),
        "n_sims": n_sims,
        "method": method,
        "rows": rows,
        "simulations": [r.to_json() for r in res],
        "assumptions": [*res[0].assumptions, "both plans paid on the same simulated bookings"],
        "warnings": res[0].warnings,
    }
