"""One call for a forecast: pick a method, fit it on history known at ``as_of``, predict."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from salesorg.errors import ConfigError
from salesorg.forecast._base import Forecaster
from salesorg.forecast._period import Period, parse_period
from salesorg.forecast.history import History, load_history
from salesorg.forecast.judgment import JudgmentForecaster
from salesorg.forecast.markov import MarkovForecaster
from salesorg.forecast.runrate import RunRateForecaster
from salesorg.forecast.weighted import WeightedForecaster

__all__ = ["METHODS", "forecast", "make_forecaster", "widen"]

METHODS = ("weighted", "weighted-learned", "markov", "run-rate", "judgment")


def make_forecaster(
    method: str, *, trials: int = 10_000, seed: int | None = 0, **kw: Any
) -> Forecaster:
    """A fresh, unfitted forecaster for ``method`` (one of :data:`METHODS`)."""
    if method == "weighted":
        return WeightedForecaster(trials=trials, seed=seed, **kw)
    if method == "weighted-learned":
        return WeightedForecaster(learned=True, trials=trials, seed=seed, **kw)
    if method == "markov":
        return MarkovForecaster(trials=trials, seed=seed, **kw)
    if method == "run-rate":
        return RunRateForecaster(trials=trials, seed=seed)
    if method == "judgment":
        return JudgmentForecaster(trials=trials, seed=seed, **kw)
    raise ConfigError(f"unknown forecast method {method!r} — choose one of {', '.join(METHODS)}")


def forecast(
    source: Any,
    *,
    period: Period | str,
    as_of: dt.date | str | None = None,
    by: str = "company",
    method: str = "markov",
    trials: int = 10_000,
    seed: int | None = 0,
    **kw: Any,
) -> pd.DataFrame:
    """Forecast ``period`` as known at ``as_of`` (default: the last day with data).

    ``source`` is a :class:`~salesorg.store.Store` or an already loaded
    :class:`~salesorg.forecast.history.History`. Returns one row per group with the group key
    (``company``, ``unit_id`` or ``owner_id``), ``p10``, ``p50``, ``p90``, ``mean``, ``booked``,
    ``open_pipeline`` and ``method``; amounts in the reporting currency.
    """
    history = source if isinstance(source, History) else load_history(source)
    day = history.last_day if as_of is None else as_of
    model = make_forecaster(method, trials=trials, seed=seed, **kw)
    return model.fit(history.known_at(day)).predict(parse_period(period), by=by)


def widen(frame: pd.DataFrame, factor: float) -> pd.DataFrame:
    """P10 and P90 moved ``factor`` times further from P50 (never below what is booked).

    ``factor`` comes from the method's own backtest (:func:`salesorg.forecast.pack.width_factor`,
    split-conformal calibration): ranges that covered too few outcomes are widened so they
    would have covered 80 %. A factor of 1 leaves the frame as it is.
    """
    out = frame.copy()
    k = max(1.0, float(factor))
    out["p10"] = (out.p50 - k * (out.p50 - out.p10)).clip(lower=out.booked)
    out["p90"] = out.p50 + k * (out.p90 - out.p50)
    out["width_factor"] = k
    return out
