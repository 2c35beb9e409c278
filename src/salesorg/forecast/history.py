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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    """

    opp_ids: np.ndarray
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
    def spells(self) -> dict[str, np.ndarray]:
        """Runs of consecutive rows of one opportunity in the same stage.

        ``row`` (first row index), ``opp``, ``stage``, ``start``, ``end`` (start of the next
        spell or INF), ``next_stage`` (-1 if none), ``amount`` (at the spell's start).
        """
        n = len(self.at)
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (self.opp[1:] != self.opp[:-1]) | (self.stage[1:] != self.stage[:-1])
        idx = np.flatnonzero(new)
        opp = self.opp[idx]
        nxt = np.full(len(idx), -1, dtype=np.int64)
        end = np.full(len(idx), INF, dtype=np.int64)
        same = np.zeros(len(idx), dtype=bool)
        if len(idx) > 1:
            same[:-1] = opp[1:] == opp[:-1]
        follower = np.flatnonzero(same)
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
    def spells_by_start(self) -> dict[str, np.ndarray]:
        """:attr:`spells` ordered by start time, so "known at t" is a prefix (a view)."""
        sp = self.spells
        order = np.argsort(sp["start"], kind="stable")
        return {k: v[order] for k, v in sp.items()}

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
        sp = self.full.spells
        k = np.searchsorted(sp["row"], rows, side="right") - 1
        return sp["start"][k]

    def known_spells(self) -> dict[str, np.ndarray]:
        """Spells started before the instant; ``end``/``next_stage`` hidden if not yet known."""
        sp = self.full.spells_by_start
        k = int(np.searchsorted(sp["start"], self.t, side="left"))
        out = {name: v[:k] for name, v in sp.items()}
        unknown = out["end"] >= self.t
        out["end"] = np.where(unknown, INF, out["end"])
        out["next_stage"] = np.where(unknown, -1, out["next_stage"])
        return out

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


def load_history(store: Any) -> History:
    """Pull the columns the forecasters need from ``store`` (any Ibis backend), once.

    Only the needed columns travel (amounts as float64); IDs are encoded to integer codes with
    Arrow's hash kernels, so ten million history rows load in seconds.
    """
    o = store.table("opportunities")
    opps = o.select(
        "opportunity_id",
        "owner_id",
        "created_on",
        "currency",
        pipeline=o.pipeline.fill_null("default"),
    ).to_pyarrow()
    opps = opps.take(pc.sort_indices(opps, [("opportunity_id", "ascending")]))
    t = store.table("opportunity_history")
    hist = t.select(
        "opportunity_id",
        "changed_at",
        "stage",
        "close_date",
        "forecast_category",
        "owner_id",
        amount=t.amount.cast("float64"),
    ).to_pyarrow()
    stages = store.table("stages").to_pandas()
    fx = store.table("fx_rates").to_pandas()
    opp_ids = np.asarray(opps.column("opportunity_id").to_pylist(), dtype=object)
    opp_code = _index(hist.column("opportunity_id"), opps.column("opportunity_id").combine_chunks())
    at = _seconds_arrow(hist.column("changed_at"))
    order = np.lexsort((at, opp_code))  # rows are permuted as numpy arrays below
    opp_code, at = opp_code[order], at[order]
    until = np.full(len(at), INF, dtype=np.int64)
    if len(at) > 1:
        same = opp_code[1:] == opp_code[:-1]
        until[:-1] = np.where(same, at[1:], INF)

    opp_unsorted = np.empty_like(opp_code)
    opp_unsorted[order] = opp_code
    pipe_row = pc.take(opps.column("pipeline"), pa.array(opp_unsorted))
    row_keys = pc.binary_join_element_wise(pipe_row, hist.column("stage"), "\x1f")
    stage_keys = [
        f"{p}\x1f{s}" for p, s in zip(stages.pipeline.fillna("default"), stages.stage, strict=True)
    ]
    code = _index(row_keys, stage_keys)
    extra: list[str] = []
    if (code < 0).any():
        unknown = pc.unique(pc.filter(row_keys, pa.array(code < 0))).to_pylist()
        extra = sorted(unknown)
        code[code < 0] = len(stage_keys) + _index(pc.filter(row_keys, pa.array(code < 0)), extra)
    keys = stage_keys + extra
    n_known = len(stage_keys)
    is_closed = np.zeros(len(keys), dtype=bool)
    is_won = np.zeros(len(keys), dtype=bool)
    default_prob = np.full(len(keys), np.nan)
    is_closed[:n_known] = stages.is_closed.fillna(False).to_numpy(bool)
    is_won[:n_known] = stages.is_won.fillna(False).to_numpy(bool)
    default_prob[:n_known] = pd.to_numeric(stages.default_probability).to_numpy(float)

    owner = pc.coalesce(
        hist.column("owner_id"), pc.take(opps.column("owner_id"), pa.array(opp_unsorted))
    )
    people = store.table("people").select("person_id").to_pyarrow().column("person_id")
    people_ids = sorted(
        set(people.to_pylist())
        | set(pc.unique(opps.column("owner_id")).drop_null().to_pylist())
        | set(pc.unique(owner).drop_null().to_pylist())
    )
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
        opp_ids=opp_ids,
        opp_created=_days_arrow(opps.column("created_on")),
        opp_currency=_index(opps.column("currency"), currencies),
        at=at,
        until=until,
        opp=opp_code,
        stage=code[order],
        amount=pc.fill_null(hist.column("amount"), 0.0).to_numpy(zero_copy_only=False)[order],
        close=_days_arrow(hist.column("close_date"))[order],
        fcat=_index(hist.column("forecast_category"), list(CATEGORIES))[order],
        owner=_index(owner, people_ids)[order],
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
