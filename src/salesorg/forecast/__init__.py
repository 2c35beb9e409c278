"""Forecasting that proves itself: weighted, stage-Markov Monte Carlo, run-rate, judgment,
backtests and managers' calls (see ``docs/forecasting.md``).

>>> # from salesorg.forecast import forecast, backtest
>>> # forecast(store, period="2026Q4", by="unit", method="markov")
"""

from __future__ import annotations

from salesorg.forecast._period import Period, parse_period
from salesorg.forecast._warnings import (
    ForecastWarning,
    MissingStageProbabilityWarning,
    NoJudgmentDataWarning,
    ThinHistoryWarning,
)
from salesorg.forecast.api import METHODS, forecast, make_forecaster
from salesorg.forecast.backtest import backtest
from salesorg.forecast.history import History, HistoryView, load_history
from salesorg.forecast.judgment import JudgmentForecaster
from salesorg.forecast.markov import MarkovForecaster
from salesorg.forecast.overrides import add_override, backtest_overrides, list_overrides
from salesorg.forecast.pack import ForecastRollup, forecast_rollup_for_pack
from salesorg.forecast.runrate import RunRateForecaster
from salesorg.forecast.weighted import WeightedForecaster

__all__ = [
    "METHODS",
    "ForecastRollup",
    "ForecastWarning",
    "History",
    "HistoryView",
    "JudgmentForecaster",
    "MarkovForecaster",
    "MissingStageProbabilityWarning",
    "NoJudgmentDataWarning",
    "Period",
    "RunRateForecaster",
    "ThinHistoryWarning",
    "WeightedForecaster",
    "add_override",
    "backtest",
    "backtest_overrides",
    "forecast",
    "forecast_rollup_for_pack",
    "list_overrides",
    "load_history",
    "make_forecaster",
    "parse_period",
]
