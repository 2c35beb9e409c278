"""The metrics by name, executed at the edge: what the CLI and the demo call.

``compute(store, "win-rate", as_of=..., by="owner")`` builds the Ibis expression of the metric
and runs it, returning a pandas DataFrame sorted by its group key. Metric code itself stays a
pure Ibis expression (see the modules); only this module executes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ibis
import pandas as pd

from salesorg.errors import ConfigError, DataError
from salesorg.metrics.attainment import attainment
from salesorg.metrics.bookings import bookings
from salesorg.metrics.conversion import stage_conversion
from salesorg.metrics.cycle_time import cycle_time
from salesorg.metrics.deal_size import deal_size
from salesorg.metrics.pipeline import open_pipeline
from salesorg.metrics.pit import TableSource, check_rates, to_date
from salesorg.metrics.win_rate import win_rate
from salesorg.metrics.window import Window, group_key, resolve_window

__all__ = ["METRICS", "compute", "last_data_date", "metric"]

MetricFn = Callable[..., ibis.Table]

#: Every metric the CLI knows, by its command-line name.
METRICS: dict[str, MetricFn] = {
    "pipeline": open_pipeline,
    "bookings": bookings,
    "win-rate": win_rate,
    "deal-size": deal_size,
    "cycle-time": cycle_time,
    "conversion": stage_conversion,
    "attainment": attainment,
}

#: Metrics that count over a window by default (the pipeline is a point-in-time stock).
_WINDOWED = {"bookings", "win-rate", "deal-size", "cycle-time", "conversion", "attainment"}


class _CachedTables:
    """A table source that looks each table up once (a lookup asks the backend for its schema)."""

    def __init__(self, source: TableSource) -> None:
        self._source = source
        self._tables: dict[str, ibis.Table] = {}

    def table(self, name: str) -> ibis.Table:
        if name not in self._tables:
            self._tables[name] = self._source.table(name)
        return self._tables[name]

    def __getattr__(self, name: str) -> object:  # reporting_currency, path, ...
        return getattr(self._source, name)


def metric(
    source: TableSource,
    name: str,
    *,
    as_of: dt.date | str,
    by: str | None = None,
    period: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> ibis.Table:
    """The Ibis expression of metric ``name`` (see :data:`METRICS`), not yet executed."""
    if name not in METRICS:
        raise ConfigError(f"unknown metric {name!r} — choose one of {', '.join(METRICS)}")
    group_key(by)  # validates ``by``
    window: Window | None = None
    if name in _WINDOWED or period is not None or start is not None or end is not None:
        window = resolve_window(
            as_of, period=period, start=start, end=end, future=name not in _WINDOWED
        )
    return METRICS[name](source, to_date(as_of), by=by, window=window)


def compute(
    source: TableSource,
    name: str,
    *,
    as_of: dt.date | str,
    by: str | None = None,
    period: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> pd.DataFrame:
    """Run metric ``name`` and return its rows sorted by group (raises if a rate is missing)."""
    source = _CachedTables(source)
    check_rates(source, as_of)
    expr = metric(source, name, as_of=as_of, by=by, period=period, start=start, end=end)
    df = expr.execute()
    order = [c for c in ("period_start", "pipeline", "ordinal") if c in df.columns]
    key = group_key(by)
    if key is not None:
        order = [key, *order]
    if order:
        df = df.sort_values(order, na_position="last", kind="stable").reset_index(drop=True)
    return df


def last_data_date(source: TableSource) -> dt.date:
    """The last day with data in the store: the latest ``opportunity_history.changed_at``."""
    h = source.table("opportunity_history")
    value = h.changed_at.max().execute()
    if value is None or pd.isna(value):
        raise DataError(
            "the store has no opportunity history — import data first "
            "(`salesorg import ...`) or build the demo (`salesorg demo`)"
        )
    return pd.Timestamp(value).date()
