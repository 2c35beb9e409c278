"""Recovery tests on seeded synthetic panels, and the 2×2 DiD against statsmodels TWFE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from salesorg.impact.bootstrap import cluster_weights
from salesorg.impact.did import did_2x2
from salesorg.impact.estimate import estimate_effect
from salesorg.impact.placebo import placebo_test
from salesorg.impact.staggered import group_time
from salesorg.impact.synthetic import synthetic_panel

REPS = 40


def _run(seed, **kw):
    sp = synthetic_panel(rng=np.random.default_rng(seed), **kw)
    est = estimate_effect(sp.panel, rng=np.random.default_rng(10_000 + seed), replicates=149)
    return sp, est


def test_the_2x2_did_equals_ols_with_unit_and_period_fixed_effects():
    sp = synthetic_panel(
        rng=np.random.default_rng(3),
        n_teams=8,
        team_size=5,
        n_periods=20,
        treated_teams=3,
        start=12,
        effect=0.7,
    )
    p = sp.panel
    n, t = p.num.shape
    df = pd.DataFrame(
        {
            "y": p.num.ravel(),
            "unit": np.repeat(np.arange(n), t),
            "period": np.tile(np.arange(t), n),
            "d": ((p.cohort[:, None] >= 0) & (np.arange(t)[None, :] >= p.cohort[:, None]))
            .ravel()
            .astype(float),
        }
    )
    ols = smf.ols("y ~ d + C(unit) + C(period)", data=df).fit()
    two = did_2x2(p)
    gt = group_time(p, np.ones((1, n)), pre_periods=t)
    assert two.estimate == pytest.approx(ols.params["d"], abs=1e-9)
    assert gt.overall()[0] == pytest.approx(ols.params["d"], abs=1e-9)
    # on a balanced panel the level means give the same difference
    assert (two.treated_post - two.treated_pre) - (
        two.comparison_post - two.comparison_pre
    ) == pytest.approx(two.estimate)


def test_a_planted_effect_is_recovered_inside_the_90_percent_interval():
    hits, errors, ses = 0, [], []
    for seed in range(REPS):
        sp, est = _run(seed, effect=0.3)
        hits += est.ci90[0] <= sp.truth <= est.ci90[1]
        errors.append(est.estimate - sp.truth)
        ses.append(est.se)
    assert hits / REPS >= 0.85
    # bias small: well inside the simulation error of the mean and under a fifth of the effect
    assert abs(np.mean(errors)) < max(3 * np.std(errors) / np.sqrt(REPS), 0.06)
    assert np.mean(ses) == pytest.approx(np.std(errors), rel=0.35)


def test_without_an_effect_false_positives_stay_near_the_nominal_level():
    rejections = sum(_run(100 + seed, effect=0.0)[1].p_value < 0.05 for seed in range(30))
    assert rejections / 30 <= 0.15


def test_a_win_rate_effect_on_sparse_weekly_deals_is_recovered():
    hits = 0
    for seed in range(15):
        sp, est = _run(
            200 + seed,
            kind="binary",
            base=0.3,
            sigma=0.05,
            person_sd=0.05,
            team_sd=0.02,
            team_period_sd=0.01,
            effect=0.08,
            deals=1.2,
            treated_teams=16,
        )
        hits += est.ci90[0] <= sp.truth <= est.ci90[1]
    assert hits / 15 >= 0.8


def test_a_planted_pre_trend_is_detected():
    found = sum(
        _run(300 + seed, effect=0.3, trend=0.02)[1].pre_trend_p_value < 0.05 for seed in range(12)
    )
    assert found >= 10


def test_parallel_trends_rarely_fail_the_pre_trend_test():
    flagged = sum(_run(400 + seed, effect=0.3)[1].pre_trend_p_value < 0.05 for seed in range(20))
    assert flagged / 20 <= 0.2


def test_staggered_waves_with_growing_effects_are_recovered():
    sp = synthetic_panel(
        rng=np.random.default_rng(5),
        waves=3,
        wave_gap=10,
        start=50,
        n_periods=90,
        effect=0.2,
        growth=0.03,
        treated_teams=12,
    )
    est = estimate_effect(sp.panel, rng=np.random.default_rng(6), replicates=149)
    assert est.ci90[0] <= sp.truth <= est.ci90[1]
    assert sorted(set(sp.panel.cohort[sp.panel.treated])) == [50, 60, 70]


def test_the_event_study_shows_the_effect_after_the_start_and_none_before():
    _, est = _run(7, effect=0.5, treated_teams=14)
    es = est.event_study.set_index("e")
    assert es.loc[-26:-1, "estimate"].abs().mean() < 0.15
    assert es.loc[0:, "estimate"].mean() == pytest.approx(0.5, abs=0.1)


def test_a_fake_earlier_start_finds_no_effect_when_trends_are_parallel():
    sp = synthetic_panel(rng=np.random.default_rng(11), effect=0.5)
    tab = placebo_test(sp.panel, shifts=[13], rng=np.random.default_rng(12), replicates=199)
    assert tab.p_value.iloc[0] > 0.05
    assert abs(tab.estimate.iloc[0]) < 0.15


def test_a_fake_earlier_start_shows_an_effect_when_groups_drift_apart():
    sp = synthetic_panel(rng=np.random.default_rng(13), effect=0.0, trend=0.03)
    tab = placebo_test(sp.panel, shifts=[13], rng=np.random.default_rng(14), replicates=199)
    assert tab.p_value.iloc[0] < 0.05


def test_the_detectable_date_comes_later_for_smaller_effects():
    big = _run(21, effect=0.6)[1].detectable_since
    small = _run(21, effect=0.15)[1].detectable_since
    assert big is not None and (small is None or small > big)


def test_bootstrap_weights_resample_teams_within_each_group():
    sp = synthetic_panel(rng=np.random.default_rng(1), n_teams=20, treated_teams=8)
    w, warn = cluster_weights(sp.panel, replicates=50, rng=np.random.default_rng(2))
    p = sp.panel
    assert warn == [] and np.all(w[0] == 1)
    # each replicate draws as many teams as each group has, and teammates share a weight
    assert np.allclose(w[1:, p.treated].sum(1), p.treated.sum())
    for c in np.unique(p.cluster):
        assert np.all(w[1:, p.cluster == c] == w[1:, p.cluster == c][:, :1])


def test_one_treated_team_falls_back_to_people_and_says_so():
    sp = synthetic_panel(rng=np.random.default_rng(1), n_teams=20, treated_teams=1)
    _, warn = cluster_weights(sp.panel, replicates=5, rng=np.random.default_rng(2))
    assert warn == ["few_treated_clusters"]
