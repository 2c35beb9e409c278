"""Point-in-time state materialised once per as-of date, shared by every request.

Computing :func:`~salesorg.metrics.pit.opportunity_state` joins the whole history (10 M rows
for a million opportunities): a second or more. Every page for the same date needs the same
state, only filtered to a different scope, so the server materialises it once per date as a
table in an in-memory DuckDB catalog attached to the store's connection (visible to every
worker's cursor) and each request filters that table by its scope *in SQL*. The least recently
used dates are dropped beyond :attr:`StateSnapshots.max_dates`; :meth:`clear` drops all after
a write.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import ibis

from salesorg.metrics.pit import opportunity_state
from salesorg.store import Store

__all__ = ["CATALOG", "StateSnapshots"]

CATALOG = "salesorg_web_cache"


class StateSnapshots:
    """``opportunity_state`` tables per as-of date in an attached in-memory catalog."""

    def __init__(self, root: Store, *, max_dates: int = 6):
        self.max_dates = max_dates
        root.con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {CATALOG}")
        self._dates: OrderedDict[dt.date, str] = OrderedDict()
        self._lock = threading.Lock()
        self._date_locks: dict[dt.date, threading.Lock] = {}
        self.builds = 0

    def table(self, store: Store, as_of: dt.date, *, reporting_currency: str) -> ibis.Table:
        """The state as of ``as_of`` as an Ibis table on ``store``'s connection."""
        with self._lock:
            name = self._dates.get(as_of)
            if name is not None:
                self._dates.move_to_end(as_of)
            date_lock = self._date_locks.setdefault(as_of, threading.Lock())
        if name is None:
            with date_lock:
                with self._lock:
                    name = self._dates.get(as_of)
                if name is None:
                    name = f"state_{as_of:%Y%m%d}"
                    expr = opportunity_state(store, as_of, reporting_currency=reporting_currency)
                    store.ibis.create_table(name, expr, database=f"{CATALOG}.main", overwrite=True)
                    self.builds += 1
                    with self._lock:
                        self._dates[as_of] = name
                        while len(self._dates) > self.max_dates:
                            _, old = self._dates.popitem(last=False)
                            store.con.execute(f"DROP TABLE IF EXISTS {CATALOG}.{old}")
        return store.ibis.table(name, database=CATALOG)

    def clear(self, store: Store) -> None:
        """Drop every snapshot (after a write to the store)."""
        with self._lock:
            for name in self._dates.values():
                store.con.execute(f"DROP TABLE IF EXISTS {CATALOG}.{name}")
            self._dates.clear()
