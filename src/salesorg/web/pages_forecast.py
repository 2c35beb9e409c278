"""The forecast with ranges in the browser and the API (``salesorg.forecast``).

For a period (``2026Q4`` or ``2026-11``), an as-of date and a method, the page shows P10 / P50
/ P90, booked and open pipeline for the groups in the caller's scope: the company (revops,
admin and anyone whose scope is everything), each unit they may see, and each person in their
scope. The model is fitted on the whole company's history (that is what makes stage
conversion estimates stable) but only rows in the scope are returned — the filter is applied
on the server before anything is rendered or serialised. Results are cached per
(period, as-of, method, grouping).
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from salesorg.cli._output import jsonable
from salesorg.errors import SalesorgError
from salesorg.report import Document, Note, TableBlock
from salesorg.store import Store
from salesorg.web.app import render, request_scope
from salesorg.web.auth import api_user, page_user
from salesorg.web.downloads import register_report
from salesorg.web.scope import Scope
from salesorg.web.users import User

__all__ = ["router"]

router = APIRouter()
TRIALS = 4000
COLUMNS = ("group", "p10", "p50", "p90", "mean", "booked", "open_pipeline", "method")


def _default_period(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _table(
    store: Store, period: str, as_of: dt.date | None, method: str, by: str
) -> tuple[pd.DataFrame, list[str]]:
    """The forecast table and the named warnings it raised (thin history, ...), shown to the
    user next to the figures rather than lost in a log."""
    from salesorg.forecast import forecast

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = forecast(store, period=period, as_of=as_of, by=by, method=method, trials=TRIALS)
    notes = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if not issubclass(w.category, (DeprecationWarning, FutureWarning))
    ]
    return frame, sorted(set(notes))


def scoped_forecast(
    request: Request | None,
    store: Store,
    scope: Scope,
    *,
    period: str,
    as_of: dt.date | None,
    method: str,
    cache: Any = None,
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows (``level``, ``group``, P10/P50/P90, ...) for the company, units and people in scope;
    the engine's warnings are appended to ``notes``."""

    def get(by: str) -> tuple[pd.DataFrame, list[str]]:
        key = ("forecast", period, as_of, method, by)
        if cache is None:
            return _table(store, period, as_of, method, by)
        return cache.get_or_compute(key, lambda: _table(store, period, as_of, method, by))

    out: list[dict[str, Any]] = []
    levels = [("company", "company")] if scope.everything else []
    levels += [("unit", "unit_id"), ("owner", "owner_id")]
    for by, key in levels:
        frame, found = get(by)
        if notes is not None:
            notes.extend(n for n in found if n not in notes)
        if key != "company" and not scope.everything:
            allowed = scope.unit_ids if by == "unit" else scope.person_ids
            frame = frame[frame[key].isin(allowed)]
        for r in frame.to_dict(orient="records"):
            row = {"level": by, "group": r.get(key, "company")}
            row |= {c: r.get(c) for c in COLUMNS if c != "group"}
            out.append(jsonable(row))
    return out


def _params(request: Request, period: str | None, as_of: str | None) -> tuple[str, dt.date | None]:
    day = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise HTTPException(400, f"{as_of!r} is not a date — use YYYY-MM-DD") from None
    return period or _default_period(day or request.app.state.today()), day


@router.get("/forecast", include_in_schema=False)
def forecast_page(
    request: Request,
    user: Annotated[User, Depends(page_user)],
    period: Annotated[str | None, Query(max_length=10)] = None,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    method: Annotated[str, Query(max_length=20)] = "markov",
) -> Response:
    from salesorg.forecast import METHODS

    per, day = _params(request, period, as_of)
    error, rows, notes = None, [], []
    if method not in METHODS:
        raise HTTPException(400, f"unknown method {method!r} — use one of {', '.join(METHODS)}")
    try:
        rows = scoped_forecast(
            request,
            request.app.state.pool.get(),
            request_scope(request, user),
            period=per,
            as_of=day,
            method=method,
            cache=request.app.state.cache,
            notes=notes,
        )
    except SalesorgError as exc:
        error = str(exc)
    query = f"period={per}&method={method}" + (f"&as_of={day.isoformat()}" if day else "")
    return render(
        request,
        "forecast.html",
        status_code=400 if error else 200,
        rows=rows,
        period=per,
        as_of=day,
        method=method,
        methods=METHODS,
        error=error,
        notes=notes,
        download_query=query,
    )


@router.get("/api/forecast", tags=["api"], summary="Forecast ranges for the groups in your scope")
def forecast_api(
    request: Request,
    user: Annotated[User, Depends(api_user)],
    period: Annotated[str | None, Query(max_length=10, description="2026Q4 or 2026-11")] = None,
    as_of: dt.date | None = None,
    method: Annotated[str, Query(max_length=20)] = "markov",
) -> dict[str, Any]:
    """``period``, ``as_of``, ``method`` and ``rows`` (``level``: company | unit | owner,
    ``group``, ``p10``, ``p50``, ``p90``, ``mean``, ``booked``, ``open_pipeline``) and
    ``warnings`` (the engine's named warnings, e.g. thin history)."""
    from salesorg.forecast import METHODS

    if method not in METHODS:
        raise HTTPException(400, f"unknown method {method!r} — use one of {', '.join(METHODS)}")
    per = period or _default_period(as_of or request.app.state.today())
    notes: list[str] = []
    try:
        rows = scoped_forecast(
            request,
            request.app.state.pool.get(),
            request_scope(request, user),
            period=per,
            as_of=as_of,
            method=method,
            cache=request.app.state.cache,
            notes=notes,
        )
    except SalesorgError as exc:
        raise HTTPException(400, str(exc)) from None
    return {"period": per, "as_of": as_of, "method": method, "rows": rows, "warnings": notes}


@register_report("forecast")
def forecast_report(store: Store, scope: Scope, as_of: dt.date, params: dict[str, str]) -> Document:
    period = params.get("period") or _default_period(as_of)
    method = params.get("method") or "markov"
    day = as_of
    notes: list[str] = []
    rows = scoped_forecast(None, store, scope, period=period, as_of=day, method=method, notes=notes)
    doc = Document(f"Forecast {period}", f"{scope.label} · method {method}")
    sec = doc.section("Ranges (P10 / P50 / P90)")
    for n in notes:
        sec.add(Note(n, "warning"))
    sec.add(
        Note(
            "P10/P50/P90: 8 in 10 outcomes fall between P10 and P90 if the model is right; "
            "see docs/forecasting.md for the method and its backtest",
            "assumption",
        )
    )
    frame = pd.DataFrame(rows, columns=["level", *COLUMNS])
    sec.add(
        TableBlock(
            "Forecast", frame, money=("p10", "p50", "p90", "mean", "booked", "open_pipeline")
        )
    )
    return doc
