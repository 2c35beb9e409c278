"""A store wrapper that computes each point-in-time state once per review.

A review and its pack ask for the state of every opportunity at a few dates (D, S, a quarter
ago) many times over (changes, KPIs, trends, attainment, forecast). :class:`ReviewSource`
builds each state once with :func:`~salesorg.metrics.pit.opportunity_state` and keeps it as a
temporary table on whatever backend the store uses (``create_table(..., temp=True)``; unlike
Ibis' ``cache()`` no finalizer runs after the connection is closed), so later
expressions are small and quick to compile and run. The review's two dates are built
together (:meth:`ReviewSource.pair`, one pass over the history intervals) and the states at
either date are then read from that one table. Everything else passes through.

A source made for one unit's review (``owners=``, what :func:`~salesorg.review.run_review`
does for a single unit) keeps only the opportunities those people own at the state's date (at
D or S for the pair): the states of a team are a few thousand rows instead of the company's
million, and every reader of the review filters by the same people anyway
(:func:`~salesorg.review.kpis.scoped`). On DuckDB with the data cache on, the day's
company-wide states are written once as Parquet and such a source filters them; otherwise the
owner filter goes into the history scan (:func:`~salesorg.review.pair.state_pair`). Figures
that need the whole company (the holders' yardsticks) read :attr:`ReviewSource.inner`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import ibis

from salesorg.datacache import cached_file
from salesorg.metrics.pit import TableSource, opportunity_state, to_date
from salesorg.review.pair import PAIR_STATE_COLUMNS, state_from_pair, state_pair

__all__ = ["STATE_COLUMNS", "STATE_TABLES", "ReviewSource", "memo", "pair_at", "state_at"]

#: The tables a state reads (they key the company states kept in the data cache).
STATE_TABLES = ("opportunities", "opportunity_history", "stages", "fx_rates")

#: Columns of :func:`opportunity_state` the review uses (``name`` for the change list); the
#: state pair holds the same columns for D.
STATE_COLUMNS = PAIR_STATE_COLUMNS


class ReviewSource:
    """Wraps a store (any :class:`~salesorg.metrics.pit.TableSource`); memoises states."""

    def __init__(self, source: TableSource, *, owners: Iterable[str] | None = None) -> None:
        self._source = source
        self._owners = None if owners is None else frozenset(owners)
        self._states: dict[dt.date, ibis.Table] = {}
        self._pairs: dict[tuple[dt.date, dt.date], ibis.Table] = {}
        self._memo: dict[Any, Any] = {}
        self._names: list[tuple[Any, str]] = []
        self._views: list[tuple[Any, str]] = []

    @property
    def inner(self) -> TableSource:
        return self._source

    @property
    def owners(self) -> frozenset[str] | None:
        """The people whose opportunities the states hold (``None``: everyone)."""
        return self._owners

    @property
    def reporting_currency(self) -> str:
        return getattr(self._source, "reporting_currency", "EUR")

    def table(self, name: str) -> ibis.Table:
        return self._source.table(name)

    def state(self, as_of: dt.date | str) -> ibis.Table:
        """The cached :func:`opportunity_state` at ``as_of``."""
        d = to_date(as_of)
        if d not in self._states:

            def company() -> ibis.Table:
                # of the header's descriptive columns only those the review reads are joined
                state = opportunity_state(self._source, d, header=("name", "created_on"))
                # only the columns the review reads: a narrow table is quick to write
                return state.select(*STATE_COLUMNS)

            state = self._company_file("review-state", {"as_of": d.isoformat()}, company)
            if state is None:
                state = company()
            if self._owners is not None:
                state = state.filter(state.owner_id.isin(sorted(self._owners)))
            self._states[d] = self.materialize(state)
        return self._states[d]

    def pair(self, as_of: dt.date | str, since: dt.date | str) -> ibis.Table:
        """The cached :func:`~salesorg.review.pair.state_pair` of D = ``as_of`` and S =
        ``since``; the states at D and S are then read from it (no second computation)."""
        d, s = to_date(as_of), to_date(since)
        if (d, s) not in self._pairs:
            params = {"as_of": d.isoformat(), "since": s.isoformat()}
            full = self._company_file("review-pair", params, lambda: state_pair(self._source, d, s))
            if full is None:
                pair = self.materialize(state_pair(self._source, d, s, owners=self._owners))
            else:
                members = sorted(self._owners or ())
                scoped = full.owner_id.isin(members) | full.owner_id_0.isin(members)
                pair = self.materialize(full.filter(scoped.coalesce(False)))
            self._pairs[d, s] = pair
            self._states.setdefault(d, state_from_pair(pair))
            self._states.setdefault(s, state_from_pair(pair, before=True))
        return self._pairs[d, s]

    def _company_file(
        self, name: str, params: dict[str, Any], company: Callable[[], ibis.Table]
    ) -> ibis.Table | None:
        """For a unit's source on DuckDB: the company-wide ``company()`` table, written once
        per data day to the data cache as Parquet and read back (None otherwise: compute).

        A unit's states are then a filter over the day's company states (the 120 team packs
        of a day share one computation of them) instead of a pass over the whole history.
        """
        if self._owners is None:
            return None
        backend = self._source.table("opportunity_history")._find_backend()
        if getattr(backend, "name", "") != "duckdb":
            return None
        currency = self.reporting_currency
        path = cached_file(
            self,
            name,
            {**params, "reporting_currency": currency, "columns": "v1"},
            lambda p: backend.to_parquet(company(), p),
            tables=STATE_TABLES,
        )
        if path is None:
            return None
        table = backend.read_parquet(path)  # a view over the file, dropped by release()
        self._views.append((backend, table.get_name()))
        return table

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        """``expr`` computed once into a temporary table (dropped by :meth:`release`)."""
        backend = expr._find_backend()
        name = f"_salesorg_tmp_{uuid.uuid4().hex}"
        try:
            table = backend.create_table(name, expr, temp=True)
        except NotImplementedError:
            # Spark has no temporary tables in Ibis: cache the expression there instead
            return expr.cache()
        self._names.append((backend, name))
        return table

    def release(self) -> None:
        """Drop the temporary tables (they also go when the connection closes)."""
        for backend, name in self._names:
            # the connection may already be closed
            with contextlib.suppress(Exception):
                backend.drop_table(name, force=True)
        for backend, name in self._views:
            with contextlib.suppress(Exception):
                backend.drop_view(name, force=True)
        self._names.clear()
        self._views.clear()
        self._states.clear()
        self._pairs.clear()

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per ``key`` (small lookup tables pulled into pandas)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)


def memo(source: TableSource, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, memoised on ``source`` when it is a :class:`ReviewSource`."""
    m = getattr(source, "memo", None)
    return m(key, compute) if callable(m) else compute()


def state_at(source: TableSource, as_of: dt.date | str) -> ibis.Table:
    """The state at ``as_of``: cached when ``source`` is a :class:`ReviewSource`."""
    state = getattr(source, "state", None)
    if callable(state):
        return state(as_of)
    return opportunity_state(source, as_of)


def pair_at(source: TableSource, as_of: dt.date | str, since: dt.date | str) -> ibis.Table:
    """The states at ``as_of`` and ``since`` side by side: cached when ``source`` is a
    :class:`ReviewSource`."""
    pair = getattr(source, "pair", None)
    if callable(pair):
        return pair(as_of, since)
    return state_pair(source, as_of, since)
