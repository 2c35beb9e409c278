"""The contract every forecaster keeps, whatever its method."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from salesorg.forecast._base import bernoulli_totals
from salesorg.forecast.api import METHODS, make_forecaster

CASES = [(m, by) for m in METHODS for by in ("company", "unit", "owner")]


def _predict(history, method, by, seed=0, as_of="2025-05-14", period="2025Q2"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = make_forecaster(method, trials=3000, seed=seed).fit(history.known_at(as_of))
        return model.predict(period, by=by)


@pytest.mark.parametrize(("method", "by"), CASES)
def test_quantiles_are_ordered_non_negative_and_above_booked(synth_history, method, by):
    df = _predict(synth_history, method, by)
    assert len(df) > 0
    assert (df.p10 <= df.p50).all() and (df.p50 <= df.p90).all()
    assert (df.booked <= df.p10 + 1e-6).all() and (df.booked >= 0).all()
    assert (df.open_pipeline >= 0).all()
    assert set(df.method) == {method}


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_gives_the_same_forecast(synth_history, method):
    a = _predict(synth_history, method, "unit", seed=7)
    b = _predict(synth_history, method, "unit", seed=7)
    assert a.equals(b)


@pytest.mark.parametrize("method", METHODS)
def test_units_roll_up_booked_and_pipeline_to_the_company(synth_history, method):
    df = _predict(synth_history, method, "unit").set_index("unit_id")
    for col in ("booked", "open_pipeline"):
        assert df.loc["C", col] == pytest.approx(df.loc["T1", col] + df.loc["T2", col])


@pytest.mark.parametrize("method", METHODS)
def test_a_period_that_is_over_is_exactly_what_was_booked(synth_history, method):
    df = _predict(synth_history, method, "company", as_of="2025-05-14", period="2025Q1")
    r = df.iloc[0]
    assert r.p10 == r.p50 == r.p90 == r.booked > 0


@settings(max_examples=40, deadline=None)
@given(
    p=st.lists(st.floats(0, 1), min_size=1, max_size=12),
    seed=st.integers(0, 2**31 - 1),
)
def test_bernoulli_totals_stay_between_zero_and_everything_won(p, seed):
    p = np.array(p)
    amount = np.arange(1, len(p) + 1) * 10.0
    member = sp.csr_matrix(np.ones((len(p), 1)))
    t1 = bernoulli_totals(p, amount, member, trials=200, rng=np.random.default_rng(seed))
    t2 = bernoulli_totals(p, amount, member, trials=200, rng=np.random.default_rng(seed))
    assert (t1 >= 0).all() and (t1 <= amount[p > 0].sum() + 1e-9).all()
    assert (t1 == t2).all()
    assert (t1[:, 0] >= amount[p == 1].sum() - 1e-9).all()
