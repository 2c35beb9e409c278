"""Sessions, CSRF, login rate limiting and the "who is calling" dependencies.

* **Sessions** are a signed cookie (itsdangerous, HMAC-SHA1 over a per-store secret) holding
  the user's e-mail and a CSRF token; ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when served
  over HTTPS, 12 hours. Nothing secret is in it: only the server can make a valid one.
* **CSRF**: every form carries the session's token in a hidden ``csrf_token`` field and every
  POST from a cookie session is refused (403) unless it matches (synchroniser token pattern);
  ``X-CSRF-Token`` works for scripts. Bearer-token requests carry no cookie and need none.
* **Rate limiting**: at most :data:`LOGIN_ATTEMPTS` login attempts per client address per
  :data:`LOGIN_WINDOW_S` seconds (429 after that), on top of the per-account lock-out in
  :mod:`salesorg.web.users`.

References:
    OWASP Cross-Site Request Forgery Prevention Cheat Sheet; OWASP Session Management Cheat
    Sheet.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from typing import Any

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from salesorg.web.users import User, get_user, user_for_token

__all__ = [
    "COOKIE",
    "LOGIN_ATTEMPTS",
    "LOGIN_WINDOW_S",
    "LoginLimiter",
    "NotLoggedIn",
    "SessionCodec",
    "api_user",
    "check_csrf",
    "page_user",
]

COOKIE = "salesorg_session"
SESSION_MAX_AGE_S = 12 * 3600
LOGIN_ATTEMPTS = 20
LOGIN_WINDOW_S = 300


class NotLoggedIn(Exception):
    """Raised by :func:`page_user`; the app turns it into a redirect to ``/login``."""


class SessionCodec:
    """Signs and reads the session cookie's payload ``{"e": email | None, "c": csrf}``."""

    def __init__(self, secret_key: str):
        self._s = URLSafeTimedSerializer(secret_key, salt="salesorg-session")

    def dumps(self, payload: dict[str, Any]) -> str:
        return self._s.dumps(payload)

    def loads(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie:
            return None
        try:
            data = self._s.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("c"), str) else None


def new_session(email: str | None = None) -> dict[str, Any]:
    return {"e": email, "c": secrets.token_urlsafe(24)}


class LoginLimiter:
    """A sliding-window counter of login attempts per client address (in memory)."""

    def __init__(self, attempts: int = LOGIN_ATTEMPTS, window_s: float = LOGIN_WINDOW_S):
        self.attempts = attempts
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, *, now: float | None = None) -> bool:
        """Record one attempt; ``False`` when the client is over the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.setdefault(client, deque())
            while q and q[0] <= now - self.window_s:
                q.popleft()
            if len(q) >= self.attempts:
                return False
            q.append(now)
            return True


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _user(request: Request) -> User | None:
    store = request.app.state.pool.get()
    token = _bearer(request)
    if token is not None:
        return user_for_token(store, token)
    email = request.state.session.get("e")
    if not email:
        return None
    return _cached_user(request, store, email)


#: a session's user is looked up at most this often (a store query per page view otherwise);
#: every user change made through the app clears the cache at once (``forget_users``)
USER_TTL_S = 30.0


def _cached_user(request: Request, store: Any, email: str) -> User | None:
    cache: dict[str, tuple[float, User | None]] = request.app.state.user_cache
    now = time.monotonic()
    hit = cache.get(email)
    if hit is not None and now - hit[0] < USER_TTL_S:
        return hit[1]
    user = get_user(store, email)
    if len(cache) > 10_000:
        cache.clear()
    cache[email] = (now, user)
    return user


def api_user(request: Request) -> User:
    """FastAPI dependency for ``/api``: the caller from a bearer token or session, else 401."""
    user = _user(request)
    if user is None:
        raise HTTPException(
            401,
            "log in at /login or send Authorization: Bearer TOKEN",
            {"WWW-Authenticate": "Bearer"},
        )
    request.state.user = user
    return user


def page_user(request: Request) -> User:
    """FastAPI dependency for pages: the session's user, else a redirect to the login form."""
    user = _user(request)
    if user is None:
        raise NotLoggedIn()
    request.state.user = user
    return user


def admin_user(request: Request) -> User:
    user = page_user(request)
    if not user.is_admin:
        raise HTTPException(403, "admins only")
    return user


async def check_csrf(request: Request) -> None:
    """FastAPI dependency on every POST: refuse (403) unless the CSRF token matches."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if _bearer(request) is not None and COOKIE not in request.cookies:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    expected = request.state.session.get("c", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "missing or wrong CSRF token — reload the page and try again")
