"""The opportunity history as numpy arrays, loaded once and viewed point-in-time.

Forecasters need arrays (Monte Carlo, hazard counts), so this module pulls just the columns
they need from the store through Ibis (backend-neutral) once, and precomputes what does not
depend on ``as_of``: each row's validity interval and the *stage spells* (a run of rows in the
same stage). :meth:`History.known_at` then gives a :class:`HistoryView`, the history as known at
the end of an ``as_of`` day: every accessor of a view only uses rows with
``changed_at < end of as_of`` (and censors spells still running then), which is what makes a
forecast point-in-time pure and lets a backtest reuse one load for every as-of date.

Times are int64 seconds since 1970-01-01 (naive, the company's local time); dates are int64
days since 1970-01-01.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from salesorg.backends import arrow_batches
from salesorg.metrics.pit import as_of_instant, to_date

__all__ = ["History", "HistoryView", "day_number", "load_history"]

INF = np.iinfo(np.int64).max
NODATE = np.iinfo(np.int64).min
_EPOCH = dt.date(1970, 1, 1)
CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")


def day_number(day: dt.date | str) -> int:
    """Days since 1970-01-01."""
    return (to_date(day) - _EPOCH).days


def instant_seconds(as_of: dt.date | str) -> int:
    """The exclusive end of ``as_of`` in seconds since 1970-01-01."""
    return int((as_of_instant(as_of) - dt.datetime(1970, 1, 1)).total_seconds())


def _codes(values: Any, categories: list[str]) -> np.ndarray:
    return pd.Categorical(values, categories=categories).codes.astype(np.int64)


def _seconds(col: pd.Series) -> np.ndarray:
    return pd.to_datetime(col).to_numpy("datetime64[s]").astype(np.int64)


def _days(col: pd.Series) -> np.ndarray:
    s = pd.to_datetime(col)
    out = s.to_numpy("datetime64[D]").astype(np.int64)
    out[s.isna().to_numpy()] = NODATE
    return out


@dataclass
class History:
    """Everything the forecasters read, as arrays (see the module docstring).

    Rows (sorted by opportunity, then time): ``opp``, ``at``, ``until`` (next change or INF),
    ``stage``, ``amount``, ``close`` (days or NODATE), ``fcat`` (index in CATEGORIES or -1),
    ``owner``. Stage codes index ``stage_names``/``is_closed``/``is_won``/``default_prob``.
    Codes are stored as narrow integers (int32; int8 for ``fcat``) to halve the memory of a
    large history: widen them (``astype(np.int64)``) before multiplying them into a flat index.
    Opportunity codes index ``opp_id_array`` (the IDs in the backend's order, kept as Arrow
    strings; :attr:`opp_ids` is the same as a numpy array, built on first use).
    """

    opp_id_array: pa.Array
    opp_created: np.ndarray
    opp_currency: np.ndarray
    at: np.ndarray
    until: np.ndarray
    opp: np.ndarray
    stage: np.ndarray
    amount: np.ndarray
    close: np.ndarray
    fcat: np.ndarray
    owner: np.ndarray
    person_ids: list[str]
    stage_names: list[str]
    is_closed: np.ndarray
    is_won: np.ndarray
    default_prob: np.ndarray
    currencies: list[str]
    fx: dict[int, tuple[np.ndarray, np.ndarray]]
    reporting_currency: str
    assignments: pd.DataFrame
    units: pd.DataFrame
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ derived, as_of-free
    @cached_property
    def opp_ids(self) -> np.ndarray:
        """The opportunity IDs as a numpy object array (``opp_ids[code]``)."""
        return np.asarray(self.opp_id_array.to_pylist(), dtype=object)

    @property
    def n_opps(self) -> int:
        """How many opportunities the header holds (codes run from 0 to ``n_opps - 1``)."""
        return len(self.opp_id_array)

    def ids_of(self, codes: np.ndarray) -> np.ndarray:
        """The IDs of the opportunities with ``codes``, without building :attr:`opp_ids`."""
        taken = pc.take(self.opp_id_array, pa.array(np.asarray(codes, dtype=np.int64)))
        return np.asarray(taken.to_pylist(), dtype=object)

    def _spells_in_row_order(self) -> dict[str, np.ndarray]:
        n = len(self.at)
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (self.opp[1:] != self.opp[:-1]) | (self.stage[1:] != self.stage[:-1])
        idx = np.flatnonzero(new)
        del new
        opp = self.opp[idx]
        nxt = np.full(len(idx), -1, dtype=self.stage.dtype)
        end = np.full(len(idx), INF, dtype=np.int64)
        same = np.zeros(len(idx), dtype=bool)
        if len(idx) > 1:
            same[:-1] = opp[1:] == opp[:-1]
        follower = np.flatnonzero(same)
        del same
        nxt[follower] = self.stage[idx[follower + 1]]
        end[follower] = self.at[idx[follower + 1]]
        return {
            "row": idx,
            "opp": opp,
            "stage": self.stage[idx],
            "start": self.at[idx],
            "end": end,
            "next_stage": nxt,
            "amount": self.amount[idx],
        }

    @cached_property
    def spells(self) -> dict[str, np.ndarray]:
        """Runs of consecutive rows of one opportunity in the same stage.

        ``row`` (first row index), ``opp``, ``stage``, ``start``, ``end`` (start of the next
        spell or INF), ``next_stage`` (-1 if none), ``amount`` (at the spell's start).
        The forecasters read :attr:`spells_by_start`; this row-ordered copy is built only
        when asked for.
        """
        return self._spells_in_row_order()

    @cached_property
    def spells_by_start(self) -> dict[str, np.ndarray]:
        """:attr:`spells` ordered by start time, so "known at t" is a prefix (a view).

        Reordered one array at a time from a temporary row-ordered copy, so the peak is one
        copy plus one array, not two copies.
        """
        sp = self.__dict__.get("spells") or self._spells_in_row_order()
        owned = "spells" not in self.__dict__
        order = _stable_order(sp["start"])
        if owned:
            self.__dict__["_spell_start_by_row"] = (sp["row"], sp["start"])
        out = {}
        for name in list(sp):
            out[name] = sp[name][order]
            if owned and name not in ("row", "start"):
                del sp[name]
        return out

    @cached_property
    def _spell_start_by_row(self) -> tuple[np.ndarray, np.ndarray]:
        """``(row, start)`` of every spell in row order: when a row's stage was entered."""
        if "spells" in self.__dict__:
            return self.spells["row"], self.spells["start"]
        self.spells_by_start  # noqa: B018 - building it leaves this pair behind
        return self.__dict__["_spell_start_by_row"]

    @cached_property
    def first_at(self) -> np.ndarray:
        """Time of each opportunity's first history row (INF if none)."""
        out = np.full(len(self.opp_ids), INF, dtype=np.int64)
        np.minimum.at(out, self.opp, self.at)
        return out

    @property
    def last_day(self) -> dt.date:
        """The last day with data (the default ``as_of``)."""
        if not len(self.at):
            return dt.date.today()  # pragma: no cover - empty store, nothing to forecast
        return _EPOCH + dt.timedelta(days=int(self.at.max()) // 86400)

    def known_at(self, as_of: dt.date | str) -> HistoryView:
        """The history as known at the end of ``as_of``."""
        return HistoryView(self, to_date(as_of))

    def rates_at(self, as_of: dt.date | str) -> np.ndarray:
        """Rate to the reporting currency per currency code at ``as_of`` (NaN if unknown)."""
        d = day_number(as_of)
        out = np.full(len(self.currencies), np.nan)
        for i, cur in enumerate(self.currencies):
            if cur == self.reporting_currency:
                out[i] = 1.0
            elif i in self.fx:
                days, rates = self.fx[i]
                k = np.searchsorted(days, d, side="right") - 1
                if k >= 0:
                    out[i] = rates[k]
        return out


@dataclass
class HistoryView:
    """:class:`History` as known at the end of ``as_of`` (only rows with ``at < instant``)."""

    full: History
    as_of: dt.date

    @cached_property
    def t(self) -> int:
        return instant_seconds(self.as_of)

    @cached_property
    def rates(self) -> np.ndarray:
        return self.full.rates_at(self.as_of)

    def rc(self, amount: np.ndarray, opp: np.ndarray) -> np.ndarray:
        """Amounts in the reporting currency at this view's rates (rounded to the cent)."""
        return np.round(amount * self.rates[self.full.opp_currency[opp]], 2)

    @cached_property
    def state(self) -> dict[str, np.ndarray]:
        """The row in force at the end of ``as_of`` for every opportunity that existed then."""
        h, t = self.full, self.t
        rows = np.flatnonzero((h.at < t) & (h.until >= t))
        opp = h.opp[rows]
        return {
            "row": rows,
            "opp": opp,
            "stage": h.stage[rows],
            "amount_rc": self.rc(h.amount[rows], opp),
            "close": h.close[rows],
            "fcat": h.fcat[rows],
            "owner": h.owner[rows],
            "changed_at": h.at[rows],
            "stage_since": self.stage_since(rows),
        }

    def stage_since(self, rows: np.ndarray) -> np.ndarray:
        """When each row's opportunity entered the stage it is in at that row."""
        spell_row, spell_start = self.full._spell_start_by_row
        k = np.searchsorted(spell_row, rows, side="right") - 1
        return spell_start[k]

    def known_spells(self) -> dict[str, np.ndarray]:
        """Spells started before the instant; ``end``/``next_stage`` hidden if not yet known."""
        return next(self.known_spell_chunks(None))

    def known_spell_chunks(self, rows: int | None = 1 << 22) -> Iterator[dict[str, np.ndarray]]:
        """:meth:`known_spells` in consecutive chunks of at most ``rows`` spells (all at once
        for ``None``), so a model can count over tens of millions of spells with temporaries
        the size of one chunk. Always yields at least one (possibly empty) chunk."""
        sp = self.full.spells_by_start
        k = int(np.searchsorted(sp["start"], self.t, side="left"))
        step = max(k, 1) if rows is None else rows
        for lo in range(0, max(k, 1), step):
            hi = min(lo + step, k)
            out = {name: v[lo:hi] for name, v in sp.items()}
            unknown = out["end"] >= self.t
            out["end"] = np.where(unknown, INF, out["end"])
            out["next_stage"] = np.where(unknown, -1, out["next_stage"])
            yield out

    def unit_of_people(self) -> dict[str, str]:
        """Each person's unit at the end of ``as_of`` (their reporting line then)."""
        a = self.full.assignments
        if a.empty:
            return {}
        d = pd.Timestamp(self.as_of)
        live = a[(a.valid_from <= d) & (a.valid_to.isna() | (a.valid_to > d))]
        live = live.sort_values("valid_from")
        return dict(zip(live.person_id, live.unit_id, strict=True))


def _index(values: pa.Array | pa.ChunkedArray, keys: list[str] | pa.Array) -> np.ndarray:
    """Position of each value in ``keys`` (-1 if absent or null), hashed in Arrow's C++."""
    idx = pc.index_in(values, value_set=pa.array(keys, type=pa.string()))
    return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _seconds_arrow(col: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(pc.cast(col, pa.timestamp("s")), pa.int64()).to_numpy(zero_copy_only=False)


def _days_arrow(col: pa.ChunkedArray) -> np.ndarray:
    d = pc.cast(pc.cast(col, pa.date32()), pa.int32())
    return pc.fill_null(pc.cast(d, pa.int64()), NODATE).to_numpy(zero_copy_only=False)


class _Codes:
    """Integer codes for the string values of one column, assigned batch by batch.

    Codes are provisional (first seen, first numbered) while batches stream in;
    :meth:`finish` returns the final key order (``known`` first, then the others sorted; all
    sorted with ``sort_known``) and the table that maps provisional codes to final ones, so a
    column is encoded in one pass without holding its strings.
    """

    def __init__(self, known: list[str], *, sort_known: bool = False) -> None:
        self.keys = list(dict.fromkeys(known))
        self.n_known = len(self.keys)
        self.sort_known = sort_known
        self._seen = set(self.keys)
        self._value_set = pa.array(self.keys, type=pa.string())

    def encode(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Provisional code of each value (-1 for null)."""
        new = [v for v in pc.unique(values).drop_null().to_pylist() if v not in self._seen]
        if new:
            self.keys.extend(new)
            self._seen.update(new)
            self._value_set = pa.array(self.keys, type=pa.string())
        idx = pc.index_in(values, value_set=self._value_set)
        return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False)

    def finish(self) -> tuple[list[str], np.ndarray]:
        """``(final keys, remap)``: ``remap[provisional code]`` is the final code."""
        if self.sort_known:
            final = sorted(self.keys)
        else:
            final = self.keys[: self.n_known] + sorted(self.keys[self.n_known :])
        pos = {k: i for i, k in enumerate(final)}
        return final, np.array([pos[k] for k in self.keys], dtype=np.int64)


def _remap(codes: np.ndarray, remap: np.ndarray) -> None:
    """Replace provisional codes by final ones in place (-1 stays -1)."""
    if len(remap) and not np.array_equal(remap, np.arange(len(remap))):
        valid = codes >= 0
        codes[valid] = remap[codes[valid]]


def _stable_order(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, computed as one plain sort of packed keys.

    Each value is packed with its position (``(value - min) << bits | position``) so the keys
    are unique and a plain ``np.sort`` (SIMD-accelerated for int64) gives the stable order
    several times faster than a stable argsort; falls back to that when the keys would not
    fit in 63 bits.
    """
    n = len(values)
    if n < 2:
        return np.arange(n)
    lo = int(values.min())
    bits = max((n - 1).bit_length(), 1)
    if (int(values.max()) - lo).bit_length() + bits > 62:
        return np.argsort(values, kind="stable")
    key = ((values - lo) << bits) | np.arange(n, dtype=np.int64)
    key.sort()
    key &= (1 << bits) - 1
    return key


def _sort_rows(cols: dict[str, np.ndarray]) -> None:
    """Order the rows by (opportunity, time) in place; a no-op when they already are.

    The key ``opp << bits | (at - min)`` packs both into one int64 when it fits (one argsort,
    not a two-key lexsort). One comparison pass first checks whether the backend returned the
    rows in order already (DuckDB's parallel join usually does not: at 100M rows this sort is
    the largest single step of the load).
    """
    opp, at = cols["opp"], cols["at"]
    if len(at) < 2:
        return
    lo, span = int(at.min()), int(at.max()) - int(at.min()) + 1
    bits = max(span.bit_length(), 1)
    if int(opp.max()).bit_length() + bits <= 62:
        key = (opp.astype(np.int64) << bits) | (at - lo)
        if bool((key[1:] > key[:-1]).all()):
            return
        order = np.argsort(key)  # keys are unique, so any sort is the stable one
        del key
    else:  # pragma: no cover - more than 2^62 opportunity-seconds
        order = np.lexsort((at, opp))
    for name in list(cols):
        cols[name] = cols[name][order]


def load_history(store: Any, *, batch_rows: int = 1_000_000) -> History:
    """Pull the columns the forecasters need from ``store`` (any Ibis backend), once.

    The backend numbers the opportunities (``row_number`` over their IDs) and joins that code
    onto the history, so no ID string of the history travels; the rows then stream in batches
    of ``batch_rows`` and are encoded straight into compact numpy arrays (stage, owner and
    forecast category codes, seconds and days), so peak memory is the arrays themselves plus
    one batch, whatever the size of the history.
    """
    o = store.table("opportunities")
    pipeline = o.pipeline.fill_null("default")
    opps = (
        o.select("opportunity_id", "owner_id", "created_on", "currency", pipeline=pipeline)
        .order_by("opportunity_id")
        .to_pyarrow()
    )
    codes = o.select(
        o.opportunity_id,
        opp=ibis.row_number().over(order_by=o.opportunity_id),
        pipeline=pipeline,
        header_owner_id=o.owner_id,
    )
    t = store.table("opportunity_history")
    rows = t.join(codes, t.opportunity_id == codes.opportunity_id).select(
        codes.opp,
        t.changed_at,
        t.stage,
        codes.pipeline,
        t.close_date,
        t.forecast_category,
        owner_id=t.owner_id.coalesce(codes.header_owner_id),
        amount=t.amount.cast("float64"),
    )
    n = int(t.count().execute())
    stages = store.table("stages").to_pandas()
    fx = store.table("fx_rates").to_pandas()
    people = store.table("people").select("person_id").to_pyarrow().column("person_id")

    stage_codes = _Codes(
        [
            f"{p}\x1f{s}"
            for p, s in zip(stages.pipeline.fillna("default"), stages.stage, strict=True)
        ]
    )
    owner_codes = _Codes(
        people.drop_null().to_pylist() + pc.unique(opps.column("owner_id")).drop_null().to_pylist(),
        sort_known=True,
    )
    cols: dict[str, np.ndarray] = {
        "opp": np.empty(n, dtype=np.int32),
        "at": np.empty(n, dtype=np.int64),
        "stage": np.empty(n, dtype=np.int32),
        "amount": np.empty(n, dtype=np.float64),
        "close": np.empty(n, dtype=np.int64),
        "fcat": np.empty(n, dtype=np.int8),
        "owner": np.empty(n, dtype=np.int32),
    }
    k = 0
    for batch in arrow_batches(rows, batch_rows):
        m = batch.num_rows
        if not m:
            continue
        b = dict(zip(batch.schema.names, batch.columns, strict=True))
        part = slice(k, k + m)
        cols["opp"][part] = pc.cast(b["opp"], pa.int64()).to_numpy(zero_copy_only=False)
        cols["at"][part] = _seconds_arrow(b["changed_at"])
        key = pc.binary_join_element_wise(b["pipeline"], b["stage"], "\x1f")
        cols["stage"][part] = stage_codes.encode(key)
        cols["amount"][part] = pc.fill_null(b["amount"], 0.0).to_numpy(zero_copy_only=False)
        cols["close"][part] = _days_arrow(b["close_date"])
        cols["fcat"][part] = _index(b["forecast_category"], list(CATEGORIES))
        cols["owner"][part] = owner_codes.encode(b["owner_id"])
        k += m
    if k != n:  # rows of opportunities missing from the header (validation rejects them)
        cols = {name: v[:k].copy() for name, v in cols.items()}
    keys, stage_remap = stage_codes.finish()
    _remap(cols["stage"], stage_remap)
    people_ids, owner_remap = owner_codes.finish()
    _remap(cols["owner"], owner_remap)
    _sort_rows(cols)
    at, opp = cols["at"], cols["opp"]
    until = np.full(len(at), INF, dtype=np.int64)
    if len(at) > 1:
        same = opp[1:] == opp[:-1]
        until[:-1] = np.where(same, at[1:], INF)

    n_known = stage_codes.n_known
    is_closed = np.zeros(len(keys), dtype=bool)
    is_won = np.zeros(len(keys), dtype=bool)
    default_prob = np.full(len(keys), np.nan)
    is_closed[:n_known] = stages.is_closed.fillna(False).to_numpy(bool)
    is_won[:n_known] = stages.is_won.fillna(False).to_numpy(bool)
    default_prob[:n_known] = pd.to_numeric(stages.default_probability).to_numpy(float)

    currencies = sorted(set(pc.unique(opps.column("currency")).to_pylist()))
    fx_arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for cur, g in fx.groupby("currency"):
        if cur in currencies:
            g = g.sort_values("date")
            fx_arrays[currencies.index(cur)] = (_days(g.date), g.rate.to_numpy(float))
    assignments = store.table("assignments").to_pandas()
    for c in ("valid_from", "valid_to"):
        assignments[c] = pd.to_datetime(assignments[c])
    return History(
        opp_id_array=opps.column("opportunity_id").combine_chunks(),
        opp_created=_days_arrow(opps.column("created_on")),
        opp_currency=_index(opps.column("currency"), currencies),
        at=at,
        until=until,
        opp=opp,
        stage=cols["stage"],
        amount=cols["amount"],
        close=cols["close"],
        fcat=cols["fcat"],
        owner=cols["owner"],
        person_ids=people_ids,
        stage_names=[k.split("\x1f", 1)[1] for k in keys],
        is_closed=is_closed,
        is_won=is_won,
        default_prob=default_prob,
        currencies=currencies,
        fx=fx_arrays,
        reporting_currency=getattr(store, "reporting_currency", "EUR"),
        assignments=assignments,
        units=store.table("units").to_pandas(),
    )
