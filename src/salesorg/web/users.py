"""Web users: adding, listing, passwords (argon2), API tokens and the login check.

Users live in the ``users`` table of the store (:mod:`salesorg.model`). A password is stored
only as an argon2id hash; an API token only as its SHA-256 (tokens are 256 random bits, so a
fast hash is enough and lets a request be matched without a per-user scan). Every change is
written to the audit log with who did it.

Lock-out: after :data:`MAX_FAILURES` wrong passwords in a row an account is locked for
:data:`LOCK_MINUTES` minutes, even with the right password (OWASP Authentication Cheat
Sheet, "Account lockout").

References:
    OWASP Password Storage Cheat Sheet (argon2id); OWASP Authentication Cheat Sheet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from salesorg.errors import ConfigError, NotFoundError, SalesorgError
from salesorg.store import Store

__all__ = [
    "LOCK_MINUTES",
    "MAX_FAILURES",
    "ROLES",
    "LoginError",
    "User",
    "add_user",
    "authenticate",
    "demo_users",
    "get_user",
    "issue_token",
    "list_users",
    "set_password",
    "user_for_token",
]

#: Web roles, from narrowest to widest view (see docs/web.md, "Roles and visibility").
ROLES = ("am", "manager", "director", "gm", "revops", "admin")
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8

_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_hasher = PasswordHasher()


class LoginError(SalesorgError):
    """A login was refused (wrong e-mail or password, or the account is locked)."""


@dataclass(frozen=True)
class User:
    """A signed-in user: e-mail, web role and the person they are in the org (if any)."""

    email: str
    role: str
    person_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_everything(self) -> bool:
        return self.role in ("revops", "admin")


def _norm_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ConfigError(f"{email!r} is not an e-mail address — give one like ann@example.com")
    return email


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    store: Store,
    email: str,
    *,
    role: str,
    password: str | None = None,
    person_id: str | None = None,
    actor: str = "cli",
) -> User:
    """Create (or update the role, person and password of) a user; audited.

    Raises:
        ConfigError: bad e-mail, unknown role, or a password shorter than 8 characters.
        NotFoundError: ``person_id`` is not in ``people``.
    """
    email = _norm_email(email)
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} — use one of {', '.join(ROLES)}")
    if person_id is not None:
        row = store.con.execute("SELECT 1 FROM people WHERE person_id = ?", [person_id]).fetchall()
        if not row:
            raise NotFoundError(
                f"person {person_id!r} is not in people — import people.csv first or fix --person"
            )
    pw_hash = None
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"password too short — use at least {MIN_PASSWORD} characters")
        pw_hash = _hasher.hash(password)
    with store.transaction() as con:
        exists = con.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchall()
        if exists:
            con.execute(
                "UPDATE users SET role = ?, person_id = ?, "
                "password_hash = coalesce(?, password_hash) WHERE email = ?",
                [role, person_id, pw_hash, email],
            )
            if pw_hash is not None:  # a new password also lifts a lock-out
                con.execute(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE email = ?",
                    [email],
                )
        else:
            con.execute(
                "INSERT INTO users (email, role, person_id, password_hash, failed_logins, "
                "created_at) VALUES (?, ?, ?, ?, 0, ?)",
                [email, role, person_id, pw_hash, _now()],
            )
        store.audit(
            actor,
            "user.update" if exists else "user.add",
            email,
            f"role={role} person={person_id or ''}",
        )
    return User(email, role, person_id)


def set_password(store: Store, email: str, password: str, *, actor: str = "cli") -> None:
    """Replace a user's password and clear any lock-out; audited."""
    user = get_user(store, email)
    if user is None:
        raise NotFoundError(f"no user {email!r} — add one with `salesorg users add`")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"password too short — use at least {MIN_PASSWORD} characters")
    with store.transaction() as con:
        con.execute(
            "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL "
            "WHERE email = ?",
            [_hasher.hash(password), user.email],
        )
        store.audit(actor, "user.password", user.email, None)


def get_user(store: Store, email: str) -> User | None:
    """The user with this e-mail (case-insensitive), or ``None``."""
    rows = store.con.execute(
        "SELECT email, role, person_id FROM users WHERE email = ?", [email.strip().lower()]
    ).fetchall()
    return User(*rows[0]) if rows else None


