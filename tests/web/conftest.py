"""Fixtures for the web tests: the tiny company with one user per role, clients, Chromium."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

# importlib import mode puts no test folder on sys.path: make web_support importable
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest
from argon2 import PasswordHasher
from web_support import (
    PASSWORD,
    TODAY,
    TestClient,
    add_tiny_users,
    load_tiny_company,
    login,
)

import salesorg.web.users as users_module
from salesorg.store import Store
from salesorg.web import create_app
from salesorg.web.auth import LoginLimiter

__all__ = ["PASSWORD"]

# Cheap argon2 parameters for test users only (verification reads them from each hash); the
# production defaults cost ~0.1 s a hash on purpose, which adds up over hundreds of logins.
users_module._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def web_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny company plus one user per role, built once (argon2 hashing is slow on purpose)."""
    path = tmp_path_factory.mktemp("web") / "template.duckdb"
    with Store.open(path) as store:
        load_tiny_company(store)
        add_tiny_users(store)
    return path


@pytest.fixture
def web_store(web_store_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the template store for one test."""
    path = tmp_path / "web.duckdb"
    shutil.copy(web_store_template, path)
    with Store.open(path) as store:
        yield store


@pytest.fixture
def app(web_store: Store):
    return create_app(web_store, secret_key="test-secret", today=lambda: TODAY)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def logged_in(app):
    """A factory: ``logged_in(email)`` gives a TestClient with that user's session."""
    clients = []

    def make(email: str) -> TestClient:
        c = TestClient(app)
        clients.append(c)
        r = login(c, email)
        assert r.status_code == 303, r.text
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def unlimited() -> LoginLimiter:
    return LoginLimiter(attempts=10_000)


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-base-url's fixture (deprecated style in pytest 9; the tests use live URLs)."""
    return None
