"""Outcome panels: one metric per person and week (or month), point-in-time from the store.

Every metric is built from :func:`salesorg.metrics.pit.opportunity_state` as of the report
date (amounts in the reporting currency, ``amount_rc``; owner as of then), and, for the
stage metrics, from ``opportunity_history`` up to that date, as pure Ibis expressions — the
same code runs on any Ibis backend. Only the final per person-period sums are pulled.

Each metric yields cells ``num / den`` (see :mod:`salesorg.impact.panel_arrays`) and a rule
for which week a deal counts in:

========================  =========================================  ===================
metric                    cell value                                 week of the deal
========================  =========================================  ===================
``win-rate``              won / closed deals                         close week
``win-rate-created``      won / closed deals                         creation week
``deal-size``             mean ``amount_rc`` of won deals            close week
``bookings``              sum ``amount_rc`` won (0 if none)          close week
``pipeline-created``      sum ``amount_rc`` of new deals (0 if none) creation week
``deal-cycle``            mean days created → closed, won deals      close week
``solution-share``        share of new deals with deal_type solution creation week
``share:COL=VALUE``       share of new deals with ``COL == VALUE``   creation week
``entry-stage``           mean ordinal of the first recorded stage   creation week
``early-stage-days``      mean days from creation to proposal stage  week proposal reached
``expr:EXPR``             mean of Ibis ``EXPR`` over closed deals    close week
========================  =========================================  ===================

``win-rate-created`` groups deals by the week they were created, so a programme that changes
how deals are worked from their start is not diluted by deals begun before it; recent weeks
count only the deals already closed by ``as_of`` (right-censored alike for both groups).

Weeks start on Monday (ISO weeks). Sums (bookings, pipeline) count every person-week of the
people in the panel as a cell, so a week without a deal is a real zero; ratios skip weeks
with no deal (``den = 0``). The last, unfinished period before ``as_of`` is left out. A deal's
owner is its owner as of ``as_of`` (a reassigned deal counts for the new owner).

The proposal stage is the first open stage whose name contains "propos" (else the open stage
in the middle of the stage order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from salesorg.errors import ConfigError
from salesorg.metrics.pit import (
    as_of_instant,
    history_with_header_copies,
    opportunity_state,
    to_date,
)

__all__ = ["METRICS", "Metric", "metric", "outcome_panel", "period_grid"]


@dataclass(frozen=True)
class Metric:
    """An outcome: which deals, which value, which date, and whether cells are sums or means.

    ``cells(store, as_of)`` returns an Ibis table ``owner_id, day, num, den`` (one row per
    deal); ``kind`` is ``mean`` (cells ``sum num / sum den``) or ``sum`` (every person-period
    is a cell, ``den = 1``). ``unit`` is ``share``, ``money``, ``days`` or ``stage``.
    """

    name: str
    doc: str
    unit: str
    kind: str
    cells: Callable[..., ibis.Table]


def _cells(s: ibis.Table, *, day: ibis.Value, num: ibis.Value, den: float) -> ibis.Table:
    """One row per deal in the shape every metric returns: ``owner_id, day, num, den``."""
    return s.select(s.owner_id, day=day, num=num, den=ibis.literal(den))


def _state(store, as_of) -> ibis.Table:
    return opportunity_state(store, as_of)


def _closed(store, as_of) -> ibis.Table:
    s = _state(store, as_of)
    return s.filter(s.is_closed & s.close_date.notnull())


def _won(store, as_of) -> ibis.Table:
    s = _state(store, as_of)
    return s.filter(s.is_won & s.close_date.notnull())


def _days(a, b):
    return a.cast("date").delta(b.cast("date"), unit="day")


def _win_rate(store, as_of):
    s = _closed(store, as_of)
    return _cells(s, day=s.close_date.cast("date"), num=s.is_won.cast("float64"), den=1.0)


def _win_rate_created(store, as_of):
    s = _closed(store, as_of)
    return _cells(s, day=s.created_on.cast("date"), num=s.is_won.cast("float64"), den=1.0)


def _deal_size(store, as_of):
    s = _won(store, as_of)
    return _cells(s, day=s.close_date.cast("date"), num=s.amount_rc.cast("float64"), den=1.0)


def _bookings(store, as_of):
    s = _won(store, as_of)
    return _cells(s, day=s.close_date.cast("date"), num=s.amount_rc.cast("float64"), den=0.0)


def _pipeline_created(store, as_of):
    s = _state(store, as_of)
    return _cells(s, day=s.created_on.cast("date"), num=s.amount_rc.cast("float64"), den=0.0)


def _deal_cycle(store, as_of):
    s = _won(store, as_of)
    return _cells(
        s,
        day=s.close_date.cast("date"),
        num=_days(s.close_date, s.created_on).cast("float64"),
        den=1.0,
    )


def _share(column: str, value: str):
    def build(store, as_of):
        s = _state(store, as_of)
        if column not in s.columns:
            raise ConfigError(
                f"share:{column}={value}: no column {column!r} — use one of {', '.join(s.columns)}"
            )
        hit = (s[column].cast("string") == value).fill_null(False)
        return s.select(
            s.owner_id,
            day=s.created_on.cast("date"),
            num=hit.cast("float64"),
            den=ibis.literal(1.0),
        )

    return build


def _history(store, as_of) -> ibis.Table:
    """History rows known by ``as_of`` with the stage ordinal and openness."""
    h = history_with_header_copies(store)  # the row's pipeline without a header join
    h = h.filter(h.changed_at < ibis.literal(as_of_instant(as_of)))
    st = store.table("stages")
    return h.join(st, (h.pipeline == st.pipeline) & (h.stage == st.stage)).select(
        h.opportunity_id, h.changed_at, h.pipeline, st.ordinal, st.is_closed
    )


def _entry_stage(store, as_of):
    h = _history(store, as_of)
    first = h.group_by("opportunity_id").aggregate(first_at=h.changed_at.min())
    f = h.join(first, (h.opportunity_id == first.opportunity_id) & (h.changed_at == first.first_at))
    f = f.select(oid=h.opportunity_id, entry_ordinal=h.ordinal)
    s = _state(store, as_of)
    j = s.join(f, s.opportunity_id == f.oid)
    return _cells(j, day=j.created_on.cast("date"), num=j.entry_ordinal.cast("float64"), den=1.0)


def _proposal_ordinals(store) -> ibis.Table:
    st = store.table("stages")
    df = st.execute()
    rows = []
    for pipe, g in df.groupby("pipeline"):
        open_ = g[~g.is_closed.astype(bool)].sort_values("ordinal")
        if open_.empty:
            continue
        hit = open_[open_.stage.str.lower().str.contains("propos")]
        ordinal = int(hit.ordinal.iloc[0]) if len(hit) else int(open_.ordinal.iloc[len(open_) // 2])
        rows.append((pipe, ordinal))
    return ibis.memtable(
        pd.DataFrame(rows, columns=["pipeline", "proposal_ordinal"]),
        schema={"pipeline": "string", "proposal_ordinal": "int64"},
    )


def _early_stage_days(store, as_of):
    h = _history(store, as_of)
    prop = _proposal_ordinals(store)
    hp = h.join(prop, h.pipeline == prop.pipeline)
    reached = hp.filter((hp.ordinal >= hp.proposal_ordinal) & ~hp.is_closed)
    first = reached.group_by("opportunity_id").aggregate(reached_at=reached.changed_at.min())
    s = _state(store, as_of)
    j = s.join(first, s.opportunity_id == first.opportunity_id)
    day = j.reached_at.cast("date")
    return j.select(
        j.owner_id, day=day, num=_days(day, j.created_on).cast("float64"), den=ibis.literal(1.0)
    )


def _expr(text: str):
    """A user metric: an Ibis expression over the closed deals' columns, e.g.
    ``amount_rc * (deal_type == 'solution').cast('float64')``.

    The text is evaluated as Python with only the deal columns and ``ibis`` in scope (no
    builtins). It runs with the rights of the person at the command line; the web app must
    never pass user text here.
    """

    def build(store, as_of):
        s = _closed(store, as_of)
        scope = {c: s[c] for c in s.columns}
        scope["ibis"] = ibis
        try:
            value = eval(text, {"__builtins__": {}}, scope)
            return s.select(
                s.owner_id,
                day=s.close_date.cast("date"),
                num=value.cast("float64"),
                den=ibis.literal(1.0),
            )
        except Exception as exc:
            raise ConfigError(
                f"expr:{text}: not a valid Ibis expression over deals ({exc}) — use the columns "
                f"{', '.join(s.columns)}, e.g. expr:amount_rc * (deal_type == 'solution').cast('float64')"
            ) from exc

    return build


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("win-rate", "won / closed deals, by close week", "share", "mean", _win_rate),
        Metric(
            "win-rate-created",
            "won / closed deals, by creation week (deals begun after the start)",
            "share",
            "mean",
            _win_rate_created,
        ),
        Metric("deal-size", "mean amount of won deals, by close week", "money", "mean", _deal_size),
        Metric("bookings", "amount won per person-period", "money", "sum", _bookings),
        Metric(
            "pipeline-created",
            "amount of new deals per person-period",
            "money",
            "sum",
            _pipeline_created,
        ),
        Metric(
            "deal-cycle", "days from creation to close of won deals", "days", "mean", _deal_cycle
        ),
        Metric(
            "solution-share",
            "share of new deals with deal_type 'solution'",
            "share",
            "mean",
            _share("deal_type", "solution"),
        ),
        Metric(
            "entry-stage",
            "ordinal of the first recorded stage of new deals (lower = earlier)",
            "stage",
            "mean",
            _entry_stage,
        ),
        Metric(
            "early-stage-days",
            "days from creation to the proposal stage",
            "days",
            "mean",
            _early_stage_days,
        ),
    )
}


#: Names of ``salesorg metrics`` that mean the same outcome here.
ALIASES = {"cycle-time": "deal-cycle"}


def metric(name: str) -> Metric:
    """Look up a metric by name; ``share:COL=VALUE`` and ``expr:EXPR`` build one on the fly."""
    name = ALIASES.get(name, name)
    if name in METRICS:
        return METRICS[name]
    if name.startswith("share:") and "=" in name:
        col, val = name.removeprefix("share:").split("=", 1)
        return Metric(
            name,
            f"share of new deals with {col} == {val!r}",
            "share",
            "mean",
            _share(col.strip(), val.strip()),
        )
    if name.startswith("expr:"):
        text = name.removeprefix("expr:")
        return Metric(name, f"mean of {text} over closed deals", "value", "mean", _expr(text))
    raise ConfigError(
        f"unknown metric {name!r} — use one of {', '.join(METRICS)}, share:COL=VALUE or expr:IBIS_EXPRESSION"
    )


def period_grid(first: dt.date, as_of: dt.date, freq: str) -> np.ndarray:
    """Period starts from the period holding ``first`` to the last period complete by ``as_of``."""
    if freq == "week":
        start = first - dt.timedelta(days=first.weekday())
        end_excl = as_of + dt.timedelta(days=1)
        n = (end_excl - start).days // 7
        return np.datetime64(start, "D") + 7 * np.arange(max(n, 0))
    if freq == "month":
        months = pd.period_range(pd.Period(first, "M"), pd.Period(as_of, "M"), freq="M")
        last_complete = (as_of + dt.timedelta(days=1)).day == 1
        if not last_complete:
            months = months[:-1]
        return np.array([p.start_time.date() for p in months], dtype="datetime64[D]")
    raise ConfigError(f"--freq must be week or month, not {freq!r}")


def outcome_panel(
    store,
    name: str | Metric,
    *,
    as_of: dt.date | str,
    freq: str = "week",
    since: dt.date | str | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Long rows ``unit, period, num, den`` of metric ``name`` and the period grid.

    ``since`` drops deals dated before it (default: the first dated deal).
    """
    m = name if isinstance(name, Metric) else metric(name)
    as_of = to_date(as_of)
    cells = m.cells(store, as_of)
    cells = cells.filter(cells.day.notnull() & (cells.day <= ibis.literal(as_of)))
    if since is not None:
        cells = cells.filter(cells.day >= ibis.literal(to_date(since)))
    unit = "W" if freq == "week" else "M"
    if freq not in ("week", "month"):
        raise ConfigError(f"--freq must be week or month, not {freq!r}")
    agg = (
        cells.mutate(period=cells.day.truncate(unit))
        .group_by(["owner_id", "period"])
        .aggregate(num=cells.num.sum(), den=cells.den.sum())
    )
    df = agg.execute().rename(columns={"owner_id": "unit"})
    if df.empty:
        return df.assign(period=pd.Series(dtype="datetime64[ns]")), np.array(
            [], dtype="datetime64[D]"
        )
    df["period"] = pd.to_datetime(df["period"]).astype("datetime64[ns]")
    first = to_date(since) if since is not None else df["period"].min().date()
    grid = period_grid(first, as_of, freq)
    df = df[df["period"].isin(pd.to_datetime(grid))]
    if m.kind == "sum":
        df = _fill_grid(store, df, grid)
    return df.reset_index(drop=True), grid


def _fill_grid(store, df: pd.DataFrame, grid: np.ndarray) -> pd.DataFrame:
    """Every person-period of the people seen (within their hire/leave dates) is a cell."""
    people = store.table("people").select("person_id", "hired_on", "left_on").execute()
    people = people[people.person_id.isin(set(df.unit))]
    periods = pd.to_datetime(grid)
    full = people.merge(pd.DataFrame({"period": periods}), how="cross")
    hired = pd.to_datetime(full.hired_on)
    left = pd.to_datetime(full.left_on)
    alive = (hired.isna() | (hired <= full.period + pd.Timedelta(days=6))) & (
        left.isna() | (left > full.period)
    )
    full = full[alive].rename(columns={"person_id": "unit"})[["unit", "period"]]
    out = full.merge(df[["unit", "period", "num"]], on=["unit", "period"], how="left")
    out["num"] = out["num"].fillna(0.0)
    out["den"] = 1.0
    return out
