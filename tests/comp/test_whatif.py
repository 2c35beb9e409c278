"""What-if simulation: recovers planted distributions; plans compared on the same outcomes."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from salesorg.comp.compare import compare_plans
from salesorg.comp.plan import parse_plan
from salesorg.comp.whatif import load_population, sample_bookings, simulate
from salesorg.errors import ConfigError
from salesorg.store import Store

from .conftest import PLAN_HEAD, add_deal

LINEAR = PLAN_HEAD.format(plan_id="lin", period="quarter") + (
    '[[components]]\nid = "b"\nweight = 100\ntiers = [{from = 0, rate = 1}]\n'
)
ACCEL = PLAN_HEAD.format(plan_id="acc", period="quarter") + (
    '[[components]]\nid = "b"\nweight = 100\ntiers = [{from = 0, rate = 1}, {from = 100, rate = 2}]\n'
)


def _quarters(store: Store, person: str, amounts: list[str], year: int = 2025) -> None:
    for i, a in enumerate(amounts):
        y, q = year + i // 4, i % 4 + 1
        add_deal(
            store, f"{person}-{i}", person, a, f"{y}-{3 * q - 1:02d}-15", created_on="2024-12-01"
        )


def test_steady_history_gives_certain_attainment_and_pay(company: Store) -> None:
    _quarters(company, "A1", ["100000.00"] * 6)
    r = simulate(
        company, parse_plan(LINEAR), "2026Q3", ["A1"], rng=np.random.default_rng(0), n_sims=500
    )
    # every draw is 100,000 against a 100,000 quota: attainment 1, pay 12,500 in every simulation
    assert r.attainment["p10"] == r.attainment["p90"] == 1.0
    assert r.share_at_or_above_quota["mean"] == 1.0
    assert r.variable_pay["p10"] == r.variable_pay["p90"] == 12500.0


def test_bootstrap_recovers_a_half_chance_of_reaching_quota(company: Store) -> None:
    _quarters(company, "A1", ["50000.00", "150000.00"] * 3)
    r = simulate(
        company, parse_plan(LINEAR), "2026Q3", ["A1"], rng=np.random.default_rng(1), n_sims=4000
    )
    # half the past quarters were at 150 %: P(≥ 100 %) ≈ 0.5; mean pay = 12,500 × (0.5 + 1.5) / 2
    assert r.share_at_or_above_quota["mean"] == pytest.approx(0.5, abs=0.03)
    assert r.variable_pay["mean"] == pytest.approx(12500.0, rel=0.03)


def test_lognormal_fit_recovers_the_planted_median(company: Store) -> None:
    rng = np.random.default_rng(7)
    planted = rng.lognormal(np.log(80000), 0.3, size=24)
    _quarters(company, "A1", [f"{x:.2f}" for x in planted], year=2020)
    pop = load_population(company, "2026Q1", ["A1"], history=24)
    sims = sample_bookings(pop, n_sims=20000, rng=np.random.default_rng(2), method="lognormal")
    assert np.median(sims) / 100 == pytest.approx(80000, rel=0.15)


def test_same_seed_gives_the_same_simulation(company: Store) -> None:
    _quarters(company, "A1", ["50000.00", "120000.00", "90000.00", "70000.00"])
    a = simulate(
        company, parse_plan(LINEAR), "2026Q1", ["A1"], rng=np.random.default_rng(5), n_sims=200
    )
    b = simulate(
        company, parse_plan(LINEAR), "2026Q1", ["A1"], rng=np.random.default_rng(5), n_sims=200
    )
    assert a.variable_pay == b.variable_pay


def test_an_accelerator_pays_more_on_the_same_outcomes_and_nothing_else_changes(
    company: Store,
) -> None:
    for p in ("A1", "A2"):
        _quarters(company, p, ["50000.00", "150000.00", "110000.00", "90000.00"])
    out = compare_plans(
        company,
        parse_plan(LINEAR),
        parse_plan(ACCEL),
        "2026Q1",
        rng=np.random.default_rng(3),
        n_sims=1000,
        people=["A1", "A2"],
    )
    rows = {r["metric"]: r for r in out["rows"]}
    assert rows["share_at_or_above_quota_mean"]["difference"] == 0
    assert rows["variable_pay_mean"]["difference"] > 0
    assert rows["cost_of_sales_mean"]["difference"] > 0


def test_compare_refuses_plans_with_different_periods(company: Store) -> None:
    monthly = parse_plan(LINEAR.replace('period = "quarter"', 'period = "month"'))
    with pytest.raises(ConfigError, match="same payout period"):
        compare_plans(
            company,
            parse_plan(LINEAR),
            monthly,
            "2026Q1",
            rng=np.random.default_rng(0),
            people=["A1"],
        )


def test_unknown_method_is_a_config_error(company: Store) -> None:
    _quarters(company, "A1", ["1.00"])
    pop = load_population(company, "2026Q1", ["A1"], history=4)
    with pytest.raises(ConfigError):
        sample_bookings(pop, n_sims=2, rng=np.random.default_rng(0), method="magic")
    assert Decimal(1)  # keeps the import honest for the doc example


def test_team_component_pays_on_the_unit_total_in_every_simulation(company: Store) -> None:
    _quarters(company, "A1", ["60000.00"] * 4)
    _quarters(company, "A2", ["90000.00"] * 4)
    team = PLAN_HEAD.format(plan_id="team", period="quarter") + (
        '[[components]]\nid = "t"\nmeasure = "team_bookings"\nweight = 100\n'
        "tiers = [{from = 0, rate = 1}]\n"
    )
    r = simulate(
        company, parse_plan(team), "2026Q1", ["A1", "A2"], rng=np.random.default_rng(0), n_sims=100
    )
    # T1 books 150,000 against 2 × 100,000: A = 0.75 → each of two people gets 12,500 × 0.75
    assert r.variable_pay["p10"] == r.variable_pay["p90"] == 18750.0
