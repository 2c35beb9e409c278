"""Helpers for the web tests: users of the tiny company, login, a live uvicorn server."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import socket
import threading
import time
import warnings
from pathlib import Path

from salesorg.store import Store
from salesorg.web import add_user

with warnings.catch_warnings():
    # starlette's TestClient announces a future move to httpx2; nothing to fix on our side
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

#: The web tests' "today": after every change in the tiny company (tests/conftest.py).
TODAY = dt.date(2026, 4, 1)
PASSWORD = "correct-horse-9"

#: user e-mail -> (role, person_id); the tiny company: G1 > M1 (T1: A1, A2), M2 (T2: A3)
USERS = {
    "a1@tiny.example": ("am", "A1"),
    "a3@tiny.example": ("am", "A3"),
    "m1@tiny.example": ("manager", "M1"),
    "m2@tiny.example": ("manager", "M2"),
    "g1@tiny.example": ("gm", "G1"),
    "dir@tiny.example": ("director", "G1"),
    "ops@tiny.example": ("revops", None),
    "admin@tiny.example": ("admin", None),
    "nobody@tiny.example": ("manager", None),
}

#: what each user sees as of TODAY (O5 moved from A3 to A1 on 2026-03-25)
VISIBLE = {
    "a1@tiny.example": {"O1", "O2", "O5"},
    "a3@tiny.example": {"O4"},
    "m1@tiny.example": {"O1", "O2", "O3", "O5"},
    "m2@tiny.example": {"O4"},
    "g1@tiny.example": {"O1", "O2", "O3", "O4", "O5"},
    "dir@tiny.example": {"O1", "O2", "O3", "O4", "O5"},
    "ops@tiny.example": {"O1", "O2", "O3", "O4", "O5"},
    "admin@tiny.example": {"O1", "O2", "O3", "O4", "O5"},
    "nobody@tiny.example": set(),
}


def load_tiny_company(store: Store) -> None:
    """The tiny company of ``tests/conftest.py`` (loaded by path: two modules are "conftest")."""
    spec = importlib.util.spec_from_file_location(
        "_salesorg_root_conftest", Path(__file__).resolve().parents[1] / "conftest.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.load_tiny_company(store)


def add_tiny_users(store: Store) -> None:
    for email, (role, person) in USERS.items():
        add_user(store, email, role=role, password=PASSWORD, person_id=person, actor="test")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


# ------------------------------------------------------------------ live server (browser, bench)
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a thread, stopped on exit."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start in 15 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