def list_users(store: Store) -> list[dict[str, object]]:
    """Every user: ``email``, ``role``, ``person_id``, ``has_password``, ``has_token``,
    ``locked_until``, ``created_at`` (never a hash)."""
    cur = store.con.execute(
        "SELECT email, role, person_id, password_hash IS NOT NULL, token_hash IS NOT NULL, "
        "locked_until, created_at FROM users ORDER BY email"
    )
    keys = ("email", "role", "person_id", "has_password", "has_token", "locked_until", "created_at")
    return [dict(zip(keys, r, strict=True)) for r in cur.fetchall()]


def issue_token(store: Store, email: str, *, actor: str = "cli") -> str:
    """Make a new API bearer token for a user (replacing the old one); only its hash is kept."""
    user = get_user(store, email)
    if user is None:
        raise NotFoundError(f"no user {email!r} — add one with `salesorg users add`")
    token = "so_" + secrets.token_urlsafe(32)
    with store.transaction() as con:
        con.execute(
            "UPDATE users SET token_hash = ? WHERE email = ?", [_hash_token(token), user.email]
        )
        store.audit(actor, "user.token", user.email, None)
    return token


def user_for_token(store: Store, token: str) -> User | None:
    """The user a bearer token belongs to, or ``None``."""
    if not token or len(token) > 200:
        return None
    rows = store.con.execute(
        "SELECT email, role, person_id FROM users WHERE token_hash = ?", [_hash_token(token)]
    ).fetchall()
    return User(*rows[0]) if rows else None


def authenticate(
    store: Store, email: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """Check a password; count failures and lock the account after :data:`MAX_FAILURES`.

    The same message is given for an unknown e-mail and a wrong password (no account
    enumeration); a locked account is refused even with the right password.

    Raises:
        LoginError: wrong e-mail or password, or account locked.
    """
    now = now or _now()
    key = email.strip().lower()
    rows = store.con.execute(
        "SELECT email, role, person_id, password_hash, coalesce(failed_logins, 0), locked_until "
        "FROM users WHERE email = ?",
        [key],
    ).fetchall()
    row = rows[0] if rows else None
    if row is None:
        _hasher.hash(password)  # spend the same time as a real check
        raise LoginError("wrong e-mail or password")
    email_, role, person_id, pw_hash, failures, locked_until = row
    if locked_until is not None and locked_until > now:
        raise LoginError(
            f"account locked after {MAX_FAILURES} wrong passwords — try again after "
            f"{locked_until:%H:%M} or ask an admin to reset the password"
        )
    ok = False
    if pw_hash:
        try:
            ok = _hasher.verify(pw_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    with store.transaction() as con:
        if ok:
            con.execute(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE email = ?",
                [email_],
            )
        else:
            failures += 1
            lock = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
            con.execute(
                "UPDATE users SET failed_logins = ?, locked_until = ? WHERE email = ?",
                [0 if lock else failures, lock, email_],
            )
            if lock:
                store.audit("web", "user.locked", email_, f"after {failures} wrong passwords")
    if not ok:
        raise LoginError("wrong e-mail or password")
    return User(email_, role, person_id)


#: E-mail addresses of the demo users, one per role (documented in docs/web.md).
DEMO_EMAILS = {role: f"{role}@demo.salesorg.example" for role in ROLES}


def demo_users(store: Store, *, as_of: dt.date | None = None) -> list[tuple[str, str, str]]:
    """Create one user per role for the demo company, with fresh random passwords.

    Returns ``[(email, role, password), ...]`` for ``make demo`` to print once. The AM,
    manager, director and GM users are linked to a person of that role family in the
    reporting line as of ``as_of`` (default today) who has someone in their scope; revops and
    admin see everything and need no person. Running it again resets the passwords.
    """
    from salesorg.metrics.pit import reporting_line
    from salesorg.model import role_family

    as_of = as_of or dt.date.today()
    line = reporting_line(store, as_of).execute()
    people = store.table("people").select("person_id", "role").execute()
    family = {p: role_family(r) for p, r in zip(people.person_id, people.role, strict=True)}
    managers = set(line.manager_id.dropna())
    wanted = {"am": ("am", "senior_am"), "manager": ("manager",), "director": ("director",)}
    wanted["gm"] = ("gm",)
    out = []
    for role in ROLES:
        person = None
        if role in wanted:
            candidates = sorted(
                p
                for p in line.person_id
                if family.get(p) in wanted[role] and (role == "am" or p in managers)
            )
            person = candidates[0] if candidates else None
        password = secrets.token_urlsafe(12)
        add_user(
            store, DEMO_EMAILS[role], role=role, password=password, person_id=person, actor="demo"
        )
        out.append((DEMO_EMAILS[role], role, password))
    return out
