"""Properties of the exact payout core, checked against a naive Fraction implementation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from salesorg.comp.core import component_payout, reference_payout, round_half_up, rule_of
from salesorg.comp.credit import allocate
from salesorg.comp.plan import Component, Tier


@st.composite
def components(draw: st.DrawFn, *, capped: bool | None = None) -> Component:
    flat = draw(st.booleans())
    cap = draw(st.none() | st.integers(1, 40_000).map(lambda x: Decimal(x) / 100))
    cap_amount = draw(st.none() | st.integers(1, 10**9).map(lambda x: Decimal(x) / 100))
    if capped is True and cap is None and cap_amount is None:
        cap = Decimal("150")
    if flat:
        return Component(
            id="c",
            weight=Decimal(100),
            commission_rate=Decimal(draw(st.integers(0, 10_000))) / 100,
            cap=cap,
            cap_amount=cap_amount,
        )
    n = draw(st.integers(1, 4))
    starts = sorted(set(draw(st.lists(st.integers(1, 30_000), min_size=n - 1, max_size=n - 1))))
    tiers = [
        Tier.model_validate({"from": 0, "rate": Decimal(draw(st.integers(0, 50_000))) / 10_000})
    ]
    for s in starts:
        tiers.append(
            Tier.model_validate(
                {"from": Decimal(s) / 100, "rate": Decimal(draw(st.integers(0, 50_000))) / 10_000}
            )
        )
    gate = draw(st.none() | st.integers(0, 15_000).map(lambda x: Decimal(x) / 100))
    return Component(
        id="c",
        weight=Decimal(100),
        tiers=tuple(tiers),
        threshold=gate,
        cap=cap,
        cap_amount=cap_amount,
    )


money = st.integers(0, 10**11)  # cents, up to 1 bn
tis = st.fractions(min_value=Fraction(1), max_value=Fraction(10**9), max_denominator=10**6)


@given(components(), st.lists(money, min_size=1, max_size=20), money, tis)
@settings(max_examples=120, deadline=None)
def test_vectorised_core_agrees_with_the_naive_fraction_rule(comp, credits, quota, ti) -> None:
    got = component_payout(
        rule_of(comp), np.array(credits), np.full(len(credits), quota), ti.numerator, ti.denominator
    )
    want = [reference_payout(comp, c, quota, ti) for c in credits]
    assert got.tolist() == want


@given(components(), money, money, st.integers(1, 10**10), tis)
@settings(max_examples=120, deadline=None)
def test_payout_never_falls_when_attainment_rises(comp, a, b, quota, ti) -> None:
    lo, hi = sorted((a, b))
    out = component_payout(
        rule_of(comp), np.array([lo, hi]), np.array([quota, quota]), ti.numerator, ti.denominator
    )
    assert comp.is_monotone
    assert out[0] <= out[1]


@given(
    components(capped=True), st.lists(money, min_size=1, max_size=10), st.integers(1, 10**10), tis
)
@settings(max_examples=120, deadline=None)
def test_payout_with_a_cap_never_exceeds_the_cap(comp, credits, quota, ti) -> None:
    out = component_payout(
        rule_of(comp), np.array(credits), np.full(len(credits), quota), ti.numerator, ti.denominator
    )
    limits = []
    if comp.cap is not None:
        limits.append(ti * Fraction(comp.cap) / 100)
    if comp.cap_amount is not None:
        limits.append(Fraction(comp.cap_amount) * 100)
    limit = min(limits)
    # rounded half-up to the cent, so at most half a cent above an off-cent cap
    assert all(Fraction(int(x)) <= limit + Fraction(1, 2) for x in out)


@given(st.integers(0, 10**12), st.lists(st.integers(1, 10_000), min_size=1, max_size=8))
def test_split_credits_add_up_to_the_deal_and_shares_to_100_percent(amount, weights) -> None:
    total = sum(weights)
    scaled = [w * 10_000 // total for w in weights]
    scaled[0] += 10_000 - sum(scaled)
    shares = [Decimal(s) / 10_000 for s in scaled]
    if any(s < 0 for s in shares):
        return
    parts = allocate(amount, shares)
    assert sum(shares) == 1
    assert sum(parts) == amount
    assert all(
        abs(p - Fraction(amount) * Fraction(s)) < 1 for p, s in zip(parts, shares, strict=True)
    )


def test_round_half_up_rounds_halves_away_from_zero() -> None:
    got = round_half_up(
        np.array([5, 15, -5, 14, 16], dtype=object), np.array([10] * 5, dtype=object)
    )
    assert got.tolist() == [1, 2, -1, 1, 2]
