"""Forecast calls: a manager's number for their unit, or a category per deal, with a comment.

Overrides are append-only rows of ``forecast_overrides``: a new call on the same unit and
period (and deal) *supersedes* the earlier one, which stays as history; each write is audited
(``store.audit``). A call applies from its ``created_at`` on, so forecasts and backtests as of
an earlier date do not see it (point-in-time, like everything else).

Roll-up: a unit's call is its own override if it has one, otherwise its computed forecast with
each child unit's computed figure replaced by the child's call — so a team lead's number flows
into the region and the company without anyone retyping it:

    call(U) = override(U)                                  if U has one
            = computed(U) − Σ_c computed(c) + Σ_c call(c)  otherwise (c: child units of U)

Calls are measured, not trusted: :func:`backtest_overrides` compares each call with the
computed P50 as of the same moment and with what was booked in the end.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from salesorg.errors import ConfigError, NotFoundError
from salesorg.forecast._base import build_groups
from salesorg.forecast._period import parse_period
from salesorg.forecast.api import make_forecaster
from salesorg.forecast.history import History, day_number, load_history
from salesorg.metrics.pit import as_of_instant
from salesorg.model import FORECAST_CATEGORIES

__all__ = [
    "add_override",
    "backtest_overrides",
    "current_overrides",
    "list_overrides",
    "rollup_with_overrides",
]

COLUMNS = [
    "override_id",
    "holder_id",
    "period",
    "opportunity_id",
    "amount",
    "category",
    "comment",
    "author",
    "created_at",
    "supersedes",
]


def _exists(store: Any, table: str, column: str, value: str) -> bool:
    t = store.table(table)
    return int(t.filter(t[column] == value).count().execute()) > 0


def add_override(
    store: Any,
    *,
    unit_id: str,
    period: str,
    comment: str,
    author: str,
    created_at: dt.datetime,
    amount: float | Decimal | None = None,
    opportunity_id: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """Record a call (``amount`` for the unit, or ``category`` for ``opportunity_id``).

    Raises:
        ConfigError: neither or both kinds of call, a bad category or a negative amount.
        NotFoundError: unknown unit or opportunity.
    """
    p = parse_period(period)
    if (amount is None) == (category is None):
        raise ConfigError(
            "give either --amount X (a number for the unit) or --opportunity ID --category C"
        )
    if category is not None:
        if opportunity_id is None:
            raise ConfigError("--category needs --opportunity ID (the deal it is for)")
        if category not in FORECAST_CATEGORIES:
            raise ConfigError(
                f"--category {category!r} is not one of {', '.join(FORECAST_CATEGORIES)}"
            )
        if not _exists(store, "opportunities", "opportunity_id", opportunity_id):
            raise NotFoundError(f"opportunity {opportunity_id!r} not found — check the ID")
    elif opportunity_id is not None:
        raise ConfigError("--opportunity goes with --category, not with --amount")
    if amount is not None and Decimal(str(amount)) < 0:
        raise ConfigError(f"--amount {amount} is negative — a call is an amount ≥ 0")
    if not _exists(store, "units", "unit_id", unit_id):
        raise NotFoundError(f"unit {unit_id!r} not found — see `salesorg org show` for unit IDs")
    existing = list_overrides(store)
    same = existing[
        (existing.holder_id == unit_id)
        & (existing.period == p.label)
        & (existing.opportunity_id.fillna("") == (opportunity_id or ""))
    ]
    row = {
        "override_id": f"ovr-{len(existing) + 1:06d}",
        "holder_id": unit_id,
        "period": p.label,
        "opportunity_id": opportunity_id,
        "amount": None if amount is None else Decimal(str(amount)).quantize(Decimal("0.01")),
        "category": category,
        "comment": comment,
        "author": author,
        "created_at": created_at,
        "supersedes": same.sort_values("created_at").override_id.iloc[-1] if len(same) else None,
    }
    with store.transaction():
        store.insert_frame("forecast_overrides", pd.DataFrame([row]))
        detail = {k: (str(v) if v is not None else None) for k, v in row.items()}
        store.audit(author, "forecast.override", f"{unit_id}/{p.label}", json.dumps(detail))
    return row


def list_overrides(
    store: Any, *, period: str | None = None, unit_id: str | None = None
) -> pd.DataFrame:
    """Every call ever made (history included), oldest first, optionally filtered."""
    df = store.table("forecast_overrides").to_pandas()
    df = df.reindex(columns=COLUMNS)
    if period is not None:
        df = df[df.period == parse_period(period).label]
    if unit_id is not None:
        df = df[df.holder_id == unit_id]
    return df.sort_values(["created_at", "override_id"]).reset_index(drop=True)


def current_overrides(overrides: pd.DataFrame, as_of: dt.date | str) -> pd.DataFrame:
    """The calls in force at the end of ``as_of``: the latest per unit, period and deal."""
    if overrides.empty:
        return overrides
    o = overrides[pd.to_datetime(overrides.created_at) < pd.Timestamp(as_of_instant(as_of))]
    o = o.assign(_deal=o.opportunity_id.fillna(""))
    o = (
        o.sort_values(["created_at", "override_id"])
        .groupby(["holder_id", "period", "_deal"], as_index=False)
        .tail(1)
    )
    return o.drop(columns="_deal").reset_index(drop=True)


def rollup_with_overrides(
    computed: pd.DataFrame, overrides: pd.DataFrame, units: pd.DataFrame, *, value: str = "p50"
) -> pd.DataFrame:
    """Calls per unit: overrides where given, the computed roll-up with children's calls else.

    ``computed`` is a ``by="unit"`` forecast (rolled-up units); ``overrides`` the calls in force
    for one period (see :func:`current_overrides`). Returns ``unit_id``, ``computed``, ``call``,
    ``source`` (``override``, ``rollup`` or ``computed``), ``override_id``, ``author``,
    ``comment``.
    """
    comp = dict(zip(computed.unit_id, computed[value].astype(float), strict=True))
    amounts = overrides[overrides.opportunity_id.isna() & overrides.amount.notna()]
    ovr = {r.holder_id: r for r in amounts.itertuples()}
    children: dict[str, list[str]] = {}
    for u, parent in zip(units.unit_id, units.parent_unit_id, strict=True):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(u)
    memo: dict[str, tuple[float, str]] = {}

    def call(u: str) -> tuple[float, str]:
        if u in memo:
            return memo[u]
        if u in ovr:
            memo[u] = (float(ovr[u].amount), "override")
            return memo[u]
        total, source = comp.get(u, 0.0), "computed"
        for c in children.get(u, []):
            v, s = call(c)
            if s != "computed":
                total += v - comp.get(c, 0.0)
                source = "rollup"
        memo[u] = (total, source)
        return memo[u]

    rows = []
    for u in computed.unit_id:
        v, s = call(u)
        o = ovr.get(u)
        rows.append(
            {
                "unit_id": u,
                "computed": round(comp[u], 2),
                "call": round(v, 2),
                "source": s,
                "override_id": getattr(o, "override_id", None),
                "author": getattr(o, "author", None),
                "comment": getattr(o, "comment", None),
            }
        )
    return pd.DataFrame(rows)


def backtest_overrides(
    source: Any, *, method: str = "markov", trials: int = 2_000, seed: int = 0
) -> pd.DataFrame:
    """Each amount call on an ended period vs the computed P50 then and the actual outcome.

    One row per call: ``override_id``, ``unit_id``, ``period``, ``as_of`` (the day it was
    made), ``call``, ``computed_p50``, ``actual``, ``call_error`` and ``computed_error``
    (absolute). WAPE of calls vs computed is ``Σ|error| / Σ actual`` over the rows.
    """
    history = source if isinstance(source, History) else load_history(source)
    store_o = (
        source.table("forecast_overrides").to_pandas() if not isinstance(source, History) else None
    )
    if store_o is None or store_o.empty:
        return pd.DataFrame(
            columns=[
                "override_id",
                "unit_id",
                "period",
                "as_of",
                "call",
                "computed_p50",
                "actual",
                "call_error",
                "computed_error",
            ]
        )
    last = history.last_day
    final = history.known_at(last)
    rows = []
    amounts = store_o[store_o.opportunity_id.isna() & store_o.amount.notna()]
    for r in amounts.itertuples():
        p = parse_period(r.period)
        if p.end > last:
            continue
        day = pd.Timestamp(r.created_at).date()
        view = history.known_at(day)
        f = make_forecaster(method, trials=trials, seed=seed).fit(view).predict(p, by="unit")
        f = f.set_index("unit_id")
        if r.holder_id not in f.index:
            continue
        groups = build_groups(final, "unit")
        st = final.state
        won = history.is_won[st["stage"]]
        close = st["close"]
        wday = np.where(close < -(10**9), st["stage_since"] // 86400, close)
        m = won & (wday >= day_number(p.start)) & (wday <= day_number(p.end))
        amt = view.rc(history.amount[st["row"][m]], st["opp"][m])
        col = groups.labels.index(r.holder_id) if r.holder_id in groups.labels else None
        actual = (
            float(np.asarray(groups.rows(st["opp"][m])[:, col].T @ amt).ravel().sum())
            if col is not None
            else 0.0
        )
        call = float(r.amount)
        comp = float(f.loc[r.holder_id, "p50"])
        rows.append(
            {
                "override_id": r.override_id,
                "unit_id": r.holder_id,
                "period": p.label,
                "as_of": day,
                "call": call,
                "computed_p50": comp,
                "actual": round(actual, 2),
                "call_error": round(abs(call - actual), 2),
                "computed_error": round(abs(comp - actual), 2),
            }
        )
    return pd.DataFrame(rows)
