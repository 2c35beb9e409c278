"""The Monte Carlo: arithmetic with fixed assumptions, determinism, CRN, the loop oracle, tornado."""

from __future__ import annotations

import numpy as np
import pytest

from salesorg.errors import ConfigError
from salesorg.orgdesign import DEFAULTS, apply_scenario, build_org, load_scenario, simulate
from salesorg.orgdesign._loop import reporting_loop, simulate_loop
from salesorg.orgdesign.scenario import parse_scenario

WPM = 52 / 12
PER_REP = 0.26 * 40 * WPM / 8.5
FIXED = DEFAULTS.override(DEFAULTS.points())  # every assumption at its point value


@pytest.fixture
def org(company):
    return build_org(company, "2026-06-30")


def _run(org, refs, *, trials=400, seed=1, assumptions=DEFAULTS, tornado=False):
    orgs = [apply_scenario(org, load_scenario(r)) for r in refs]
    return simulate(
        orgs,
        baseline=orgs[0],
        trials=trials,
        rng=np.random.default_rng(seed),
        assumptions=assumptions,
        tornado=tornado,
    )


def test_closeness_falls_by_the_span_ratio_when_coaching_time_is_fixed(org):
    c = _run(org, ["baseline", "span:14"], assumptions=FIXED)
    base, wide = (r.quantiles("coaching_hours_per_am_month")["p50"] for r in c.results)
    assert base == pytest.approx(0.16 * 40 * WPM / 8)
    assert wide / base == pytest.approx(8 / 14)


def test_hand_reporting_per_manager_rises_by_14_over_8(org):
    c = _run(org, ["baseline", "span:14"], assumptions=FIXED)
    base, wide = (r.quantiles("reporting_hours_per_manager_week")["p50"] for r in c.results)
    assert base == pytest.approx(PER_REP * 8 / WPM)
    assert wide / base == pytest.approx(14 / 8)


def test_reporting_hours_agree_with_a_loop_over_managers(org):
    s = apply_scenario(org, load_scenario("cells"))
    c = simulate(
        [apply_scenario(org, load_scenario("baseline")), s],
        baseline=org,
        trials=50,
        rng=np.random.default_rng(0),
        assumptions=FIXED,
        tornado=False,
    )
    assert c.results[1].quantiles("reporting_hours_per_manager_week")["p50"] == pytest.approx(
        reporting_loop(s, FIXED.points())
    )


def test_the_baseline_reproduces_history_in_expectation(org):
    c = _run(org, ["baseline"], trials=4000)
    expected = c.baselines.mean.sum()
    assert np.mean(c.results[0].draws["bookings"]) == pytest.approx(expected, rel=0.01)


def test_same_seed_gives_the_same_result_and_another_seed_does_not(org):
    a = _run(org, ["baseline", "span:14", "cells"], seed=5)
    b = _run(org, ["baseline", "span:14", "cells"], seed=5)
    c = _run(org, ["baseline", "span:14", "cells"], seed=6)
    for ra, rb, rc in zip(a.results, b.results, c.results, strict=True):
        assert np.array_equal(ra.draws["bookings"], rb.draws["bookings"])
        assert not np.array_equal(ra.draws["bookings"], rc.draws["bookings"])


def test_common_random_numbers_make_an_unchanged_copy_tie_every_trial(org):
    copy = apply_scenario(org, parse_scenario({"name": "copy"}))
    base = apply_scenario(org, load_scenario("baseline"))
    c = simulate(
        [base, copy], baseline=base, trials=300, rng=np.random.default_rng(2), tornado=False
    )
    assert np.array_equal(c.results[0].draws["bookings"], c.results[1].draws["bookings"])
    assert c.results[1].p_beats_baseline == 0.0 and c.results[1].p_more_bookings == 0.0


def test_vectorised_simulation_matches_a_per_trial_python_loop(org):
    orgs = [apply_scenario(org, load_scenario(r)) for r in ["baseline", "span:14", "cells"]]
    vec = simulate(orgs, baseline=orgs[0], trials=30, rng=np.random.default_rng(11), tornado=False)
    loop = simulate_loop(orgs, baseline=orgs[0], trials=30, rng=np.random.default_rng(11))
    for r, ref in zip(vec.results, loop, strict=True):
        for q in ("bookings", "cost_of_sales_pct", "share_above_quota"):
            np.testing.assert_allclose(r.draws[q], ref[q], rtol=2e-4)


def test_every_quantity_has_ordered_p10_p50_p90_and_the_json_keys(org):
    c = _run(org, ["baseline", "span:14", "cells"])
    for s in c.summaries():
        for q in (
            "bookings",
            "cost_of_sales_pct",
            "coaching_hours_per_am_month",
            "selling_hours_per_am_week",
            "reporting_hours_per_manager_week",
            "share_above_quota",
        ):
            assert s[q]["p10"] <= s[q]["p50"] <= s[q]["p90"]
        assert {
            "scenario",
            "managers",
            "layers",
            "mean_span",
            "headcount",
            "p_beats_baseline",
        } <= set(s)


def test_p_beats_baseline_is_the_share_of_trials_with_lower_cost_of_sales(org):
    c = _run(org, ["baseline", "span:14"])
    b, s = c.results
    assert s.p_beats_baseline == pytest.approx(
        np.mean(s.draws["cost_of_sales_pct"] < b.draws["cost_of_sales_pct"])
    )


def test_tornado_swing_is_the_difference_between_p10_and_p90(org):
    c = _run(org, ["baseline", "span:14", "cells"], tornado=True)
    t = c.tornado
    assert np.allclose(
        t["bookings_swing"], (t["bookings_diff_at_p90"] - t["bookings_diff_at_p10"]).abs()
    )
    span = t[t["scenario"] == "span:14"].set_index("assumption")
    # cell parameters cannot move a scenario without cells
    assert span.loc["cell_lead_share", "bookings_swing"] == 0
    assert span.loc["team_quota_effect", "bookings_swing"] == 0
    cells = t[t["scenario"] == "cells"]
    assert cells.iloc[0]["assumption"] == "team_quota_effect"  # the widest, least known prior


def test_a_scenario_override_changes_only_that_scenario(org):
    base = apply_scenario(org, load_scenario("baseline"))
    best = apply_scenario(
        org,
        parse_scenario(
            {"name": "best", "base": "span", "span": 14, "assumptions": {"coaching_share": 0.28}}
        ),
    )
    plain = apply_scenario(org, load_scenario("span:14"))
    c = simulate(
        [base, plain, best], baseline=base, trials=200, rng=np.random.default_rng(3), tornado=False
    )
    assert c.results[2].quantiles("coaching_hours_per_am_month")["p50"] == pytest.approx(
        0.28 * 40 * WPM / 14
    )
    assert c.results[1].quantiles("coaching_hours_per_am_month")["p50"] < 3


def test_too_few_trials_is_a_config_error(org):
    with pytest.raises(ConfigError, match="trials"):
        _run(org, ["baseline"], trials=5)
