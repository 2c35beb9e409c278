"""Users: argon2 hashes, lock-out, API tokens stored as hashes, the `salesorg users` CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from typer.testing import CliRunner
from web_support import PASSWORD

from salesorg.cli import app as cli_app
from salesorg.errors import ConfigError, NotFoundError
from salesorg.store import Store
from salesorg.web.users import (
    MAX_FAILURES,
    LoginError,
    add_user,
    authenticate,
    demo_users,
    issue_token,
    list_users,
    user_for_token,
)


def test_password_is_stored_as_an_argon2id_hash_not_in_clear(web_store: Store):
    (h,) = web_store.con.execute(
        "SELECT password_hash FROM users WHERE email = 'a1@tiny.example'"
    ).fetchall()[0]
    assert h.startswith("$argon2id$")
    assert PASSWORD not in h


def test_right_password_authenticates_with_role_and_person(web_store: Store):
    user = authenticate(web_store, "A1@Tiny.Example ", PASSWORD)
    assert (user.email, user.role, user.person_id) == ("a1@tiny.example", "am", "A1")


@pytest.mark.parametrize("email", ["a1@tiny.example", "ghost@tiny.example"])
def test_wrong_password_and_unknown_user_get_the_same_message(web_store: Store, email: str):
    with pytest.raises(LoginError, match="wrong e-mail or password"):
        authenticate(web_store, email, "not-the-password")


def test_account_locks_after_max_failures_even_for_the_right_password(web_store: Store):
    now = dt.datetime(2026, 4, 1, 12, 0)
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginError, match="wrong"):
            authenticate(web_store, "a1@tiny.example", "nope-nope", now=now)
    with pytest.raises(LoginError, match="locked"):
        authenticate(web_store, "a1@tiny.example", PASSWORD, now=now)
    later = now + dt.timedelta(minutes=16)
    assert authenticate(web_store, "a1@tiny.example", PASSWORD, now=later).role == "am"
    actions = [r[0] for r in web_store.con.execute("SELECT action FROM audit_log").fetchall()]
    assert "user.locked" in actions


def test_a_success_resets_the_failure_count(web_store: Store):
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginError):
            authenticate(web_store, "a1@tiny.example", "nope-nope")
    authenticate(web_store, "a1@tiny.example", PASSWORD)
    with pytest.raises(LoginError, match="wrong"):
        authenticate(web_store, "a1@tiny.example", "nope-nope")
    assert authenticate(web_store, "a1@tiny.example", PASSWORD).person_id == "A1"


def test_token_is_returned_once_and_only_its_sha256_is_stored(web_store: Store):
    token = issue_token(web_store, "m1@tiny.example", actor="t")
    stored = web_store.con.execute(
        "SELECT token_hash FROM users WHERE email = 'm1@tiny.example'"
    ).fetchall()[0][0]
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert user_for_token(web_store, token).email == "m1@tiny.example"
    assert user_for_token(web_store, token + "x") is None
    new = issue_token(web_store, "m1@tiny.example", actor="t")
    assert user_for_token(web_store, token) is None and user_for_token(web_store, new)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"email": "not-an-email", "role": "am"}, ConfigError, "e-mail"),
        ({"email": "x@y.example", "role": "king"}, ConfigError, "unknown role"),
        ({"email": "x@y.example", "role": "am", "password": "short"}, ConfigError, "too short"),
        ({"email": "x@y.example", "role": "am", "person_id": "ZZ"}, NotFoundError, "ZZ"),
    ],
)
def test_add_user_refuses_bad_input(web_store: Store, kwargs, error, match):
    with pytest.raises(error, match=match):
        add_user(web_store, **kwargs)


def test_every_user_change_is_audited_with_the_actor(web_store: Store):
    add_user(web_store, "new@tiny.example", role="revops", password="long-enough", actor="boss")
    rows = web_store.con.execute(
        "SELECT actor, action, target FROM audit_log WHERE target = 'new@tiny.example'"
    ).fetchall()
    assert rows == [("boss", "user.add", "new@tiny.example")]


def test_cli_users_add_reads_the_password_from_stdin_and_list_shows_no_hash(tmp_path):
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    r = runner.invoke(
        cli_app,
        ["users", "add", "Ops@Example.com", "--role", "revops", "--db", db],
        input="pipe-password-1\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app, ["users", "list", "--db", db, "--format", "json"])
    rows = json.loads(r.output)
    assert rows[0]["email"] == "ops@example.com" and rows[0]["has_password"] is True
    assert "argon2" not in r.output
    r = runner.invoke(cli_app, ["users", "token", "ops@example.com", "--db", db])
    assert r.exit_code == 0 and r.output.strip().startswith("so_")
    with Store.open(db) as store:
        assert authenticate(store, "ops@example.com", "pipe-password-1").role == "revops"
        assert user_for_token(store, r.output.strip()).role == "revops"


def test_cli_users_add_with_unknown_role_exits_1(tmp_path):
    from salesorg.cli import main

    db = str(tmp_path / "cli.duckdb")
    assert main(["users", "add", "a@b.example", "--role", "pope", "--db", db]) == 1


def test_demo_users_make_one_login_per_role_linked_to_people(web_store: Store):
    made = demo_users(web_store, as_of=dt.date(2026, 4, 1))
    assert [r for _, r, _ in made] == ["am", "manager", "director", "gm", "revops", "admin"]
    by_role = {u["role"]: u for u in list_users(web_store) if "demo" in u["email"]}
    assert by_role["am"]["person_id"] == "A1"
    assert by_role["manager"]["person_id"] == "M1"
    assert by_role["gm"]["person_id"] == "G1"
    assert by_role["director"]["person_id"] is None  # the tiny company has no director
    for email, _, password in made:
        assert authenticate(web_store, email, password).email == email
