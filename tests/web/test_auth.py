"""Login, sessions, CSRF, rate limiting and lock-out through HTTP."""

from __future__ import annotations

import pytest
from web_support import PASSWORD, TODAY, TestClient, csrf_of, login

from salesorg.web import create_app
from salesorg.web.auth import COOKIE, LoginLimiter
from salesorg.web.users import MAX_FAILURES, issue_token


def test_login_form_has_email_password_and_a_hidden_csrf_field(client: TestClient):
    html = client.get("/login").text
    assert 'name="email"' in html and 'name="password"' in html
    assert 'type="hidden" name="csrf_token"' in html


def test_pages_redirect_to_login_and_api_says_401_when_not_logged_in(client: TestClient):
    r = client.get("/opportunities", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = client.get("/api/opportunities")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_login_sets_an_httponly_samesite_lax_session_cookie(client: TestClient):
    r = login(client, "m1@tiny.example")
    assert r.status_code == 303
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie")
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert client.get("/api/me").json()["email"] == "m1@tiny.example"


def test_login_without_csrf_token_is_refused(client: TestClient):
    client.get("/login")
    r = client.post("/login", data={"email": "m1@tiny.example", "password": PASSWORD})
    assert r.status_code == 403
    assert client.get("/api/me").status_code == 401


def test_login_with_a_forged_csrf_token_is_refused(client: TestClient):
    client.get("/login")
    r = client.post(
        "/login",
        data={"email": "m1@tiny.example", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert r.status_code == 403


def test_a_csrf_token_from_another_session_is_refused(app):
    with TestClient(app) as attacker, TestClient(app) as victim:
        stolen = csrf_of(attacker.get("/login").text)
        assert login(victim, "admin@tiny.example").status_code == 303
        r = victim.post(
            "/admin/users",
            data={
                "email": "evil@x.example",
                "role": "admin",
                "password": "long-enough-1",
                "csrf_token": stolen,
            },
        )
        assert r.status_code == 403
        assert "evil@x.example" not in victim.get("/admin/users").text


def test_logout_needs_csrf_and_ends_the_session(logged_in):
    c = logged_in("a1@tiny.example")
    assert c.post("/logout").status_code == 403
    token = csrf_of(c.get("/").text)
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/me").status_code == 401


def test_a_tampered_session_cookie_is_ignored(app):
    with TestClient(app) as c:
        login(c, "a1@tiny.example")
        value = c.cookies.get(COOKIE)
        c.cookies.set(COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
        assert c.get("/api/me").status_code == 401


def test_wrong_passwords_lock_the_account_through_the_web(client: TestClient):
    for _ in range(MAX_FAILURES):
        assert login(client, "a3@tiny.example", "wrong-password").status_code == 401
    r = login(client, "a3@tiny.example", PASSWORD)
    assert r.status_code == 401 and "locked" in r.text


def test_login_attempts_are_rate_limited_per_client(web_store):
    app = create_app(
        web_store, secret_key="k", today=lambda: TODAY, login_limiter=LoginLimiter(attempts=3)
    )
    with TestClient(app) as c:
        codes = [login(c, f"ghost{i}@tiny.example", "x-wrong-x").status_code for i in range(5)]
    assert codes == [401, 401, 401, 429, 429]


def test_login_redirects_only_to_local_paths(client: TestClient):
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={
            "email": "g1@tiny.example",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_bearer_token_authenticates_the_api_without_cookies(app, web_store):
    token = issue_token(web_store, "m2@tiny.example", actor="t")
    with TestClient(app) as c:
        r = c.get("/api/opportunities", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert {i["opportunity_id"] for i in r.json()["items"]} == {"O4"}
        r = c.get("/api/opportunities", headers={"Authorization": "Bearer so_wrong"})
        assert r.status_code == 401


def test_non_admins_cannot_open_or_post_to_the_admin_pages(logged_in):
    c = logged_in("ops@tiny.example")
    assert c.get("/admin/users").status_code == 403
    assert c.get("/admin/audit").status_code == 403
    token = csrf_of(c.get("/").text)
    r = c.post(
        "/admin/users",
        data={
            "email": "x@x.example",
            "role": "admin",
            "password": "long-enough",
            "csrf_token": token,
        },
    )
    assert r.status_code == 403


def test_admin_adds_a_user_on_the_web_and_it_is_audited(logged_in, web_store):
    c = logged_in("admin@tiny.example")
    token = csrf_of(c.get("/admin/users").text)
    r = c.post(
        "/admin/users",
        data={
            "email": "new@tiny.example",
            "role": "am",
            "person_id": "A2",
            "password": "long-enough-2",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "Saved new@tiny.example" in r.text
    audit = c.get("/admin/audit").text
    assert "admin@tiny.example" in audit and "user.add" in audit
    with TestClient(c.app) as fresh:
        assert login(fresh, "new@tiny.example", "long-enough-2").status_code == 303
        assert {i["opportunity_id"] for i in fresh.get("/api/opportunities").json()["items"]} == {
            "O3"
        }


@pytest.mark.parametrize("path", ["/", "/login", "/api/openapi.json"])
def test_security_headers_are_sent(client: TestClient, path: str):
    h = client.get(path).headers
    assert "script-src 'self'" in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
