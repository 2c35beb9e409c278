"""The reporting-time meter and hour budgets, checked against hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesorg.errors import ConfigError
from salesorg.orgdesign import DEFAULTS, coaching_per_am_month, reporting_hours, time_budget

WPM = 52 / 12
PER_REP = 0.26 * 40 * WPM / 8.5  # 5.3020 h per rep per month (Rapp 26 % at span 8.5)


def test_hand_reporting_per_rep_is_calibrated_to_rapp_at_the_benchmark_span():
    r = reporting_hours(8.5, automated=False)
    assert r.share_of_week == pytest.approx(0.26)
    assert r.per_month == pytest.approx(PER_REP * 8.5)


def test_hand_reporting_at_1_to_8_and_1_to_14_by_hand():
    assert reporting_hours(8, automated=False).per_month == pytest.approx(PER_REP * 8)  # 42.42
    assert reporting_hours(14, automated=False).per_month == pytest.approx(PER_REP * 14)  # 74.23
    assert pytest.approx(42.4157, abs=1e-3) == PER_REP * 8


def test_hand_reporting_rises_by_14_over_8_from_1_to_8_to_1_to_14():
    ratio = (
        reporting_hours(14, automated=False).per_month
        / reporting_hours(8, automated=False).per_month
    )
    assert ratio == pytest.approx(14 / 8)
    assert 1.7 <= ratio <= 2.05  # "roughly doubles"


def test_the_seed_texts_literal_doubling_is_the_exponent_ln2_over_ln_1_75():
    g = math.log(2) / math.log(14 / 8)
    a = DEFAULTS.override({"reporting_span_exponent": g})
    ratio = (
        reporting_hours(14, automated=False, assumptions=a).per_month
        / reporting_hours(8, automated=False, assumptions=a).per_month
    )
    assert ratio == pytest.approx(2.0)
    assert DEFAULTS["reporting_span_exponent"].high == pytest.approx(g, abs=0.01)


def test_pipeline_review_is_53_minutes_twice_a_month_per_rep():
    r = reporting_hours(8, automated=False)
    assert r.pipeline_review == pytest.approx(53 / 60 * 2 * 8)
    assert r.forecasting == pytest.approx((PER_REP - 53 / 60 * 2) * 8)
    assert r.fixed == 0


def test_automated_reporting_is_the_pack_hour_plus_a_quarter_of_the_hand_load():
    r = reporting_hours(8, automated=True)
    assert r.per_month == pytest.approx(WPM + 0.25 * PER_REP * 8)  # 14.94
    assert r.per_week == pytest.approx(r.per_month / WPM)


def test_reporting_hours_accepts_arrays_of_spans_and_parameters():
    spans = np.array([4.0, 8.0, 14.0])
    r = reporting_hours(spans, automated=False)
    assert np.allclose(r.per_month, PER_REP * spans)
    p = {"information_share": np.array([0.2, 0.26, 0.3])}
    r2 = reporting_hours(8, automated=False, assumptions=p)
    assert np.allclose(r2.per_month, np.array([0.2, 0.26, 0.3]) * 40 * WPM / 8.5 * 8)


def test_negative_span_is_a_config_error():
    with pytest.raises(ConfigError):
        reporting_hours(-1, automated=False)


def test_coaching_per_am_falls_by_the_span_ratio_when_coaching_time_is_fixed():
    c8, c14 = coaching_per_am_month(8), coaching_per_am_month(14)
    assert c8 == pytest.approx(0.16 * 40 * WPM / 8)  # 3.47 h/month
    assert c14 / c8 == pytest.approx(8 / 14)


def test_manager_week_adds_up_and_coaching_is_squeezed_when_reporting_fills_it():
    b = time_budget("manager", span=8)
    assert b.total == pytest.approx(40)
    assert b.coaching_given == pytest.approx(6.4)
    huge = time_budget("manager", span=40)  # hand reporting 212 h/month = 49 h/week
    assert huge.coaching_given == 0
    assert huge.admin == pytest.approx(6.0)


def test_automation_frees_manager_hours_half_of_which_go_to_coaching():
    hand = reporting_hours(8, automated=False).per_week
    auto = reporting_hours(8, automated=True).per_week
    b = time_budget("manager", span=8, automated=True)
    assert b.coaching_given == pytest.approx(6.4 + 0.5 * (hand - auto))


def test_am_week_with_defaults_by_hand():
    b = time_budget("am", coaching_received_month=3.0)
    assert b.selling == pytest.approx(16.4)
    assert b.coaching_received == pytest.approx(3.0 / WPM)
    assert b.pipeline_review == pytest.approx(53 / 60 * 2 / WPM)
    assert b.total == pytest.approx(40)
    a = time_budget("am", coaching_received_month=3.0, automated=True)
    freed = 0.75 * (53 / 60 * 2 / WPM + 1.5)
    assert a.selling == pytest.approx(16.4 + 0.5 * freed)


def test_cell_lead_sells_own_deals_and_coaches():
    b = time_budget("cell_lead", span=4)
    assert b.own_deals == pytest.approx(0.41 * 40 * 0.75)
    assert b.coaching_given == pytest.approx(40 * 0.25 * 0.5)
    assert b.total == pytest.approx(40)


def test_unknown_family_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown role family"):
        time_budget("wizard")


def test_overriding_an_unknown_assumption_names_the_known_ones():
    with pytest.raises(ConfigError, match="coaching_share"):
        DEFAULTS.override({"coachin_share": 0.2})


@given(st.floats(1, 30), st.floats(1, 30))
def test_hand_reporting_is_monotone_in_span(a, b):
    ra = reporting_hours(a, automated=False).per_month
    rb = reporting_hours(b, automated=False).per_month
    assert (ra <= rb + 1e-9) if a <= b else (ra >= rb - 1e-9)


@given(st.floats(0, 40), st.booleans())
def test_manager_week_adds_up_to_the_working_week_or_overflows_by_the_reporting(span, automated):
    b = time_budget("manager", span=span, automated=automated)
    must = b.admin + b.pipeline_review + b.forecasting
    assert b.total == pytest.approx(max(40.0, must))


def test_assumption_samples_hit_their_p10_p50_p90():
    rng = np.random.default_rng(1)
    for name in ("coaching_share", "selling_elasticity", "coaching_half_hours"):
        a = DEFAULTS[name]
        x = a.sample(rng, 200_000)
        q = np.quantile(x, [0.1, 0.5, 0.9])
        assert q == pytest.approx([a.low, a.value, a.high], abs=0.01 * (a.high - a.low) + 1e-3)
