"""The forecast page and API (salesorg.forecast): ranges for the groups in the caller's scope."""

from __future__ import annotations

import pytest

pytest.importorskip("salesorg.forecast")

PARAMS = {"period": "2026Q2", "as_of": "2026-03-31", "method": "weighted"}


def _groups(body, level):
    return {r["group"] for r in body["rows"] if r["level"] == level}


def test_revops_gets_company_units_and_people_with_ordered_ranges(logged_in):
    body = logged_in("ops@tiny.example").get("/api/forecast", params=PARAMS).json()
    assert _groups(body, "company")
    for r in body["rows"]:
        assert r["p10"] <= r["p50"] <= r["p90"]


def test_a_manager_sees_only_their_team_and_people(logged_in):
    body = logged_in("m1@tiny.example").get("/api/forecast", params=PARAMS).json()
    assert not _groups(body, "company")
    assert _groups(body, "unit") <= {"T1"}
    assert _groups(body, "owner") <= {"M1", "A1", "A2"}
    assert body["rows"], "A2's open O3 and A1's O5 should be forecast"


def test_an_am_sees_only_their_own_row(logged_in):
    body = logged_in("a3@tiny.example").get("/api/forecast", params=PARAMS).json()
    assert _groups(body, "owner") <= {"A3"} and not _groups(body, "unit")


def test_the_page_renders_and_downloads(logged_in):
    c = logged_in("g1@tiny.example")
    html = c.get("/forecast", params=PARAMS).text
    assert "Forecast 2026Q2" in html and "P90" in html
    pdf = c.get("/download/forecast.pdf", params=PARAMS)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_bad_period_is_a_clear_error_not_a_crash(logged_in):
    c = logged_in("g1@tiny.example")
    assert c.get("/api/forecast", params={**PARAMS, "period": "2026Q9"}).status_code == 400
    assert c.get("/forecast", params={**PARAMS, "method": "magic"}).status_code == 400


def test_thin_history_is_named_next_to_the_figures_not_raised(logged_in):
    c = logged_in("ops@tiny.example")
    body = c.get("/api/forecast", params={**PARAMS, "method": "markov"}).json()
    assert any("ThinHistoryWarning" in w for w in body["warnings"])
    html = c.get("/forecast", params={**PARAMS, "method": "markov"}).text
    assert "ThinHistoryWarning" in html
