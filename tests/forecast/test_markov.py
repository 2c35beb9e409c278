"""Stage-Markov: recovers a known process, propagates it exactly, and beats CRM defaults."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest
from forecast_synth import HAZARDS, OPEN, generate, load

from salesorg.forecast._period import parse_period
from salesorg.forecast.backtest import backtest
from salesorg.forecast.history import load_history
from salesorg.forecast.markov import MarkovForecaster
from salesorg.store import Store


@pytest.fixture(scope="module")
def long_history(tmp_path_factory):
    """Seven years of a company following the known process (10 new deals a week)."""
    tables = generate(start=dt.date(2023, 1, 2), weeks=364, deals_per_week=10, seed=2)
    with Store.open(tmp_path_factory.mktemp("long") / "s.duckdb") as s:
        load(s, tables)
        return load_history(s)


def _fit(history, as_of):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return MarkovForecaster().fit(history.known_at(as_of))


def test_learned_hazards_recover_the_true_weekly_process(synth_history):
    m = _fit(synth_history, "2025-09-30")
    h = synth_history
    # small deals (band 0, < 60k, moving at full speed), pooled over ages
    for stage, (up, lose) in HAZARDS.items():
        s = m.stage_index_[h.stage_names.index(stage)]
        exits = m.exits_[s, 0].sum(axis=0)
        risk = m.at_risk_[s, 0].sum()
        nxt = OPEN[OPEN.index(stage) + 1] if stage != OPEN[-1] else None
        d_up = m.stage_index_[h.stage_names.index(nxt)] if nxt else len(OPEN)
        assert exits[d_up] / risk == pytest.approx(up, rel=0.15)
        assert exits[len(OPEN) + 1] / risk == pytest.approx(lose, rel=0.2)


def test_win_probabilities_match_simulated_paths_of_the_fitted_chain(synth_history):
    """Exact propagation vs a plain path simulation of the same fitted (calendar) chain."""
    m = _fit(synth_history, "2025-09-30")
    rng = np.random.default_rng(3)
    weeks = 9
    cums = [np.cumsum(m.step_matrix(1, k), axis=1) for k in range(1, weeks + 1)]
    n_states = cums[0].shape[0]
    won = n_states - 2
    cdf = m.won_by_week(weeks)[1]
    starts = [0, 3, m.age_buckets * 1 + 2, m.age_buckets * 2]
    for s0 in starts:
        state = np.full(20_000, s0)
        for cum in cums:
            u = rng.random(len(state))
            state = np.minimum((u[:, None] > cum[state]).sum(axis=1), n_states - 1)
        assert (state == won).mean() == pytest.approx(cdf[s0, weeks], abs=0.012)


def test_the_calendar_multiplier_finds_an_end_of_quarter_push():
    import datetime as dt

    from salesorg.forecast.history import day_number
    from salesorg.forecast.markov import _calendar_multiplier

    rng = np.random.default_rng(0)
    start = day_number(dt.date(2022, 1, 1))
    days = start + rng.integers(0, 4 * 365, 4000)
    # plant a push: 1,000 extra wins in the last full week of each quarter
    q_ends = [
        day_number(dt.date(y, m, 1)) - 5 for y in (2022, 2023, 2024, 2025) for m in (4, 7, 10)
    ]
    q_ends += [day_number(dt.date(y + 1, 1, 1)) - 5 for y in (2022, 2023, 2024)]
    push = np.repeat(np.array(q_ends), 1000 // len(q_ends))
    m = _calendar_multiplier(np.concatenate([days, push]), prior=10.0)
    assert m[12] > 2.5 and np.all(np.abs(m[:11] - 1) < 0.35)


def test_markov_is_calibrated_and_beats_crm_default_weighting_on_the_known_process(long_history):
    """Recovery test: P10–P90 covers 70–90 % of backtest points; WAPE beats `weighted`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        scores, _points = backtest(
            long_history,
            start="2025-01-01",
            end="2029-06-30",
            every="month",
            methods=["markov", "weighted"],
            trials=2000,
        )
    s = {r["method"]: r for r in scores}
    assert s["markov"]["points"] >= 50
    assert 0.70 <= s["markov"]["coverage_p10_p90"] <= 0.90
    assert s["markov"]["wape"] < s["weighted"]["wape"]
    assert abs(s["markov"]["bias"]) < 0.1


def test_new_deals_add_to_a_period_that_has_not_started(synth_history):
    m = _fit(synth_history, "2025-05-14")
    mean, sd, _ = m.new_deal_model(parse_period("2025Q3"))
    assert mean > 0 and sd > 0
    without = MarkovForecaster(new_deals=False).fit(m.history_).predict("2025Q3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with_new = m.predict("2025Q3")
    assert with_new["mean"].iloc[0] == pytest.approx(without["mean"].iloc[0] + mean, rel=0.02)


def test_counting_spells_in_small_chunks_learns_the_same_model(synth_history, monkeypatch):
    import salesorg.forecast.markov as markov

    view = synth_history.known_at("2025-06-30")
    whole = MarkovForecaster(trials=200).fit(view)
    monkeypatch.setattr(markov, "CHUNK_SPELLS", 97)
    chunked = MarkovForecaster(trials=200).fit(synth_history.known_at("2025-06-30"))
    assert len(view.known_spells()["start"]) > 10 * 97  # really many chunks
    np.testing.assert_array_equal(chunked.band_edges_, whole.band_edges_)
    np.testing.assert_array_equal(chunked.exits_, whole.exits_)
    np.testing.assert_allclose(chunked.at_risk_, whole.at_risk_, rtol=1e-12)
    np.testing.assert_allclose(chunked.hazard_, whole.hazard_, rtol=1e-12)
    np.testing.assert_allclose(chunked.calendar_multiplier_, whole.calendar_multiplier_)


def test_spell_chunks_add_up_to_the_known_spells(synth_history):
    view = synth_history.known_at("2024-03-31")
    whole = view.known_spells()
    chunks = list(view.known_spell_chunks(1000))
    assert len(chunks) > 1
    for name, values in whole.items():
        np.testing.assert_array_equal(np.concatenate([c[name] for c in chunks]), values)
