"""Calibration recovers a planted span effect, and says when the data cannot tell."""

from __future__ import annotations

import numpy as np
import pytest

from salesorg.orgdesign import DEFAULTS
from salesorg.orgdesign.calibrate import (
    calibrate,
    calibrated_assumptions,
    implied_span_elasticity,
)
from salesorg.orgdesign.synth import load_frames, synthetic_company
from salesorg.store import Store


def _company(span_effect: float, seed: int, *, spans=None):
    rng = np.random.default_rng(seed)
    spans = spans if spans is not None else list(rng.integers(4, 17, size=40))
    frames = synthetic_company(spans=spans, rng=rng, quarters=8, span_effect=span_effect)
    store = Store.open(":memory:")
    load_frames(store, frames)
    store.n_sellers = sum(spans)
    return store


@pytest.mark.parametrize(("planted", "seed"), [(-0.25, 3), (0.0, 4), (0.15, 5)])
def test_a_planted_span_effect_is_recovered_within_the_reported_interval(planted, seed):
    with _company(planted, seed) as store:
        cal = calibrate(store, "2026-06-30")
        n_sellers = store.n_sellers
    assert cal.can_tell
    assert cal.ci_low <= planted <= cal.ci_high
    assert cal.n_teams == 40 and cal.n_obs == 8 * n_sellers


def test_uniform_spans_cannot_tell_and_the_defaults_stay(company):
    cal = calibrate(company, "2026-06-30")
    assert not cal.can_tell and cal.beta is None
    assert "cannot be estimated" in cal.message
    assert calibrated_assumptions(cal) is DEFAULTS


def test_calibrated_assumptions_swap_the_curve_for_the_estimated_elasticity():
    with _company(-0.25, 3) as store:
        cal = calibrate(store, "2026-06-30")
    a = calibrated_assumptions(cal)
    assert a["coaching_max_lift"].value == 0
    assert a["coaching_elasticity"].value == pytest.approx(-cal.beta)
    assert a["coaching_elasticity"].low == pytest.approx(-cal.ci_high)
    assert "calibrated" in a["coaching_elasticity"].source


def test_the_default_coaching_curve_implies_a_small_negative_span_elasticity():
    b = implied_span_elasticity()
    # by hand: c(8) = 3.467, c(14) = 1.981 h/month; f = 1 + 0.1 c / (c + 1.5)
    f8, f14 = 1 + 0.1 * 3.4667 / 4.9667, 1 + 0.1 * 1.9810 / 3.4810
    assert b == pytest.approx(np.log(f14 / f8) / np.log(14 / 8), abs=1e-4)
    assert -0.05 < b < 0
