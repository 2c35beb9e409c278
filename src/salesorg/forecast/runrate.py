"""Run-rate: a time-series baseline on bookings alone (no pipeline).

The company's bookings per complete period (won amount by close date, as known at ``as_of``)
are forecast with AutoETS (statsforecast) ``h`` periods ahead; P10/P90 are the 80 % prediction
interval and P50 the point forecast, read as a normal distribution. For the period in progress
the total can never be below what is already booked, so each quantile is floored at ``booked``.
Owners and units get the company figure times their share of bookings in the last four complete
periods (their own booked amount as a floor). Short series fall back on the mean (see
:mod:`salesorg.forecast._series`).

Assumptions: the future looks like the smoothed past (no knowledge of the pipeline); periods are
exchangeable apart from level and trend (no seasonality is fitted).

References:
    Hyndman, Koehler, Ord & Snyder (2008), *Forecasting with Exponential Smoothing*, Springer.
    Nixtla StatsForecast (AutoETS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesorg.forecast._base import Forecaster, _group_sum, build_groups, period_deals, summarise
from salesorg.forecast._period import Period, parse_period
from salesorg.forecast._series import Z90, complete_periods, forecast_series, won_days
from salesorg.forecast.history import HistoryView, day_number

__all__ = ["RunRateForecaster"]


class RunRateForecaster(Forecaster):
    """AutoETS on per-period bookings, allocated to groups by recent share."""

    method = "run-rate"

    def fit(self, history: HistoryView) -> RunRateForecaster:
        self.history_ = history
        return self

    def series(self, period: Period) -> tuple[list[Period], np.ndarray]:
        """Complete periods before ``as_of`` and the bookings in each."""
        view = self.history_
        h = view.full
        _, wday, amt = won_days(view)
        first = int(h.opp_created.min()) if len(h.opp_created) else day_number(view.as_of)
        done = complete_periods(view, period, first)
        vals = np.array(
            [amt[(wday >= day_number(p.start)) & (wday <= day_number(p.end))].sum() for p in done]
        )
        return done, vals

    def predict(
        self,
        period: Period | str,
        *,
        by: str = "company",
        trials: int | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> pd.DataFrame:
        period = parse_period(period)
        view = self.history_
        groups = build_groups(view, by)
        d = period_deals(view, period)
        booked = _group_sum(groups, d["won"]["opp"], d["won"]["amount_rc"])
        pipe = _group_sum(groups, d["in_period"]["opp"], d["in_period"]["amount_rc"])
        if day_number(view.as_of) >= day_number(period.end):  # over: what was booked
            zero = np.zeros((0, len(booked)))
            return summarise(groups, zero, booked, pipe, self.method, mean=np.zeros(len(booked)))
        done, vals = self.series(period)
        steps = 1
        last = done[-1] if done else period.shift(-1)
        while last.shift(steps) != period and steps < 400:
            steps += 1
        fc = forecast_series(view, vals, steps, what="bookings")
        self.series_forecast_ = fc
        q = np.array([fc.mean - Z90 * fc.sd, fc.mean, fc.mean + Z90 * fc.sd]).clip(0)
        opp, wday, amt = won_days(view)
        recent = np.zeros(len(opp), dtype=bool)
        for p in done[-4:]:
            recent |= (wday >= day_number(p.start)) & (wday <= day_number(p.end))
        tot = _group_sum(groups, opp[recent], amt[recent])
        share = tot / amt[recent].sum() if amt[recent].sum() > 0 else np.zeros_like(tot)
        if groups.by == "company":
            share = np.ones(1)
        qs = np.maximum(share[None, :] * q[:, None], booked[None, :])
        df = summarise(
            groups,
            np.zeros((0, len(booked))),
            booked,
            pipe,
            self.method,
            mean=np.maximum(share * fc.mean, booked) - booked,
        )
        df["p10"], df["p50"], df["p90"] = qs[0].round(2), qs[1].round(2), qs[2].round(2)
        return df
