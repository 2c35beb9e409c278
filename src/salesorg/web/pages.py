"""Server-rendered pages: login, home, opportunities, people, and the admin pages.

Pages for the engines (review, forecast, scenarios, impact, comp, imports) live in their own
``pages_*.py`` modules and are added by :func:`engine_routers` only when the engine is
installed, so the navigation never shows a page that cannot work.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from salesorg.errors import SalesorgError
from salesorg.web.app import NAV, cached, forget_users, render, request_scope, state_for
from salesorg.web.auth import admin_user, check_csrf, new_session, page_user
from salesorg.web.queries import (
    opportunity_detail,
    opportunity_page,
    org_chart,
    reporting_currency,
    scope_summary,
)
from salesorg.web.users import ROLES, LoginError, User, add_user, authenticate, list_users

__all__ = ["engine_routers", "router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
UserDep = Annotated[User, Depends(page_user)]
AdminDep = Annotated[User, Depends(admin_user)]
PAGE = 50


def parse_as_of(request: Request, value: str | None) -> dt.date:
    """The ``as_of`` query parameter as a date (default today); a bad date is a 400."""
    if not value:
        return request.app.state.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"as_of {value!r} is not a date — use YYYY-MM-DD") from None


def parse_date(value: str | None) -> dt.date | None:
    """An optional date query parameter (None when absent); a bad date is a 400."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{value!r} is not a date — use YYYY-MM-DD") from None


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    client = request.client.host if request.client else "?"
    if not request.app.state.limiter.allow(client):
        return render(
            request,
            "login.html",
            status_code=429,
            next=_safe_next(next),
            error="too many login attempts — wait a few minutes",
        )
    store = request.app.state.pool.get()
    try:
        user = authenticate(store, email, password)
    except LoginError as exc:
        return render(request, "login.html", status_code=401, next=_safe_next(next), error=str(exc))
    request.state.session = new_session(user.email)  # new CSRF token on login
    request.state.session_dirty = True
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.state.session = new_session(None)
    request.state.session_dirty = True
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(request: Request, user: UserDep) -> Response:
    today = request.app.state.today()
    scope = request_scope(request, user)
    store = request.app.state.pool.get()
    summary = cached(
        request,
        "summary",
        scope,
        today,
        compute=lambda: scope_summary(store, scope, as_of=today, state=state_for(request, today)),
    )
    return render(
        request,
        "home.html",
        scope=scope,
        summary=summary,
        today=today,
        currency=reporting_currency(store),
        pages=[n for n in NAV if n.path != "/"],
    )


@router.get("/opportunities")
def opportunities(
    request: Request,
    user: UserDep,
    as_of: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    open_only: bool = False,
) -> Response:
    day = parse_as_of(request, as_of)
    store = request.app.state.pool.get()
    scope = request_scope(request, user)
    rows, total = cached(
        request,
        "opportunities",
        scope,
        day,
        q,
        open_only,
        page,
        compute=lambda: opportunity_page(
            store,
            scope,
            as_of=day,
            limit=PAGE,
            offset=(page - 1) * PAGE,
            q=q,
            open_only=open_only,
            state=state_for(request, day),
        ),
    )
    base = {"as_of": day.isoformat(), "q": q or "", "open_only": "true" if open_only else ""}
    pages = max(1, -(-total // PAGE))
    return render(
        request,
        "opportunities.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        as_of=day,
        q=q or "",
        open_only=open_only,
        download_query=urlencode(base),
        prev_url=f"?{urlencode({**base, 'page': page - 1})}" if page > 1 else None,
        next_url=f"?{urlencode({**base, 'page': page + 1})}" if page < pages else None,
    )


@router.get("/opportunities/{opportunity_id}")
def opportunity(
    request: Request, user: UserDep, opportunity_id: str, as_of: str | None = None
) -> Response:
    day = parse_as_of(request, as_of)
    store = request.app.state.pool.get()
    opp = opportunity_detail(
        store,
        request_scope(request, user),
        opportunity_id,
        as_of=day,
        state=state_for(request, day),
    )
    if opp is None:
        raise HTTPException(404, f"no opportunity {opportunity_id!r} in your scope")
    return render(request, "opportunity.html", opp=opp, as_of=day)


@router.get("/people")
def people(request: Request, user: UserDep, as_of: str | None = None) -> Response:
    day = parse_as_of(request, as_of)
    store = request.app.state.pool.get()
    scope = request_scope(request, user)
    units = cached(request, "org", scope, day, compute=lambda: org_chart(store, scope, as_of=day))
    spans = [m["span"] for u in units for m in u["members"] if m["span"] > 0]
    return render(
        request,
        "people.html",
        units=units,
        as_of=day,
        mean_span=(sum(spans) / len(spans)) if spans else None,
        n_managers=len(spans),
    )


@router.get("/admin/users")
def users_page(request: Request, user: AdminDep) -> Response:
    store = request.app.state.pool.get()
    return render(
        request, "users.html", users=list_users(store), roles=ROLES, error=None, added=None
    )


@router.post("/admin/users")
def users_add(
    request: Request,
    user: AdminDep,
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1024)],
    person_id: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    store = request.app.state.pool.get()
    error, added = None, None
    try:
        added = add_user(
            store,
            email,
            role=role,
            password=password,
            person_id=person_id or None,
            actor=user.email,
        ).email
        forget_users(request)
    except SalesorgError as exc:
        error = str(exc)
    return render(
        request,
        "users.html",
        status_code=400 if error else 200,
        users=list_users(store),
        roles=ROLES,
        error=error,
        added=added,
    )


@router.get("/admin/audit")
def audit_page(
    request: Request, user: AdminDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    store = request.app.state.pool.get()
    rows = store.con.execute(
        'SELECT "at", actor, action, target, detail FROM audit_log ORDER BY "at" DESC LIMIT ? OFFSET ?',
        [PAGE, (page - 1) * PAGE],
    ).fetchall()
    keys = ("at", "actor", "action", "target", "detail")
    entries: list[dict[str, Any]] = [dict(zip(keys, r, strict=True)) for r in rows]
    return render(request, "audit.html", entries=entries, page=page)


#: Engine page modules and the engine each needs (added when the engine is installed).
ENGINE_PAGES: dict[str, str] = {
    "salesorg.web.pages_imports": "salesorg.ingest",
    "salesorg.web.pages_review": "salesorg.review",
    "salesorg.web.pages_forecast": "salesorg.forecast",
    "salesorg.web.pages_comp": "salesorg.comp",
    "salesorg.web.pages_scenarios": "salesorg.orgdesign.compare",
    "salesorg.web.pages_impact": "salesorg.impact",
}


def engine_routers() -> list[APIRouter]:
    """Routers of the engine pages whose engine module is importable."""
    import importlib.util

    out = []
    for module, engine in ENGINE_PAGES.items():
        if importlib.util.find_spec(engine) is not None:
            out.append(importlib.import_module(module).router)
    return out
