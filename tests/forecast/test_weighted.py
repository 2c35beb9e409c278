"""Weighted pipeline on the tiny company, where every figure is computed by hand.

As of 2026-02-20, 2026Q1: O1 (A1, T1) was won on 2026-02-10 for 120 → booked 120. Open and
closing in Q1: O2 (A1, T1) Qualify 50 @10 %, O3 (A2, T1) Qualify 200 @10 %, O4 (A3, T2)
Propose 80 @50 %. Weighted = 120 + 5 + 20 + 40 = 185; T1 = 145; T2 = 40; pipeline 330.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from salesorg.forecast._warnings import MissingStageProbabilityWarning, ThinHistoryWarning
from salesorg.forecast.history import load_history
from salesorg.forecast.weighted import WeightedForecaster


def _fc(store, by="company", learned=False, as_of="2026-02-20", period="2026Q1", **kw):
    model = WeightedForecaster(learned=learned, trials=20_000, **kw)
    return model.fit(load_history(store).known_at(as_of)).predict(period, by=by)


def test_weighted_mean_booked_and_pipeline_match_the_hand_computation(tiny):
    r = _fc(tiny).iloc[0]
    assert (r["mean"], r.booked, r.open_pipeline) == (185.0, 120.0, 330.0)


def test_weighted_by_unit_rolls_teams_up_to_the_company(tiny):
    df = _fc(tiny, by="unit").set_index("unit_id")
    assert df.loc["T1", "mean"] == 145.0 and df.loc["T2", "mean"] == 40.0
    assert df.loc["C", "mean"] == 185.0


def test_weighted_by_owner_uses_the_owner_as_of_then(tiny):
    df = _fc(tiny, by="owner").set_index("owner_id")
    assert df["mean"].to_dict() == {"A1": 125.0, "A2": 20.0, "A3": 40.0}


def test_weighted_quantiles_match_the_exact_distribution_of_three_bernoullis(tiny):
    # enumerate the 8 outcomes of O2 (50, .1), O3 (200, .1), O4 (80, .5)
    deals = [(50, 0.1), (200, 0.1), (80, 0.5)]
    dist: dict[float, float] = {}
    for wins in itertools.product([0, 1], repeat=3):
        amt = sum(a for (a, _), w in zip(deals, wins, strict=False) if w)
        pr = np.prod([p if w else 1 - p for (_, p), w in zip(deals, wins, strict=False)])
        dist[amt] = dist.get(amt, 0) + pr
    cdf = np.cumsum([dist[k] for k in sorted(dist)])
    keys = sorted(dist)
    exact_p10 = keys[int(np.searchsorted(cdf, 0.1))]
    exact_p50 = keys[int(np.searchsorted(cdf, 0.5))]
    r = _fc(tiny).iloc[0]
    assert r.p10 == 120 + exact_p10 == 120
    assert r.p50 == 120 + exact_p50 == 200
    assert 120 + 130 <= r.p90 <= 120 + 200  # cdf(130) is exactly 0.9


def test_deals_closing_outside_the_period_do_not_count(tiny):
    # as of 2026-03-31 O3 closes 2026-05-15 (Q2), O5 2026-06-30: nothing open closes in Q1
    r = _fc(tiny, as_of="2026-03-31").iloc[0]
    assert r.open_pipeline == 0 and r.p10 == r.p50 == r.p90 == r.booked == 210.0


def test_learned_probabilities_shrink_the_observed_win_share_towards_the_default(tiny):
    h = load_history(tiny)
    with pytest.warns(ThinHistoryWarning):
        m = WeightedForecaster(learned=True).fit(h.known_at("2026-03-31"))
        m.predict("2026Q2")
    q, p = h.stage_names.index("Qualify"), h.stage_names.index("Propose")
    # Qualify: O1 won, O2 lost → (1 + 10·0.1) / (2 + 10); Propose: O1, O4 won → (2 + 10·0.5) / 12
    assert m.stage_probability_[q] == pytest.approx(2 / 12)
    assert m.stage_probability_[p] == pytest.approx(7 / 12)


def test_a_stage_missing_from_the_stage_list_warns_and_counts_zero(tiny):
    import datetime as dt
    from decimal import Decimal

    import pandas as pd

    tiny.insert_frame(
        "opportunities",
        pd.DataFrame(
            [
                {
                    "opportunity_id": "O6",
                    "owner_id": "A2",
                    "created_on": dt.date(2026, 2, 1),
                    "currency": "EUR",
                    "pipeline": "default",
                }
            ]
        ),
    )
    tiny.insert_frame(
        "opportunity_history",
        pd.DataFrame(
            [
                {
                    "opportunity_id": "O6",
                    "changed_at": dt.datetime(2026, 2, 1, 9),
                    "stage": "Discovery",
                    "amount": Decimal("70"),
                    "close_date": dt.date(2026, 3, 15),
                    "owner_id": "A2",
                }
            ]
        ),
    )
    view = load_history(tiny).known_at("2026-02-20")
    with pytest.warns(MissingStageProbabilityWarning, match="Discovery"):
        r = WeightedForecaster().fit(view).predict("2026Q1").iloc[0]
    assert r["mean"] == 185.0 and r.open_pipeline == 330.0 + 70.0
