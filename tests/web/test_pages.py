"""Pages: what each shows, escaping of hostile input, navigation, downloads."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from web_support import csrf_of

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
    "{{ 7*7 }}",
]


def test_home_shows_the_scope_totals_of_a_manager(logged_in):
    html = logged_in("m1@tiny.example").get("/").text
    # M1 sees O1 (won 120), O2 (lost), O3 (open 200), O5 (open 30)
    assert "230.00 EUR" in html and "120.00 EUR" in html


def test_opportunity_list_and_detail_render_for_an_am(logged_in):
    c = logged_in("a1@tiny.example")
    html = c.get("/opportunities").text
    assert "3 opportunities in your scope" in html
    assert "/opportunities/O5?" in html and "/opportunities/O3" not in html
    detail = c.get("/opportunities/O5").text
    assert "History" in detail and detail.count("<tr>") == 3  # header + 2 changes


def test_people_page_shows_spans_in_scope(logged_in):
    html = logged_in("g1@tiny.example").get("/people").text
    assert "span 1:2" in html and "span 1:1" in html
    assert "mean span 1:1.7" in html  # G1 2, M1 2, M2 1


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_text_is_rendered_escaped(logged_in, text: str):
    html = logged_in("ops@tiny.example").get("/opportunities", params={"q": text}).text
    assert text not in html or text == "{{ 7*7 }}"
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "49" not in html.split("<main>")[1]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_in_the_data_are_rendered_escaped(logged_in, web_store, text: str):
    web_store.con.execute("UPDATE opportunities SET name = ? WHERE opportunity_id = 'O1'", [text])
    web_store.con.execute("UPDATE people SET name = ? WHERE person_id = 'A1'", [text])
    c = logged_in("admin@tiny.example")
    for path in ["/opportunities", "/opportunities/O1", "/people"]:
        html = c.get(path).text
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html, path
    assert c.get("/api/opportunities/O1").json()["name"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_in_the_user_form_is_refused_and_escaped(logged_in, text: str):
    c = logged_in("admin@tiny.example")
    token = csrf_of(c.get("/admin/users").text)
    r = c.post(
        "/admin/users",
        data={
            "email": text,
            "role": text,
            "person_id": text,
            "password": text + "xxxxxxxx",
            "csrf_token": token,
        },
    )
    assert r.status_code in (400, 422)
    assert "<script>alert(1)</script>" not in r.text and "<img src=x" not in r.text


def test_a_bad_as_of_is_a_400_page_not_a_crash(logged_in):
    r = logged_in("ops@tiny.example").get("/opportunities", params={"as_of": "<b>x</b>"})
    assert r.status_code == 400 and "<b>x</b>" not in r.text


def test_navigation_shows_admin_pages_only_to_admins_and_no_absent_engine_pages(logged_in):
    admin = logged_in("admin@tiny.example").get("/").text
    am = logged_in("a1@tiny.example").get("/").text
    assert 'href="/admin/users"' in admin and 'href="/admin/users"' not in am
    from salesorg.web.app import NAV

    for item in NAV:
        if not item.available():
            assert f'href="{item.path}"' not in admin
            assert logged_in("admin@tiny.example").get(item.path).status_code == 404


def test_unknown_pages_are_404(logged_in):
    assert logged_in("a1@tiny.example").get("/nope").status_code == 404


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx"])
def test_opportunity_report_downloads_hold_only_the_scope(logged_in, fmt: str):
    r = logged_in("m2@tiny.example").get(f"/download/opportunities.{fmt}")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    if fmt == "pdf":
        assert r.content.startswith(b"%PDF")
    elif fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        ws = wb["Opportunities"]
        frame = pd.DataFrame(ws.values)
        ids = set(frame[0]) - {None, "opportunity_id"}
        assert {v for v in ids if isinstance(v, str) and v.startswith("O")} == {"O4"}
    else:
        assert "O4" in r.text and "O1<" not in r.text


def test_people_report_downloads_as_pdf(logged_in):
    r = logged_in("g1@tiny.example").get("/download/people.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_unknown_report_or_format_is_404(logged_in):
    c = logged_in("g1@tiny.example")
    assert c.get("/download/secrets.pdf").status_code == 404
    assert c.get("/download/people.exe").status_code == 404
