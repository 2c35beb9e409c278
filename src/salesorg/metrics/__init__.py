"""Metrics: point-in-time views and the measures built on them (pipeline, bookings, ...).

All metric functions take a table source (a :class:`~salesorg.store.Store`) and ``as_of`` and
return Ibis expressions, so they run unchanged on DuckDB, Spark or Postgres.
"""

from salesorg.metrics.pit import as_of_instant, opportunity_state, reporting_line

__all__ = ["as_of_instant", "opportunity_state", "reporting_line"]
