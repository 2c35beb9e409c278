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
