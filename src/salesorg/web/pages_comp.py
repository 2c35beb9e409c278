"""Commission statements in the browser (``salesorg.comp``), limited to the caller's scope.

``/comp?period=2026Q3`` computes the payout run for the period (cached per period) and keeps
only the statements of people in the caller's scope and the cost-of-sales rows of units in it,
before the statement document (:func:`salesorg.comp.statement_document`) is built; the page
shows it and offers it as HTML, PDF and Excel (``/download/comp.{fmt}?period=...``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from salesorg.errors import SalesorgError
from salesorg.report import Document
from salesorg.store import Store
from salesorg.web.app import render, request_scope
from salesorg.web.auth import page_user
from salesorg.web.docview import document_context
from salesorg.web.downloads import current_cache, register_report
from salesorg.web.scope import Scope
from salesorg.web.users import User

__all__ = ["router", "scoped_run"]

router = APIRouter(include_in_schema=False)


def _default_period(day: dt.date) -> str:
    q = (day.month - 1) // 3  # the last complete quarter
    return f"{day.year - 1}Q4" if q == 0 else f"{day.year}Q{q}"


def scoped_run(store: Store, scope: Scope, period: str, cache: Any = None) -> Any:
    """The payout run of ``period`` with only the statements and units in ``scope``."""
    from salesorg.comp import payouts

    run = (
        payouts(store, period)
        if cache is None
        else cache.get_or_compute(("comp", period), lambda: payouts(store, period))
    )
    if scope.everything:
        return run
    return dataclasses.replace(
        run,
        statements=[s for s in run.statements if scope.allows_person(s.person_id)],
        units=[u for u in run.units if scope.allows_unit(u.get("unit_id"))],
    )


@router.get("/comp")
def comp_page(
    request: Request,
    user: Annotated[User, Depends(page_user)],
    period: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    from salesorg.comp import statement_document

    per = period or _default_period(request.app.state.today())
    store = request.app.state.pool.get()
    scope = request_scope(request, user)
    document, error = None, None
    try:
        run = scoped_run(store, scope, per, request.app.state.cache)
        document = document_context(statement_document(run))
    except SalesorgError as exc:
        error = str(exc)
    return render(
        request,
        "comp.html",
        status_code=400 if error else 200,
        period=per,
        document=document,
        error=error,
        download_query=f"period={per}",
    )


@register_report("comp")
def comp_report(store: Store, scope: Scope, as_of: dt.date, params: dict[str, str]) -> Document:
    from salesorg.comp import statement_document

    period = params.get("period") or _default_period(as_of)
    try:
        return statement_document(scoped_run(store, scope, period, current_cache.get()))
    except SalesorgError as exc:
        raise HTTPException(400, str(exc)) from None
