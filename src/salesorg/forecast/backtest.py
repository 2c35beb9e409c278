"""Backtest: forecast the past with only what was known then, and score it.

For every as-of date from ``start`` to ``end`` (every week or month) each method is fitted on
the history as known at that date and forecasts the then-current quarter and the next one;
the forecasts are compared with what was actually booked in those quarters, as known at the end
of the data. Target quarters that had not ended by the last day of data are skipped (their
outcome is not known yet). Actuals are converted at the as-of date's exchange rates, like the
forecast, so currency moves do not count as forecast error.

Metrics over the ``n`` points of a method (``a`` actual, ``q10``/``q50``/``q90`` forecast):

* WAPE of P50 = Σ|a − q50| / Σa;  bias = Σ(q50 − a) / Σa (positive = over-forecast);
* coverage of P10–P90 = share of points with q10 ≤ a ≤ q90 (well calibrated ≈ 0.8);
* pinball = mean over points and τ ∈ {0.1, 0.5, 0.9} of ρτ(a − qτ), ρτ(u) = max(τu, (τ−1)u),
  in the reporting currency (a three-quantile approximation of CRPS / 2);
* WAPE by week of quarter: week = ⌊(as_of − quarter start) / 7⌋ + 1 (weeks ≤ 0 are as-of dates
  before the quarter began, i.e. the next-quarter forecasts).

The history is loaded once; each as-of date is a view of it (point-in-time by construction) and
time-series fits are cached across dates with the same complete periods.

References:
    Gneiting & Raftery (2007), "Strictly Proper Scoring Rules, Prediction, and Estimation",
    *JASA* 102(477) (pinball / CRPS). Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, 3rd ed., ch. 5.8–5.9 (accuracy measures, interval coverage).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from salesorg.errors import ConfigError, DataError
from salesorg.forecast._period import Period, quarter_of
from salesorg.forecast._warnings import ForecastWarning
from salesorg.forecast.api import METHODS, make_forecaster
from salesorg.forecast.history import History, HistoryView, day_number, load_history
from salesorg.metrics.pit import to_date

__all__ = ["as_of_dates", "backtest", "backtest_points", "score", "wape_chart"]

TAUS = (0.1, 0.5, 0.9)


def as_of_dates(start: dt.date | str, end: dt.date | str, every: str = "week") -> list[dt.date]:
    """As-of dates from ``start`` to ``end`` inclusive, every 7 days or every month-end."""
    a, b = to_date(start), to_date(end)
    if b < a:
        raise ConfigError(f"--from {a} is after --to {b} — swap them")
    if every == "week":
        return [a + dt.timedelta(days=7 * i) for i in range((b - a).days // 7 + 1)]
    if every == "month":
        out: list[dt.date] = []
        for i in range(12 * (b.year - a.year + 1) + 1):
            m0 = a.month - 1 + i
            y, m = a.year + m0 // 12, m0 % 12 + 1
            last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
            d = dt.date(y, m, min(a.day, last))
            if d > b:
                break
            out.append(d)
        return out
    raise ConfigError(f"--every {every!r} must be week or month")


def actual_bookings(final: HistoryView, view: HistoryView, period: Period) -> float:
    """What was booked in ``period`` as known at the end of the data, at ``view``'s rates."""
    h, st = final.full, final.state
    won = h.is_won[st["stage"]]
    close = st["close"]
    day = np.where(close < -(10**9), st["stage_since"] // 86400, close)
    m = won & (day >= day_number(period.start)) & (day <= day_number(period.end))
    return float(view.rc(h.amount[st["row"][m]], st["opp"][m]).sum())


def backtest_points(
    history: History,
    *,
    methods: Sequence[str],
    dates: Iterable[dt.date],
    trials: int = 2_000,
    seed: int = 0,
    horizons: Sequence[int] = (0, 1),
    final_day: dt.date | None = None,
) -> pd.DataFrame:
    """One row per (method, as_of, target quarter): p10, p50, p90, booked, actual, week."""
    final_day = final_day or history.last_day
    final = history.known_at(final_day)
    rows: list[dict[str, Any]] = []
    for d in dates:
        view = history.known_at(d)
        targets = [quarter_of(d).shift(k) for k in horizons]
        targets = [q for q in targets if q.end <= final_day]
        if not targets:
            continue
        actual = {q.label: actual_bookings(final, view, q) for q in targets}
        for m in methods:
            model = make_forecaster(m, trials=trials, seed=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ForecastWarning)
                model.fit(view)
                for q in targets:
                    f = model.predict(q, by="company").iloc[0]
                    rows.append(
                        {
                            "method": m,
                            "as_of": d,
                            "period": q.label,
                            "week": (d - q.start).days // 7 + 1,
                            "p10": f.p10,
                            "p50": f.p50,
                            "p90": f.p90,
                            "booked": f.booked,
                            "actual": actual[q.label],
                        }
                    )
    return pd.DataFrame(
        rows, columns=["method", "as_of", "period", "week", "p10", "p50", "p90", "booked", "actual"]
    )


def _pinball(a: np.ndarray, q: np.ndarray, tau: float) -> np.ndarray:
    u = a - q
    return np.maximum(tau * u, (tau - 1) * u)


def score(points: pd.DataFrame) -> list[dict[str, Any]]:
    """Per method: points, wape, bias, coverage_p10_p90, pinball, by_week_of_quarter."""
    out = []
    for m, g in points.groupby("method", sort=False):
        a = g.actual.to_numpy(float)
        denom = a.sum() if a.sum() > 0 else np.nan
        pin = np.mean([_pinball(a, g[f"p{int(t * 100)}"].to_numpy(float), t) for t in TAUS])
        weeks = []
        for w, gw in g.groupby("week"):
            aw = gw.actual.to_numpy(float)
            weeks.append(
                {
                    "week": int(w),
                    "wape": float(np.abs(aw - gw.p50).sum() / aw.sum()) if aw.sum() > 0 else None,
                }
            )
        out.append(
            {
                "method": m,
                "points": int(g.as_of.nunique()),
                "forecasts": len(g),
                "wape": float(np.abs(a - g.p50).sum() / denom),
                "bias": float((g.p50 - a).sum() / denom),
                "coverage_p10_p90": float(((g.p10 <= a) & (a <= g.p90)).mean()),
                "pinball": float(pin),
                "by_week_of_quarter": weeks,
            }
        )
    return out


def backtest(
    source: Any,
    *,
    start: dt.date | str,
    end: dt.date | str,
    methods: Sequence[str] | None = None,
    every: str = "week",
    trials: int = 2_000,
    seed: int = 0,
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Backtest ``methods`` (all by default) from ``start`` to ``end``; (scores, points)."""
    history = source if isinstance(source, History) else load_history(source)
    methods = list(methods or METHODS)
    for m in methods:
        if m not in METHODS:
            raise ConfigError(f"unknown method {m!r} — choose from {', '.join(METHODS)}")
    if "judgment" in methods and (history.fcat < 0).all() and len(methods) > 1:
        methods.remove("judgment")  # no categories anywhere: nothing to measure
    pts = backtest_points(
        history, methods=methods, dates=as_of_dates(start, end, every), trials=trials, seed=seed
    )
    if pts.empty:
        raise DataError(
            f"no backtest point between {start} and {end}: no quarter that starts or runs then "
            f"has ended by the last day of data ({history.last_day}) — choose earlier dates"
        )
    return score(pts), pts


def wape_chart(scores: list[dict[str, Any]]) -> Any:
    """An Altair line chart of WAPE by week of quarter, one line per method."""
    import altair as alt

    rows = [
        {"method": s["method"], "week": w["week"], "wape": w["wape"]}
        for s in scores
        for w in s["by_week_of_quarter"]
        if w["wape"] is not None
    ]
    return (
        alt.Chart(pd.DataFrame(rows), title="Forecast error (WAPE of P50) by week of quarter")
        .mark_line(point=True)
        .encode(
            x=alt.X("week:Q", title="week of quarter (≤ 0: before the quarter began)"),
            y=alt.Y("wape:Q", title="WAPE", axis=alt.Axis(format="%")),
            color="method:N",
        )
    )
