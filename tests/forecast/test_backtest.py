"""Backtest: as-of dates, metrics on hand-made points, and an end-to-end run."""

from __future__ import annotations

import datetime as dt
import warnings

import pandas as pd
import pytest

from salesorg.errors import ConfigError, DataError
from salesorg.forecast.backtest import as_of_dates, backtest, score, wape_chart


def test_weekly_dates_step_seven_days_inclusive():
    d = as_of_dates("2026-01-01", "2026-01-15", "week")
    assert d == [dt.date(2026, 1, 1), dt.date(2026, 1, 8), dt.date(2026, 1, 15)]


def test_monthly_dates_keep_the_day_or_the_month_end():
    d = as_of_dates("2026-01-31", "2026-04-30", "month")
    assert d == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]


def test_bad_ranges_and_steps_are_config_errors():
    with pytest.raises(ConfigError, match="swap"):
        as_of_dates("2026-02-01", "2026-01-01")
    with pytest.raises(ConfigError, match="week or month"):
        as_of_dates("2026-01-01", "2026-02-01", "day")


def test_scores_match_hand_computed_metrics():
    pts = pd.DataFrame(
        {
            "method": ["m", "m", "m"],
            "as_of": [dt.date(2026, 1, 1), dt.date(2026, 1, 8), dt.date(2026, 1, 8)],
            "period": ["2026Q1", "2026Q1", "2026Q2"],
            "week": [1, 2, -11],
            "p10": [80.0, 90.0, 50.0],
            "p50": [100.0, 110.0, 60.0],
            "p90": [120.0, 130.0, 70.0],
            "booked": [0.0, 0.0, 0.0],
            "actual": [110.0, 110.0, 80.0],
        }
    )
    (s,) = score(pts)
    assert s["points"] == 2 and s["forecasts"] == 3
    assert s["wape"] == pytest.approx((10 + 0 + 20) / 300)
    assert s["bias"] == pytest.approx((-10 + 0 - 20) / 300)
    assert s["coverage_p10_p90"] == pytest.approx(2 / 3)
    # pinball: point 1 (a=110): .1·30 + .5·10 + .1·10 = 9; point 2: .1·20 + 0 + .1·20 = 4;
    # point 3 (a=80): .1·30 + .5·20 + .9·10 = 22 → mean over 9 terms = 35 / 9
    assert s["pinball"] == pytest.approx(35 / 9)
    weeks = {w["week"]: w["wape"] for w in s["by_week_of_quarter"]}
    assert weeks == {-11: pytest.approx(0.25), 1: pytest.approx(10 / 110), 2: 0.0}


def test_backtest_runs_every_method_and_skips_quarters_not_yet_ended(synth_history):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        scores, pts = backtest(
            synth_history, start="2025-04-01", end="2025-06-30", every="month", trials=500
        )
    assert [s["method"] for s in scores] == [
        "weighted",
        "weighted-learned",
        "markov",
        "run-rate",
        "judgment",
    ]
    assert set(pts.period) == {"2025Q2", "2025Q3"}
    assert (pts.actual > 0).all()
    assert wape_chart(scores).to_dict()["mark"]["type"] == "line"


def test_backtest_without_ended_quarters_says_what_to_do(synth_history):
    with pytest.raises(DataError, match="earlier dates"):
        backtest(synth_history, start="2026-10-20", end="2026-10-30", methods=["weighted"])
