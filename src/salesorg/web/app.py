"""The FastAPI application: store pool, session middleware, error pages, routers.

:func:`create_app` wires everything; pages live in :mod:`salesorg.web.pages`, the JSON API in
:mod:`salesorg.web.api`. DuckDB allows one connection per process per file, shared by threads
through cursors: :class:`StorePool` hands each worker thread its own cursor wrapped in a
:class:`~salesorg.store.Store` (``shared/STACK.md``).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from salesorg.errors import NotFoundError, SalesorgError
from salesorg.store import Store
from salesorg.web.auth import (
    COOKIE,
    SESSION_MAX_AGE_S,
    LoginLimiter,
    NotLoggedIn,
    SessionCodec,
    new_session,
)
from salesorg.web.cache import ResultCache
from salesorg.web.scope import Scope, scope_for
from salesorg.web.snapshots import StateSnapshots
from salesorg.web.users import User

__all__ = [
    "NAV",
    "StorePool",
    "cached",
    "cached_page",
    "create_app",
    "data_changed",
    "forget_users",
    "render",
    "request_scope",
    "state_for",
]

HERE = Path(__file__).parent


class StorePool:
    """One root connection to the store and a cursor-backed :class:`Store` per thread."""

    def __init__(self, db: str | Path | Store):
        self.root = db if isinstance(db, Store) else Store.open(db)
        self._local = threading.local()
        self._lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            with self._lock:
                cursor = self.root.con.cursor()
            store = Store(cursor, path=self.root.path, read_only=self.root.read_only)
            self._local.store = store
        return store


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    page: str | None = None  # our page module (salesorg.web.pages_*), added with its engine
    roles: tuple[str, ...] | None = None  # None: every role

    def available(self) -> bool:
        return self.page is None or _installed(self.page)


@functools.cache
def _installed(page: str) -> bool:
    """Whether a page module and its engine are importable (asked once per process: the
    answer cannot change while the server runs, and every page view builds the menu)."""
    from salesorg.web.pages import ENGINE_PAGES

    engine = ENGINE_PAGES.get(page)
    return engine is not None and all(
        importlib.util.find_spec(m) is not None for m in (page, engine)
    )


#: The navigation; a page whose engine (or page module) is not installed is simply absent.
NAV: tuple[NavItem, ...] = (
    NavItem("/", "Home"),
    NavItem("/review", "Review", "salesorg.web.pages_review"),
    NavItem("/opportunities", "Opportunities"),
    NavItem("/forecast", "Forecast", "salesorg.web.pages_forecast"),
    NavItem("/people", "People"),
    NavItem(
        "/scenarios",
        "Scenarios",
        "salesorg.web.pages_scenarios",
        ("director", "gm", "revops", "admin"),
    ),
    NavItem("/impact", "Impact", "salesorg.web.pages_impact"),
    NavItem("/comp", "Comp", "salesorg.web.pages_comp"),
    NavItem("/imports", "Imports", "salesorg.web.pages_imports", ("revops", "admin")),
    NavItem("/admin/users", "Users", None, ("admin",)),
    NavItem("/admin/audit", "Audit log", None, ("admin",)),
)


def nav_for(user: User | None) -> list[NavItem]:
    if user is None:
        return []
    return [n for n in NAV if n.available() and (n.roles is None or user.role in n.roles)]


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a template with the user, navigation and CSRF token in its context."""
    user = getattr(request.state, "user", None)
    context = {
        "user": user,
        "nav": nav_for(user),
        "csrf_token": request.state.session.get("c", ""),
        "path": request.url.path,
        **ctx,
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _secret(store: Store, given: str | None) -> str:
    if given:
        return given
    key = store.setting("web_secret_key")
    if not key:
        key = secrets.token_urlsafe(32)
        store.set_setting("web_secret_key", key)
    return key


def create_app(
    db_path: str | Path | Store,
    *,
    secret_key: str | None = None,
    today: Callable[[], dt.date] | None = None,
    login_limiter: LoginLimiter | None = None,
) -> FastAPI:
    """Build the web app over the store at ``db_path`` (a path, ``:memory:`` or an open Store).

    ``secret_key`` signs session cookies; by default a random key is made once and kept in
    the store's settings, so sessions survive a restart. ``today`` is the clock used for
    "as of today" (visibility and default dates); tests pass a fixed one.
    """
    from salesorg.web import api, downloads, pages

    pool = StorePool(db_path)
    app = FastAPI(
        title="salesorg",
        version="0.1.0",
        description="Run a sales organisation on its own numbers. Authenticate with the "
        "session cookie from /login or `Authorization: Bearer TOKEN` "
        "(`salesorg users token EMAIL`).",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.pool = pool
    app.state.codec = SessionCodec(_secret(pool.root, secret_key))
    app.state.today = today or dt.date.today
    app.state.limiter = login_limiter or LoginLimiter()
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.templates.env.globals["fmt_money"] = _fmt_money
    app.state.scope_cache = {}
    app.state.user_cache = {}
    app.state.cache = ResultCache()
    #: whole rendered pages per user session and URL, for pages read by many people at once
    #: (the review); short-lived like the scope cache, see :func:`cached_page`
    app.state.page_cache = ResultCache(max_items=1024, ttl_s=SCOPE_TTL_S)
    app.state.snapshots = StateSnapshots(pool.root)

    @app.middleware("http")
    async def session_and_headers(request: Request, call_next: Any) -> Response:
        codec: SessionCodec = request.app.state.codec
        session = codec.loads(request.cookies.get(COOKIE))
        fresh = session is None
        request.state.session = session or new_session()
        request.state.session_dirty = fresh
        response: Response = await call_next(request)
        if request.state.session_dirty and not request.url.path.startswith("/static"):
            response.set_cookie(
                COOKIE,
                codec.dumps(request.state.session),
                max_age=SESSION_MAX_AGE_S,
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
                path="/",
            )
        h = response.headers
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static"):
            h.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(NotLoggedIn)
    async def _login_redirect(request: Request, exc: NotLoggedIn) -> Response:
        nxt = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={nxt}", status_code=303)

    def _error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=status)
        return render(request, "error.html", status_code=status, status=status, message=message)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        resp = _error(request, exc.status_code, str(exc.detail))
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        return _error(request, 404, getattr(exc, "detail", None) or "not found")

    @app.exception_handler(NotFoundError)
    async def _nf(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(SalesorgError)
    async def _user_error(request: Request, exc: SalesorgError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
        return _error(
            request,
            422,
            "invalid input: "
            + "; ".join(
                f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}"
                for e in exc.errors()
            ),
        )

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(downloads.router)
    for extra in pages.engine_routers():
        app.include_router(extra)
    return app


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg")), "type": e.get("type")}
        for e in exc.errors()
    ]


def _fmt_money(value: Any, currency: str = "") -> str:
    if value is None:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    s = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.2f}"
    return f"{s} {currency}".strip()


