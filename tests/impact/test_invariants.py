"""Invariants of the estimator (Hypothesis), and a long coverage run marked slow."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesorg.impact.estimate import estimate_effect
from salesorg.impact.staggered import group_time
from salesorg.impact.synthetic import synthetic_panel


def _overall(panel):
    return group_time(panel, np.ones((1, panel.n_units)), pre_periods=8).overall()[0]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-5, 5), scale=st.floats(0.1, 10))
def test_person_levels_and_common_shocks_do_not_move_the_estimate(seed, shift, scale):
    sp = synthetic_panel(
        rng=np.random.default_rng(seed),
        n_teams=6,
        team_size=3,
        n_periods=20,
        treated_teams=2,
        start=12,
        effect=0.4,
        waves=2,
        wave_gap=3,
    )
    p = sp.panel
    rng = np.random.default_rng(seed + 1)
    person = rng.normal(0, 3, p.n_units)[:, None]
    period = rng.normal(0, 3, p.n_periods)[None, :]
    moved = replace(p, num=p.num + person + period + shift)
    assert _overall(moved) == pytest.approx(_overall(p), abs=1e-9)
    scaled = replace(p, num=p.num * scale)
    assert _overall(scaled) == pytest.approx(_overall(p) * scale, rel=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_swapping_the_order_of_people_changes_nothing(seed):
    sp = synthetic_panel(
        rng=np.random.default_rng(seed),
        n_teams=6,
        team_size=3,
        n_periods=20,
        treated_teams=2,
        start=12,
        effect=0.4,
    )
    p = sp.panel
    order = np.random.default_rng(seed).permutation(p.n_units)
    shuffled = replace(
        p,
        units=p.units[order],
        num=p.num[order],
        den=p.den[order],
        cohort=p.cohort[order],
        cluster=p.cluster[order],
    )
    assert _overall(shuffled) == pytest.approx(_overall(p), abs=1e-12)


@pytest.mark.slow
def test_coverage_and_false_positive_rate_over_200_repetitions():
    hits = rejections = 0
    for seed in range(200):
        sp = synthetic_panel(rng=np.random.default_rng(50_000 + seed), effect=0.3)
        est = estimate_effect(sp.panel, rng=np.random.default_rng(60_000 + seed), replicates=199)
        hits += est.ci90[0] <= sp.truth <= est.ci90[1]
        null = synthetic_panel(rng=np.random.default_rng(70_000 + seed), effect=0.0)
        rejections += (
            estimate_effect(
                null.panel, rng=np.random.default_rng(80_000 + seed), replicates=199
            ).p_value
            < 0.05
        )
    assert 0.85 <= hits / 200 <= 0.96
    assert rejections / 200 <= 0.09
