"""The weekly review in the browser and the API (``salesorg.review``), per unit in the scope.

A review is computed for a unit (:func:`salesorg.review.run_review`); the page offers the
units the user may see (their scope's units, or the company for revops/admin), drills down to
the units below, lists the exceptions (most material first) with links to each opportunity,
and shows the review pack (KPIs, bridge, charts) as the CLI writes it. An AM outside a cell
has no unit of their own: they get the changes and exceptions of their own deals only (the
unit's figures are computed but never sent). Reviews are cached per (unit, as-of, since).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from salesorg.report import Document, Note, TableBlock
from salesorg.store import Store
from salesorg.web.app import cached_page, render, request_scope
from salesorg.web.auth import api_user, page_user
from salesorg.web.docview import document_context
from salesorg.web.downloads import current_cache, register_report
from salesorg.web.pages import parse_date
from salesorg.web.scope import Scope
from salesorg.web.users import User

__all__ = ["router"]

router = APIRouter(include_in_schema=True)
EXCEPTION_COLUMNS = (
    "opportunity_id",
    "name",
    "owner_id",
    "flags",
    "amount_before",
    "amount_after",
    "stage_before",
    "stage_after",
    "close_date_before",
    "close_date_after",
    "reason",
)


def _units(store: Store, cache: Any = None) -> dict[str, tuple[str, str, str | None]]:
    """unit_id -> (name, kind, parent); through ``cache`` (cleared after writes) when given."""

    def read() -> dict[str, tuple[str, str, str | None]]:
        u = store.con.execute("SELECT unit_id, name, kind, parent_unit_id FROM units").fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in u}

    return read() if cache is None else cache.get_or_compute(("units",), read)


def _allowed(scope: Scope, units: dict[str, tuple[str, str, str | None]]) -> list[str | None]:
    """Units this scope may review, top ones first (``None`` = the company)."""
    if scope.everything:
        return [None, *sorted(units)]
    mine = [u for u in units if u in scope.unit_ids]
    roots = sorted(u for u in mine if units[u][2] not in scope.unit_ids)
    return roots + sorted(set(mine) - set(roots))


def _resolve(
    request: Request, user: User, unit: str | None
) -> tuple[Scope, dict[str, Any], str | None, bool]:
    """(scope, units, unit to review, own-deals-only mode); 404 for a unit outside the scope."""
    scope = request_scope(request, user)
    store = request.app.state.pool.get()
    units = _units(store, request.app.state.cache)
    allowed = _allowed(scope, units)
    if unit:
        if unit not in allowed:
            raise HTTPException(404, f"no unit {unit!r} in your scope")
        return scope, units, unit, False
    if allowed:
        return scope, units, allowed[0], False
    if user.role == "am" and user.person_id:
        line = store.con.execute(
            "SELECT unit_id FROM assignments WHERE person_id = ? AND valid_from <= ? "
            "AND (valid_to IS NULL OR valid_to > ?) ORDER BY valid_from DESC",
            [user.person_id, request.app.state.today(), request.app.state.today()],
        ).fetchall()
        if line:
            return scope, units, line[0][0], True
    raise HTTPException(404, "you have no unit to review — ask an admin to link you to a person")


def _review(request: Request, unit: str | None, as_of: dt.date | None, since: dt.date | None):
    from salesorg.review import default_as_of, run_review

    store = request.app.state.pool.get()
    day = as_of or default_as_of(store, request.app.state.today())
    key = ("review", unit, day, since)
    return request.app.state.cache.get_or_compute(
        key, lambda: run_review(store, day, since, unit_id=unit)
    )


def _own(frame: pd.DataFrame, person: str | None) -> pd.DataFrame:
    return frame[frame["owner_id"] == person]


def _exceptions(review: Any, own: str | None) -> list[dict[str, Any]]:
    from salesorg.cli._output import jsonable

    ex = review.exceptions if own is None else _own(review.exceptions, own)
    return [
        {c: jsonable(r.get(c)) for c in EXCEPTION_COLUMNS} for r in ex.to_dict(orient="records")
    ]


@router.get("/review", include_in_schema=False)
def review_page(
    request: Request,
    user: Annotated[User, Depends(page_user)],
    as_of: str | None = None,
    since: str | None = None,
    unit: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    return cached_page(
        request,
        user,
        request_scope(request, user),
        lambda: _review_page(request, user, as_of, since, unit),
    )


def _review_page(
    request: Request, user: User, as_of: str | None, since: str | None, unit: str | None
) -> Response:
    from salesorg.review import review_pack

    scope, units, unit_id, own = _resolve(request, user, unit)
    review = _review(request, unit_id, parse_date(as_of), parse_date(since))
    children = [
        u
        for u, (_, _, parent) in sorted(units.items())
        if parent == unit_id and not own and (scope.everything or u in scope.unit_ids)
    ]
    if unit_id is None:
        children = [u for u, (_, _, parent) in sorted(units.items()) if parent is None]
    crumbs = []
    u = unit_id
    while u is not None and (scope.everything or u in scope.unit_ids):
        crumbs.insert(0, (u, units[u][0]))
        u = units[u][2]

    def body() -> str:
        document = None
        if not own:
            pack = review_pack(review, request.app.state.pool.get())
            document = document_context(pack)
        template = request.app.state.templates.env.get_template("_review_body.html")
        return template.render(
            review=review,
            own=own,
            exceptions=_exceptions(review, user.person_id if own else None),
            document=document,
        )

    key = ("review-html", unit_id, review.as_of, review.since, user.person_id if own else None)
    html = request.app.state.cache.get_or_compute(key, body)
    query = f"as_of={review.as_of.isoformat()}&since={review.since.isoformat()}"
    if unit_id and not own:
        query += f"&unit={unit_id}"
    return render(
        request,
        "review.html",
        review=review,
        unit_id=unit_id,
        unit_name="your deals" if own else (units[unit_id][0] if unit_id else "Company"),
        own=own,
        crumbs=crumbs,
        children=[(c, units[c][0], units[c][1]) for c in children],
        body=html,
        download_query=query,
    )


@router.get("/api/review", tags=["api"], summary="The weekly review of a unit in your scope")
def review_api(
    request: Request,
    user: Annotated[User, Depends(api_user)],
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    unit: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """The review's JSON (``docs/review.md``); for an AM outside a cell only their own deals'
    ``changes`` and ``exceptions``."""
    from salesorg.cli._output import jsonable

    if since is not None and as_of is not None and since >= as_of:
        raise HTTPException(400, "since must be before as_of")
    _, _, unit_id, own = _resolve(request, user, unit)
    review = _review(request, unit_id, as_of, since)
    if not own:
        return review.to_json()
    body = review.to_json()
    mine = [c for c in body["changes"] if c["owner_id"] == user.person_id]
    return jsonable(
        {
            "as_of": body["as_of"],
            "since": body["since"],
            "owner_id": user.person_id,
            "currency": body["currency"],
            "changes": mine,
            "exceptions": [c for c in body["exceptions"] if c["owner_id"] == user.person_id],
        }
    )


@register_report("review")
def review_report(store: Store, scope: Scope, as_of: dt.date, params: dict[str, str]) -> Document:
    """The review pack of a unit in the scope (or an AM's own exceptions)."""
    from salesorg.review import review_pack, run_review

    units = _units(store)
    allowed = _allowed(scope, units)
    unit = params.get("unit") or None
    since = parse_date(params.get("since"))
    if unit is not None and unit not in allowed:
        raise HTTPException(404, f"no unit {unit!r} in your scope")
    cache = current_cache.get()

    def review_of(unit_id: str) -> Any:
        if cache is None:
            return run_review(store, as_of, since, unit_id=unit_id)
        return cache.get_or_compute(
            ("review", unit_id, as_of, since),
            lambda: run_review(store, as_of, since, unit_id=unit_id),
        )

    if allowed:
        return review_pack(review_of(unit or allowed[0]), store)
    if len(scope.person_ids) != 1:
        raise HTTPException(404, "no unit to review in your scope")
    (me,) = scope.person_ids
    rows = store.con.execute(
        "SELECT unit_id FROM assignments WHERE person_id = ? AND valid_from <= ? "
        "AND (valid_to IS NULL OR valid_to > ?)",
        [me, as_of, as_of],
    ).fetchall()
    if not rows:
        raise HTTPException(404, "no unit to review")
    review = review_of(rows[0][0])
    doc = Document("Weekly review: your deals", f"{me} · as of {as_of} since {review.since}")
    sec = doc.section("Exceptions")
    sec.add(
        Note("only your own deals; the unit's figures are in your manager's review", "assumption")
    )
    frame = pd.DataFrame(_exceptions(review, me), columns=list(EXCEPTION_COLUMNS))
    sec.add(TableBlock("Exceptions", frame, money=("amount_before", "amount_after")))
    return doc
