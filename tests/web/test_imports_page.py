"""The imports page (salesorg.ingest): located errors for a bad file, nothing written; confirm."""

from __future__ import annotations

import pytest
from web_support import csrf_of

pytest.importorskip("salesorg.ingest")

BAD = (
    "person_id,name,email,role,cost_per_year,currency,hired_on,left_on,country\n"
    "P9,Ok Person,,AM,100000,EUR,2024-01-01,,DE\n"
    "P10,Bad Cost,,AM,lots,EUR,2024-01-01,,DE\n"
    "P11,Bad Date,,AM,90000,EUR,2024-13-45,,DE\n"
)
GOOD = (
    "person_id,name,email,role,cost_per_year,currency,hired_on,left_on,country\n"
    "P9,Ok Person,,AM,100000,EUR,2024-01-01,,DE\n"
)


def _upload(c, name: str, text: str):
    token = csrf_of(c.get("/imports").text)
    return c.post(
        "/imports/validate",
        data={"preset": "native", "csrf_token": token},
        files=[("files", (name, text.encode(), "text/csv"))],
    )


def test_a_bad_file_shows_each_error_with_row_and_column_and_writes_nothing(logged_in, web_store):
    c = logged_in("ops@tiny.example")
    r = _upload(c, "people.csv", BAD)
    assert r.status_code == 422
    html = r.text
    assert "nothing was written" in html
    rows = html.split('<table class="data problems">')[1].split("</table>")[0]
    assert "<td>people.csv</td><td>3</td><td>cost_per_year</td><td>lots</td>" in rows
    assert "<td>people.csv</td><td>4</td><td>hired_on</td>" in rows
    assert web_store.con.execute(
        "SELECT count(*) FROM people WHERE person_id LIKE 'P%'"
    ).fetchall() == [(0,)]


def test_a_good_file_is_imported_only_after_confirming_and_audited(logged_in, web_store):
    c = logged_in("admin@tiny.example")
    r = _upload(c, "people.csv", GOOD)
    assert r.status_code == 200 and "Confirm import" in r.text
    assert web_store.con.execute(
        "SELECT count(*) FROM people WHERE person_id = 'P9'"
    ).fetchall() == [(0,)]
    token = r.text.split('name="token" value="')[1].split('"')[0]
    r = c.post("/imports/confirm", data={"token": token, "csrf_token": csrf_of(r.text)})
    assert r.status_code == 200 and "Imported" in r.text
    assert web_store.con.execute(
        "SELECT count(*) FROM people WHERE person_id = 'P9'"
    ).fetchall() == [(1,)]
    audit = web_store.con.execute(
        "SELECT actor, action FROM audit_log WHERE action LIKE 'web import%'"
    ).fetchall()
    assert audit == [("admin@tiny.example", "web import native")]
    # the token is single-use
    assert (
        c.post("/imports/confirm", data={"token": token, "csrf_token": csrf_of(r.text)}).status_code
        == 404
    )


def test_only_revops_and_admin_may_import(logged_in):
    c = logged_in("g1@tiny.example")
    assert c.get("/imports").status_code == 403


def test_upload_without_csrf_is_refused(logged_in):
    c = logged_in("ops@tiny.example")
    r = c.post(
        "/imports/validate",
        data={"preset": "native"},
        files=[("files", ("people.csv", GOOD.encode(), "text/csv"))],
    )
    assert r.status_code == 403


def test_a_hostile_file_name_is_neutralised(logged_in):
    c = logged_in("ops@tiny.example")
    r = _upload(c, "../../<script>alert(1)</script>.csv", GOOD)
    assert "<script>alert(1)</script>" not in r.text
