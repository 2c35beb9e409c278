"""The review-pack roll-up: best backtested method, range, gap to quota, risky deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from salesorg.forecast.pack import CANDIDATES, forecast_rollup_for_pack


def test_pack_rollup_picks_a_backtested_method_and_explains_the_risk(synth):
    synth.insert_frame(
        "quotas",
        pd.DataFrame(
            [
                {
                    "holder_id": "T1",
                    "period_start": dt.date(2025, 4, 1),
                    "period_end": dt.date(2025, 6, 30),
                    "amount": Decimal("1500000"),
                    "currency": "EUR",
                    "kind": "team",
                }
            ]
        ),
    )
    r = forecast_rollup_for_pack(synth, as_of="2025-05-14", unit_id="T1", trials=2000)
    assert r.method in CANDIDATES and {s["method"] for s in r.method_scores} == set(CANDIDATES)
    assert r.p10 <= r.p50 <= r.p90 and r.booked <= r.p10
    assert r.width_factor >= 1.0
    assert r.quota == 1_500_000 and r.gap_to_quota == pytest.approx(1_500_000 - r.p50, abs=0.01)
    assert 0 < r.risky_deals.variance_share.sum() <= 1
    assert r.risky_deals.variance_share.is_monotonic_decreasing
    # cached: the second call reads the choice from settings
    t = synth.table("settings")
    assert t.filter(t.key == "forecast.best_method").count().execute() == 1
    again = forecast_rollup_for_pack(synth, as_of="2025-05-14", unit_id="T1", trials=2000)
    assert again.method == r.method
    assert any(type(b).__name__ == "TableBlock" for b in r.as_blocks())
    assert r.method_chosen_as_of == dt.date(2025, 5, 14)
    # a week later the same choice is reused (no second backtest), and the pack says so
    week = forecast_rollup_for_pack(synth, as_of="2025-05-21", unit_id="T1", trials=2000)
    assert (week.method, week.method_scores) == (r.method, r.method_scores)
    assert week.method_chosen_as_of == dt.date(2025, 5, 14)
    text = week.as_blocks()[0].text
    assert f"method {r.method} (chosen by the backtest as of 2025-05-14)" in text


def test_pack_rollup_shows_the_managers_call(synth):
    from salesorg.forecast.overrides import add_override

    add_override(
        synth,
        unit_id="T2",
        period="2025Q2",
        amount=900_000,
        comment="x",
        author="m",
        created_at=dt.datetime(2025, 5, 1),
    )
    r = forecast_rollup_for_pack(synth, as_of="2025-05-14", method="weighted", trials=500)
    assert r.unit_id == "C" and r.call_source == "rollup" and r.call is not None


def test_width_factor_is_the_80th_percentile_of_standardised_misses():
    from salesorg.forecast.pack import width_factor

    # ten forecasts with half-width 10 around p50 = 100; misses 0, 2, ..., 18 → z = 0, .2, ..., 1.8
    pts = pd.DataFrame(
        {
            "p10": [90.0] * 10,
            "p50": [100.0] * 10,
            "p90": [110.0] * 10,
            "actual": [100.0 + 2 * i for i in range(10)],
        }
    )
    assert width_factor(pts) == pytest.approx(np.quantile(np.arange(10) * 0.2, 0.8))
    assert width_factor(pts.assign(actual=100.0)) == 1.0  # never narrows
    assert width_factor(pts.head(5)) == 1.0  # too few points to tell


def test_a_units_rollup_is_its_row_of_the_company_forecast_and_its_own_deals(synth_path):
    """Checked against a forecaster run directly on the history (no pack, no cache)."""
    from salesorg.forecast.api import make_forecaster
    from salesorg.forecast.history import load_history
    from salesorg.store import Store

    with Store.open(synth_path, read_only=True) as s:
        r = forecast_rollup_for_pack(s, as_of="2025-05-14", unit_id="T1", method="markov")
        view = load_history(s).known_at("2025-05-14")
    model = make_forecaster("markov", trials=10_000, seed=0).fit(view)
    row = model.predict("2025Q2", by="unit").set_index("unit_id").loc["T1"]
    assert (r.p10, r.p50, r.p90, r.booked) == (row.p10, row.p50, row.p90, row.booked)
    t1 = {p for p, u in view.unit_of_people().items() if u == "T1"}
    assert set(r.risky_deals.owner_id) <= t1
    h = view.full
    p = model.last_p_
    a = model.last_deals_["amount_rc"]
    mine = np.isin([h.person_ids[o] for o in model.last_deals_["owner"]], list(t1))
    var = (a * a * p * (1 - p))[mine]
    top = h.opp_ids[model.last_deals_["opp"][mine][np.argsort(-var)[:10]]]
    assert list(r.risky_deals.opportunity_id) == list(top)


def test_the_company_forecast_is_computed_once_per_data_day_even_read_only(
    synth_path, tmp_path, monkeypatch
):
    from salesorg.forecast.pack import company_forecast
    from salesorg.store import Store

    monkeypatch.setenv("SALESORG_CACHE_DIR", str(tmp_path / "cache"))
    day = dt.date(2025, 5, 14)
    with Store.open(synth_path, read_only=True) as s:
        first = company_forecast(s, as_of=day, method="weighted", trials=500)
        again = company_forecast(s, as_of=day, method="weighted", trials=500)
        team = forecast_rollup_for_pack(s, as_of=day, unit_id="T2", method="weighted", trials=500)
    assert not first.cached and again.cached
    pd.testing.assert_frame_equal(again.by_unit, first.by_unit)
    pd.testing.assert_frame_equal(again.deals, first.deals)
    assert again.unit_of_people == first.unit_of_people and again.rates == first.rates
    t2 = first.by_unit.set_index("unit_id").loc["T2"]
    assert (team.p50, team.booked) == (t2.p50, t2.booked)
