"""Metrics: point-in-time views and the measures built on them (pipeline, bookings, ...).

All metric functions take a table source (a :class:`~salesorg.store.Store`) and ``as_of`` and
return Ibis expressions, so they run unchanged on DuckDB, Spark or Postgres.
:func:`~salesorg.metrics.run.compute` runs one by name at the edge. Windows and groupings are
defined in :mod:`salesorg.metrics.window`; formulas in ``docs/metrics.md``.
"""

from salesorg.metrics.attainment import attainment, attainment_by_person
from salesorg.metrics.bookings import bookings
from salesorg.metrics.conversion import stage_conversion
from salesorg.metrics.cycle_time import cycle_time
from salesorg.metrics.deal_size import deal_size
from salesorg.metrics.pipeline import open_pipeline
from salesorg.metrics.pit import as_of_instant, opportunity_state, reporting_line
from salesorg.metrics.run import METRICS, compute, last_data_date, metric
from salesorg.metrics.win_rate import win_rate
from salesorg.metrics.window import GROUPS, Window, resolve_window

__all__ = [
    "GROUPS",
    "METRICS",
    "Window",
    "as_of_instant",
    "attainment",
    "attainment_by_person",
    "bookings",
    "compute",
    "cycle_time",
    "deal_size",
    "last_data_date",
    "metric",
    "open_pipeline",
    "opportunity_state",
    "reporting_line",
    "resolve_window",
    "stage_conversion",
    "win_rate",
]
