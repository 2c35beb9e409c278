"""The exact, vectorised payout core: integer cents in, integer cents out, no float anywhere.

A component's payout for one person and period is a rational number: credited bookings ``C``
and quota ``Q`` are integer cents, rates and thresholds are multiples of 0.0001 (held as
integers scaled by :data:`SCALE`), and the target incentive is ``ote × variable % × weight % /
periods per year``. With ``A = C / Q`` the attainment and tiers ``(l_i, r_i)`` (band from
``l_i`` to the next tier's start ``h_i``; the last band has no end):

* rate table: ``f(A) = Σ_i r_i · max(0, min(A, h_i) − l_i)``; ``f = 0`` when a gate
  (``threshold``) is set and ``A`` is below it; payout ``= TI · f(A)``;
* flat commission: payout ``= C · rate``;
* caps: payout ``= min(payout, TI · cap %, cap_amount)``.

Every term is computed as an integer numerator over an integer denominator (Python integers in
NumPy object arrays where a product could exceed int64), and only the final line is rounded
half-up to the cent: ``cents = floor((2·num + den) / (2·den))``. The rest of the engine adds
rounded lines, so a statement always adds up. :func:`reference_payout` is the same rule written
naively with :class:`fractions.Fraction` per row; tests check that both agree and the
benchmark times one against the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from salesorg.comp.plan import Component, Plan

__all__ = [
    "SCALE",
    "Rule",
    "cents",
    "component_payout",
    "reference_payout",
    "round_half_up",
    "rule_of",
    "target_incentive",
    "to_money",
]

#: Rates and fractions are integers in units of 1 / SCALE (0.0001).
SCALE = 10_000


def cents(value: Decimal | int | str) -> int:
    """A money amount as integer cents; refuses sub-cent amounts (they are not money)."""
    d = Decimal(value) * 100
    if d != d.to_integral_value():
        raise ValueError(f"{value} is not a whole number of cents")
    return int(d)


def to_money(value_cents: int | Fraction) -> Decimal:
    """Cents (int or exact fraction) as a Decimal amount; fractions rounded half-up to the cent."""
    if isinstance(value_cents, Fraction):
        n, d = value_cents.numerator, value_cents.denominator
        sign = -1 if n < 0 else 1
        value_cents = sign * ((2 * abs(n) + d) // (2 * d))
    return (Decimal(int(value_cents)) / 100).quantize(Decimal("0.01"))


def _scaled(fraction: Decimal) -> int:
    v = fraction * SCALE
    if v != v.to_integral_value():
        raise ValueError(f"{fraction} is not a multiple of 1/{SCALE}")
    return int(v)


@dataclass(frozen=True)
class Rule:
    """A component in integer form (all fractions scaled by :data:`SCALE`)."""

    flat_rate: int | None
    tier_from: tuple[int, ...]
    tier_rate: tuple[int, ...]
    gate: int | None
    cap: int | None
    cap_cents: int | None

    @property
    def needs_quota(self) -> bool:
        return self.flat_rate is None


def rule_of(component: Component) -> Rule:
    """The integer :class:`Rule` of a validated plan component."""
    pct = Decimal(100)
    return Rule(
        flat_rate=None
        if component.commission_rate is None
        else _scaled(component.commission_rate / pct),
        tier_from=tuple(_scaled(t.from_pct / pct) for t in component.tiers),
        tier_rate=tuple(_scaled(t.rate) for t in component.tiers),
        gate=None if component.threshold is None else _scaled(component.threshold / pct),
        cap=None if component.cap is None else _scaled(component.cap / pct),
        cap_cents=None if component.cap_amount is None else cents(component.cap_amount),
    )


def target_incentive(plan: Plan, component: Component, ote: Decimal | None = None) -> Fraction:
    """Target incentive of one component for one payout period, in cents, exact."""
    ote_c = cents(plan.ote if ote is None else ote)
    return (
        Fraction(ote_c)
        * Fraction(plan.pay_mix[1])
        / 100
        * Fraction(component.weight)
        / 100
        / plan.periods_per_year
    )


def _obj(a: np.ndarray | list[int] | int, n: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim == 0:
        arr = np.full(n, arr.item(), dtype=np.int64)
    return arr.astype(object)


def round_half_up(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Exact half-up rounding of ``num / den`` (den > 0) to an integer, elementwise."""
    num = np.asarray(num, dtype=object)
    den = np.asarray(den, dtype=object)
    pos = (2 * num + den) // (2 * den)
    neg = -((2 * (-num) + den) // (2 * den))
    return np.where(num >= 0, pos, neg)


def component_payout(
    rule: Rule,
    credit: np.ndarray,
    quota: np.ndarray,
    ti_num: np.ndarray | int,
    ti_den: np.ndarray | int,
) -> np.ndarray:
    """Payout in cents (int64, rounded half-up) of one component for many rows at once.

    ``credit`` and ``quota`` are integer cents (``quota`` is ignored by a flat rate; a zero
    quota pays nothing under a rate table — the caller reports it); ``ti_num / ti_den`` is the
    target incentive in cents.
    """
    credit = np.asarray(credit, dtype=np.int64)
    n = credit.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    tn = _obj(ti_num, n)
    td = _obj(ti_den, n)
    if rule.flat_rate is not None:
        num = _obj(credit, n) * rule.flat_rate
        den = np.full(n, SCALE, dtype=object)
    else:
        qi = np.broadcast_to(np.asarray(quota, dtype=np.int64), (n,))
        # The band sums stay in int64 when they provably fit (the usual case); else Python ints.
        top_c = max(int(credit.max(initial=0)), 0) * SCALE
        top_q = int(qi.max(initial=0)) * max((*rule.tier_from, rule.gate or 0))
        bound = (max(top_c, top_q) + 1) * max(sum(rule.tier_rate), 1)
        small = bound < 2**62
        c = credit if small else _obj(credit, n)
        q = qi if small else _obj(qi, n)
        cs = c * SCALE  # attainment A = cs / (q * SCALE); tier bounds l = l_s / SCALE
        f = np.zeros(n, dtype=np.int64 if small else object)
        starts = rule.tier_from
        for i, (lo, rate) in enumerate(zip(starts, rule.tier_rate, strict=True)):
            if rate == 0:
                continue
            top = cs if i + 1 == len(starts) else np.minimum(cs, starts[i + 1] * q)
            band = top - lo * q
            f = f + rate * np.maximum(band, 0)
        if rule.gate is not None:
            f = np.where(cs < rule.gate * q, 0, f)
        ok = q > 0
        f = f.astype(object)
        qo = np.where(ok, q, 1).astype(object)
        num = np.where(ok, tn * f, 0)
        den = td * (SCALE * SCALE) * qo
    caps = []
    if rule.cap is not None:
        caps.append((tn * rule.cap, td * SCALE))
    if rule.cap_cents is not None:
        caps.append((np.full(n, rule.cap_cents, dtype=object), np.ones(n, dtype=object)))
    for cap_num, cap_den in caps:
        over = num * cap_den > cap_num * den
        num = np.where(over, cap_num, num)
        den = np.where(over, cap_den, den)
    return round_half_up(num, den).astype(np.int64)


def reference_payout(
    component: Component, credit_cents: int, quota_cents: int, ti: Fraction
) -> int:
    """The same rule as :func:`component_payout`, written naively per row with ``Fraction``.

    A second implementation used as the test oracle and the benchmark baseline.
    """
    c = Fraction(credit_cents)
    if component.commission_rate is not None:
        pay = c * Fraction(component.commission_rate) / 100
    else:
        if quota_cents <= 0:
            return 0
        a = c / quota_cents
        f = Fraction(0)
        tiers = component.tiers
        for i, tier in enumerate(tiers):
            lo = Fraction(tier.from_pct) / 100
            top = a if i + 1 == len(tiers) else min(a, Fraction(tiers[i + 1].from_pct) / 100)
            f += Fraction(tier.rate) * max(Fraction(0), top - lo)
        if component.threshold is not None and a < Fraction(component.threshold) / 100:
            f = Fraction(0)
        pay = ti * f
    if component.cap is not None:
        pay = min(pay, ti * Fraction(component.cap) / 100)
    if component.cap_amount is not None:
        pay = min(pay, Fraction(cents(component.cap_amount)))
    return int(round_half_up(np.array([pay.numerator]), np.array([pay.denominator]))[0])
