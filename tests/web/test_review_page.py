"""The review page and API (salesorg.review): per unit in scope, drill-down, exceptions, AM view."""

from __future__ import annotations

import pytest

pytest.importorskip("salesorg.review")

from web_support import PASSWORD, csrf_of

PARAMS = {"as_of": "2026-03-31", "since": "2026-03-01"}


def test_a_manager_reviews_their_team_and_not_another(logged_in):
    c = logged_in("m1@tiny.example")
    body = c.get("/api/review", params=PARAMS).json()
    assert body["unit_id"] == "T1"
    assert body["changes"] and {x["owner_id"] for x in body["changes"]} <= {"A1", "A2", "M1"}
    assert c.get("/api/review", params={**PARAMS, "unit": "T2"}).status_code == 404
    assert c.get("/review", params={**PARAMS, "unit": "T2"}).status_code == 404
    assert c.get("/download/review.pdf", params={**PARAMS, "unit": "T2"}).status_code == 404


def test_the_gm_drills_down_from_the_company_to_a_team(logged_in):
    c = logged_in("g1@tiny.example")
    html = c.get("/review", params=PARAMS).text
    assert "Weekly review: Company" in html
    assert 'href="/review?unit=T1' in html and 'href="/review?unit=T2' in html
    team = c.get("/review", params={**PARAMS, "unit": "T2"}).text
    assert "Weekly review: Team 2" in team and "<svg" in team
    body = c.get("/api/review", params={**PARAMS, "unit": "T2"}).json()
    assert {x["owner_id"] for x in body["changes"]} <= {"A3", "M2"}


def test_an_am_sees_only_their_own_deals_in_the_review(logged_in):
    team = logged_in("m1@tiny.example").get("/api/review", params=PARAMS).json()
    mine = logged_in("a1@tiny.example").get("/api/review", params=PARAMS).json()
    assert "bridge" not in mine and "kpis" not in mine
    assert {x["opportunity_id"] for x in mine["changes"]} == {
        x["opportunity_id"] for x in team["changes"] if x["owner_id"] == "A1"
    }
    html = logged_in("a1@tiny.example").get("/review", params=PARAMS).text
    assert "Weekly review: your deals" in html and "O3" not in html


def test_review_downloads_in_every_format(logged_in):
    c = logged_in("m1@tiny.example")
    for fmt, magic in [("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!DOCTYPE")]:
        r = c.get(f"/download/review.{fmt}", params=PARAMS)
        assert r.status_code == 200 and r.content[:9].upper().startswith(magic.upper()), fmt


def test_review_with_since_after_as_of_is_refused(logged_in):
    c = logged_in("ops@tiny.example")
    r = c.get("/api/review", params={"as_of": "2026-03-01", "since": "2026-03-31"})
    assert r.status_code in (400, 422)


def test_the_same_review_url_gives_each_user_their_own_cached_page(logged_in):
    m1, m2, a1 = (logged_in(e) for e in ("m1@tiny.example", "m2@tiny.example", "a1@tiny.example"))
    for _ in range(2):  # the second round is served from the page cache
        assert "Weekly review: Team 1" in m1.get("/review", params=PARAMS).text
        assert "Weekly review: Team 2" in m2.get("/review", params=PARAMS).text
        assert "Weekly review: your deals" in a1.get("/review", params=PARAMS).text


def test_a_cached_review_page_is_not_served_to_another_session_of_the_same_user(logged_in):
    first, second = logged_in("m1@tiny.example"), logged_in("m1@tiny.example")
    a = first.get("/review", params=PARAMS).text
    b = second.get("/review", params=PARAMS).text
    assert csrf_of(a) != csrf_of(b)  # each page carries its own session's CSRF token


def test_a_user_change_made_in_the_app_reaches_the_next_page_view(logged_in):
    c = logged_in("m2@tiny.example")
    assert "Weekly review: Team 2" in c.get("/review", params=PARAMS).text
    admin = logged_in("admin@tiny.example")
    token = csrf_of(admin.get("/admin/users").text)
    r = admin.post(
        "/admin/users",
        data={
            "email": "m2@tiny.example",
            "role": "manager",
            "password": PASSWORD,
            "person_id": "M1",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200, r.text[:300]
    assert "Weekly review: Team 1" in c.get("/review", params=PARAMS).text
