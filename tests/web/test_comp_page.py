"""Commission statements on the web (salesorg.comp): only the statements in the caller's scope."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("salesorg.comp")

from salesorg.comp import add_plan, assign_plan, parse_plan

PLAN = """
plan_id = "p"
ote = 100000
pay_mix = [50, 50]
period = "quarter"
[[components]]
id = "bookings"
weight = 100
commission_rate = 5
"""


@pytest.fixture
def planned(web_store):
    add_plan(web_store, parse_plan(PLAN))
    assign_plan(web_store, "p", ["A1", "A2", "A3"], valid_from=dt.date(2026, 1, 1))
    return web_store


def _text(c, path="/comp", **params):
    r = c.get(path, params={"period": "2026Q1", **params})
    assert r.status_code == 200, r.text[:500]
    return r.text


def test_a_manager_sees_their_team_statements_only(planned, logged_in):
    html = _text(logged_in("m1@tiny.example"))
    assert "Ann AM" in html and "Cat AM" not in html


def test_an_am_sees_only_their_own_statement(planned, logged_in):
    html = _text(logged_in("a3@tiny.example"))
    assert "Cat AM" in html and "Ann AM" not in html and "Ben AM" not in html


def test_revops_sees_everyone_and_downloads_excel(planned, logged_in):
    c = logged_in("ops@tiny.example")
    html = _text(c)
    assert "Ann AM" in html and "Cat AM" in html
    r = c.get("/download/comp.xlsx", params={"period": "2026Q1"})
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_the_downloaded_statement_holds_only_the_scope(planned, logged_in):
    r = logged_in("m2@tiny.example").get("/download/comp.html", params={"period": "2026Q1"})
    assert r.status_code == 200 and "Cat AM" in r.text and "Ann AM" not in r.text
