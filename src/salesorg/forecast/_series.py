"""Period time series (bookings; created-and-won amounts) and their statsforecast forecasts.

Both ``run-rate`` and the new-deal part of ``markov`` forecast a short series of per-period
amounts: AutoETS (Hyndman et al. 2008, as implemented by statsforecast) when there are at
least :data:`MIN_ETS_POINTS` complete periods, otherwise the mean of the complete periods with
their sample standard deviation (a documented simpler estimator; a
:class:`~salesorg.forecast._warnings.ThinHistoryWarning` says so). Forecasts are cached on the
loaded :class:`~salesorg.forecast.history.History` by the series' values, so a backtest's weekly
as-of dates inside one quarter (same complete periods) fit once.

References:
    Hyndman, Koehler, Ord & Snyder (2008), *Forecasting with Exponential Smoothing: The State
    Space Approach*, Springer. Garza, Mergenthaler Canseco, Challú & Olivares (2022),
    StatsForecast, https://github.com/Nixtla/statsforecast.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from salesorg.forecast._period import Period
from salesorg.forecast._warnings import ThinHistoryWarning
from salesorg.forecast.history import NODATE, HistoryView, day_number

__all__ = ["MIN_ETS_POINTS", "SeriesForecast", "complete_periods", "forecast_series"]

MIN_ETS_POINTS = 8
Z90 = 1.2815515655446004  # standard normal 0.9 quantile


@dataclass(frozen=True)
class SeriesForecast:
    """Mean and standard deviation of the forecast ``h`` steps ahead, and how it was made."""

    mean: float
    sd: float
    model: str
    points: int


def complete_periods(view: HistoryView, target: Period, first_day: int) -> list[Period]:
    """Periods of ``target``'s kind that ended on or before ``as_of``, from ``first_day`` on."""
    out: list[Period] = []
    p = target
    while day_number(p.end) > day_number(view.as_of):
        p = p.shift(-1)
    while day_number(p.end) >= first_day:
        out.append(p)
        p = p.shift(-1)
    return out[::-1]


def won_days(view: HistoryView) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(opp codes, won day, amount in reporting currency) of deals won as known at ``as_of``."""
    h, st = view.full, view.state
    won = h.is_won[st["stage"]]
    close = st["close"][won]
    day = np.where(close == NODATE, st["stage_since"][won] // 86400, close)
    return st["opp"][won], day, st["amount_rc"][won]


def forecast_series(view: HistoryView, values: np.ndarray, h: int, *, what: str) -> SeriesForecast:
    """Forecast ``h`` steps ahead of ``values`` (AutoETS, or the mean when too short)."""
    values = np.asarray(values, dtype=float)
    key = ("series", tuple(np.round(values, 2)), h)
    cache = view.full._cache
    if key in cache:
        return cache[key]
    n = len(values)
    if n >= MIN_ETS_POINTS and values.std() > 0:
        from statsforecast.models import AutoETS

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = AutoETS(season_length=1).forecast(y=values, h=h, level=[80])
        mean = float(r["mean"][-1])
        sd = float(r["hi-80"][-1] - r["lo-80"][-1]) / (2 * Z90)
        out = SeriesForecast(max(mean, 0.0), max(sd, 0.0), "AutoETS", n)
    else:
        if n < MIN_ETS_POINTS:
            warnings.warn(
                f"thin history: {n} complete periods of {what} before {view.as_of} "
                f"(AutoETS needs {MIN_ETS_POINTS}); using their mean and spread",
                ThinHistoryWarning,
                stacklevel=3,
            )
        mean = float(values.mean()) if n else 0.0
        sd = float(values.std(ddof=1)) if n > 1 else mean * 0.5
        out = SeriesForecast(mean, sd, "mean", n)
    cache[key] = out
    return out


def lognormal_draws(mean: float, sd: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Non-negative draws with the given mean and sd (moment-matched lognormal)."""
    if mean <= 0:
        return np.zeros(size)
    if sd <= 0:
        return np.full(size, mean)
    s2 = np.log1p((sd / mean) ** 2)
    return rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), size)
