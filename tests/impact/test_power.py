"""The time-to-signal formula against simulation, and noise estimated from a panel."""

from __future__ import annotations

import numpy as np
import pytest

from salesorg.impact.power import (
    Design,
    Noise,
    did_variance,
    mde,
    noise_from_panel,
    periods_to_signal,
)
from salesorg.impact.staggered import group_time
from salesorg.impact.synthetic import synthetic_panel

# synthetic_panel: person level 0.5² + team level 0.3² are stable (share rho), AR(1) noise 1.0²
NOISE = Noise(sigma2=1.0 + 0.25 + 0.09, rho=0.34 / 1.34, phi=0.3)


def _did_draws(reps, *, effect=0.0, start=78, post=8, seed=0):
    out = []
    for s in range(reps):
        sp = synthetic_panel(
            rng=np.random.default_rng(seed + s),
            n_periods=start + post,
            start=start,
            effect=effect,
            team_period_sd=0.0,
            treated_teams=10,
        )
        gt = group_time(sp.panel, np.ones((1, sp.panel.n_units)), pre_periods=26)
        out.append(gt.overall()[0])
    return np.array(out)


def test_the_formula_matches_the_simulated_spread_of_the_estimate():
    design = Design(n_treated=80, n_comparison=240)
    sd = np.std(_did_draws(150))
    # time effects are common to all and cancel; the team level is stable and cancels too
    assert sd == pytest.approx(np.sqrt(did_variance(NOISE, design, pre=26, post=8)), rel=0.15)


def test_an_effect_of_the_mde_size_is_found_about_80_percent_of_the_time():
    design = Design(n_treated=80, n_comparison=240)
    size = mde(NOISE, design, pre=26, post=8)
    sd = np.sqrt(did_variance(NOISE, design, pre=26, post=8))
    est = _did_draws(150, effect=size, seed=1000)
    power = np.mean(np.abs(est / sd) > 1.959964)
    assert power == pytest.approx(0.80, abs=0.09)


def test_equicorrelation_without_autocorrelation_is_mckenzies_formula():
    n = Noise(sigma2=2.0, rho=0.4)
    d = Design(n_treated=10, n_comparison=30)
    m, r = 6, 4
    mckenzie = (
        (1 / 10 + 1 / 30) * 2.0 * ((1 + (m - 1) * 0.4) / m + (1 + (r - 1) * 0.4) / r - 2 * 0.4)
    )
    assert did_variance(n, d, pre=m, post=r) == pytest.approx(mckenzie)


def test_team_correlation_inflates_the_variance_by_the_design_effect():
    d = Design(n_treated=16, n_comparison=48, treated_team_size=8, comparison_team_size=8)
    base = did_variance(Noise(1.0), d, pre=10, post=10)
    assert did_variance(Noise(1.0, team_icc=0.1), d, pre=10, post=10) == pytest.approx(base * 1.7)


def test_more_weeks_bigger_effects_and_more_people_all_shorten_the_wait():
    d = Design(n_treated=8, n_comparison=24)
    w = periods_to_signal(NOISE, d, effect=0.5, pre=26)
    assert w is not None
    assert periods_to_signal(NOISE, d, effect=1.0, pre=26) < w
    assert periods_to_signal(NOISE, Design(32, 96), effect=0.5, pre=26) < w
    assert periods_to_signal(NOISE, d, effect=0.001, pre=26) is None


def test_noise_parameters_are_estimated_from_history():
    sp = synthetic_panel(rng=np.random.default_rng(0), team_period_sd=0.0, n_periods=104)
    est = noise_from_panel(sp.panel, end=78, window=78)
    assert est.sigma2 == pytest.approx(NOISE.sigma2, rel=0.15)
    assert est.rho == pytest.approx(NOISE.rho, abs=0.08)
    assert est.phi == pytest.approx(0.3, abs=0.06)
    assert est.fill == 1.0 and est.team_icc < 0.1
