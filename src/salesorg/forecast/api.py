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

__all__ = ["METHODS", "forecast", "make_forecaster"]

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