def cached(request: Request, name: str, scope: Scope, *key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` through the app's result cache, keyed by page, scope and parameters."""
    cache: ResultCache = request.app.state.cache
    return cache.get_or_compute((name, scope.key, *key), compute)


def state_for(request: Request, as_of: dt.date) -> Any:
    """The materialised opportunity state as of ``as_of`` (an Ibis table; see snapshots)."""
    from salesorg.web.queries import reporting_currency

    store = request.app.state.pool.get()
    snapshots: StateSnapshots = request.app.state.snapshots
    return snapshots.table(store, as_of, reporting_currency=reporting_currency(store))


def data_changed(request: Request) -> None:
    """Forget every cached result and snapshot after a write to the store."""
    request.app.state.cache.clear()
    request.app.state.page_cache.clear()
    request.app.state.snapshots.clear(request.app.state.pool.get())
    forget_users(request)


def forget_users(request: Request) -> None:
    """Forget cached users, scopes and pages after a change to users (roles, links, passwords)."""
    request.app.state.scope_cache.clear()
    request.app.state.user_cache.clear()
    request.app.state.page_cache.clear()


SCOPE_TTL_S = 60.0


def request_scope(request: Request, user: User) -> Scope:
    """The caller's scope as of today, cached per user for :data:`SCOPE_TTL_S` seconds."""
    today: dt.date = request.app.state.today()
    key = (user.email, user.role, user.person_id, today)
    cache: dict[Any, tuple[float, Scope]] = request.app.state.scope_cache
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < SCOPE_TTL_S:
        return hit[1]
    scope = scope_for(request.app.state.pool.get(), user, as_of=today)
    if len(cache) > 1000:
        cache.clear()
    cache[key] = (now, scope)
    return scope


def cached_page(
    request: Request, user: User, scope: Scope, build: Callable[[], Response]
) -> Response:
    """The page ``build()`` renders, cached per user session, scope, day and URL.

    For pages many people read at the same moment (the weekly review): a repeated view costs
    a dictionary lookup instead of resolving units, the review and rendering templates. The
    key holds the user's identity and role, their scope, the session's CSRF token (the page
    embeds it) and the full URL, so a page is never served to another user or session; it
    lives :data:`SCOPE_TTL_S` seconds (as the scope does) and is dropped after any write.
    Only successful (200) pages are kept.
    """
    key = (
        user.email,
        user.role,
        user.person_id,
        scope.key,
        request.state.session.get("c", ""),
        request.app.state.today(),
        str(request.url),
    )
    cache: ResultCache = request.app.state.page_cache
    body = cache.peek(key)
    if body is None:
        response = build()
        if response.status_code != 200:
            return response
        body = bytes(response.body)
        cache.put(key, body)
    return HTMLResponse(body)
