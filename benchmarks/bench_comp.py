"""Payouts for 10,000 people × 12 months × 5 components: the exact vectorised core vs a naive loop.

``ours``: :func:`salesorg.comp.core.component_payout` once per component over all 120,000
person-months (integer cents, Python-integer object arrays only where a product could overflow
int64), then the payable per person-month as the sum of the rounded lines — the same code the
statements use. ``baseline``: the naive per-person Python loop that a spreadsheet-minded
implementation would write (:func:`salesorg.comp.core.reference_payout`, exact
``fractions.Fraction`` per row). The loop is timed on a subset of people and scaled linearly
to the full population (said in the note); on that subset both must agree to the cent.

Goal: the full run in under 5 s (issue #8).
"""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction

import numpy as np

from salesorg.comp.core import component_payout, reference_payout, rule_of
from salesorg.comp.plan import parse_plan

PLAN = """
plan_id = "bench"
ote = 120000
pay_mix = [60, 40]
period = "month"

[[components]]
id = "flat"
weight = 10
commission_rate = 1.5

[[components]]
id = "linear"
weight = 30
tiers = [{from = 0, rate = 1}]

[[components]]
id = "accelerated"
weight = 30
tiers = [{from = 0, rate = 0.5}, {from = 50, rate = 1}, {from = 100, rate = 2}]
cap = 250

[[components]]
id = "gated"
weight = 20
tiers = [{from = 0, rate = 1}, {from = 120, rate = 1.5}]
threshold = 60

[[components]]
id = "capped"
weight = 10
tiers = [{from = 0, rate = 1.25}]
cap_amount = 1500
"""


def _data(n_people: int, months: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Credits (people × months × components) and quotas (people × months), integer cents."""
    quota = rng.integers(2_000_000, 6_000_000, size=(n_people, 1)).repeat(months, axis=1)
    credit = np.rint(
        rng.lognormal(np.log(quota[..., None] * 0.9), 0.6, size=(n_people, months, 5))
    ).astype(np.int64)
    credit[rng.random(credit.shape) < 0.1] = 0
    return credit, quota


def _ours(plan, credit: np.ndarray, quota: np.ndarray) -> np.ndarray:
    n_people, months, _n_comp = credit.shape
    total = np.zeros(n_people * months, dtype=np.int64)
    q = quota.ravel()
    for k, comp in enumerate(plan.components):
        ti = _ti(plan, comp)
        total += component_payout(
            rule_of(comp), credit[:, :, k].ravel(), q, ti.numerator, ti.denominator
        )
    return total.reshape(n_people, months)


def _ti(plan, comp) -> Fraction:
    from salesorg.comp.core import target_incentive

    return target_incentive(plan, comp)


def _naive(plan, credit: np.ndarray, quota: np.ndarray) -> np.ndarray:
    n_people, months, _ = credit.shape
    out = np.zeros((n_people, months), dtype=np.int64)
    for i in range(n_people):
        for m in range(months):
            for k, comp in enumerate(plan.components):
                out[i, m] += reference_payout(
                    comp, int(credit[i, m, k]), int(quota[i, m]), _ti(plan, comp)
                )
    return out


def run(*, quick: bool = False) -> list[dict]:
    plan = parse_plan(PLAN)
    n_people = 1_000 if quick else 10_000
    months = 12
    subset = 50 if quick else 300
    credit, quota = _data(n_people, months, np.random.default_rng(2026))
    t0 = time.perf_counter()
    ours = _ours(plan, credit, quota)
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive = _naive(plan, credit[:subset], quota[:subset])
    naive_s = (time.perf_counter() - t0) * n_people / subset
    same = bool((naive == ours[:subset]).all())
    total = Decimal(int(ours.sum())) / 100
    rows = n_people * months * 5
    return [
        {
            "benchmark": f"comp payouts {n_people:,} people × {months} months × 5 components",
            "ours_s": round(ours_s, 3),
            "baseline": "naive per-person loop, exact Fraction per row",
            "baseline_s": round(naive_s, 3),
            "ratio": round(naive_s / ours_s, 1),
            "goal": "< 5 s for 10,000 × 12 × 5, exact to the cent",
            "met": bool(ours_s < 5 and same),
            "note": (
                f"{rows:,} component lines, total payable {total:,.2f}; baseline timed on "
                f"{subset} people and scaled ×{n_people // subset}; identical to the cent on "
                f"the subset: {same}"
            ),
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
