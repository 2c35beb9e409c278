"""Report downloads: every page's report as HTML, PDF or Excel via :func:`salesorg.report.write`.

A download is ``GET /download/{report}.{html|pdf|xlsx}?as_of=...`` (plus the page's own
parameters); :data:`REPORTS` maps a report name to a function building its
:class:`~salesorg.report.Document` for the caller's scope, so the file holds exactly what the
page shows. Engine pages register their builders with :func:`register_report`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from salesorg.report import Document, Kpi, KpiBlock, Note, TableBlock, write
from salesorg.store import Store
from salesorg.web.app import request_scope
from salesorg.web.auth import page_user
from salesorg.web.queries import opportunity_page, org_chart, reporting_currency, scope_summary
from salesorg.web.scope import Scope
from salesorg.web.users import User

__all__ = ["MEDIA", "REPORTS", "register_report", "router"]

#: A builder: (store, scope, as_of, query parameters) -> Document
Builder = Callable[[Store, Scope, dt.date, dict[str, str]], Document]
REPORTS: dict[str, Builder] = {}
#: the app's result cache during a download, so builders can reuse what the page computed
current_cache: contextvars.ContextVar[Any] = contextvars.ContextVar("current_cache", default=None)
MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 10_000

router = APIRouter(include_in_schema=False)


def register_report(name: str) -> Callable[[Builder], Builder]:
    def deco(fn: Builder) -> Builder:
        REPORTS[name] = fn
        return fn

    return deco


def document_response(doc: Document, fmt: str, filename: str) -> Response:
    """Render ``doc`` to ``fmt`` and send it as an attachment."""
    if fmt not in MEDIA:
        raise HTTPException(404, f"unknown format {fmt!r} — use html, pdf or xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        path = write(doc, Path(tmp) / f"report.{fmt}")
        body = path.read_bytes()
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


@router.get("/download/{report}.{fmt}")
def download(
    request: Request,
    report: str,
    fmt: str,
    user: User = Depends(page_user),
    as_of: str | None = None,
) -> Response:
    from salesorg.web.pages import parse_as_of

    builder = REPORTS.get(report)
    if builder is None:
        raise HTTPException(404, f"no report {report!r}")
    day = parse_as_of(request, as_of)
    store = request.app.state.pool.get()
    params = {k: v for k, v in request.query_params.items() if k != "as_of"}
    token = current_cache.set(request.app.state.cache)
    try:
        doc = builder(store, request_scope(request, user), day, params)
    finally:
        current_cache.reset(token)
    return document_response(doc, fmt, f"{report}-{day.isoformat()}")


@register_report("opportunities")
def opportunities_report(
    store: Store, scope: Scope, as_of: dt.date, params: dict[str, str]
) -> Document:
    """The opportunities in scope as of a date (at most :data:`MAX_ROWS`), with headline totals."""
    currency = reporting_currency(store)
    q = params.get("q") or None
    open_only = params.get("open_only") == "true"
    rows, total = opportunity_page(
        store, scope, as_of=as_of, limit=MAX_ROWS, q=q, open_only=open_only
    )
    s = scope_summary(store, scope, as_of=as_of)
    doc = Document("Opportunities", f"{scope.label} · as of {as_of.isoformat()} · {currency}")
    sec = doc.section("Summary")
    sec.add(
        KpiBlock(
            (
                Kpi("Open deals", s["open_count"]),
                Kpi("Open pipeline", s["open_amount"], currency),
                Kpi("Won deals", s["won_count"]),
                Kpi("Won amount", s["won_amount"], currency),
            )
        )
    )
    frame = pd.DataFrame(rows, columns=_OPP_COLS)
    sec = doc.section("Opportunities")
    if total > len(rows):
        sec.add(Note(f"first {len(rows):,} of {total:,} shown — use the API for all", "warning"))
    sec.add(TableBlock("Opportunities", frame, money=("amount", "amount_rc")))
    return doc


_OPP_COLS = [
    "opportunity_id",
    "name",
    "owner_id",
    "stage",
    "amount",
    "currency",
    "amount_rc",
    "close_date",
]


@register_report("people")
def people_report(store: Store, scope: Scope, as_of: dt.date, params: dict[str, Any]) -> Document:
    """The org chart in scope: one row per person with unit and span of control."""
    units = org_chart(store, scope, as_of=as_of)
    rows = [
        {
            "unit": u["name"],
            "kind": u["kind"],
            "person_id": m["person_id"],
            "name": m["name"],
            "role": m["role"],
            "manager_id": m["manager_id"],
            "span": m["span"],
        }
        for u in units
        for m in u["members"]
    ]
    frame = pd.DataFrame(
        rows, columns=["unit", "kind", "person_id", "name", "role", "manager_id", "span"]
    )
    doc = Document("People and spans", f"{scope.label} · as of {as_of.isoformat()}")
    spans = frame.loc[frame.span > 0, "span"]
    sec = doc.section("Spans of control")
    sec.add(
        KpiBlock(
            (
                Kpi("People", len(frame)),
                Kpi("Managers", len(spans)),
                Kpi("Mean span", round(float(spans.mean()), 1) if len(spans) else None),
            )
        )
    )
    sec.add(
        Note("benchmark: mean span 8.5 direct reports, range 2–38 (Alexander Group)", "assumption")
    )
    sec.add(TableBlock("People", frame))
    return doc
