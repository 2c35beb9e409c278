"""The JSON API: shape, pagination, and scope enforced per role (404 outside the scope)."""

from __future__ import annotations

import pytest
from web_support import VISIBLE

ALL = {"O1", "O2", "O3", "O4", "O5"}


@pytest.mark.parametrize("email", sorted(VISIBLE))
def test_each_role_lists_only_its_scope(logged_in, email: str):
    body = logged_in(email).get("/api/opportunities", params={"limit": 100}).json()
    assert {i["opportunity_id"] for i in body["items"]} == VISIBLE[email]
    assert body["total"] == len(VISIBLE[email])


@pytest.mark.parametrize("email", sorted(VISIBLE))
def test_each_role_gets_404_for_every_opportunity_outside_its_scope_by_api_and_url(
    logged_in, email: str
):
    c = logged_in(email)
    for opp in sorted(ALL):
        api = c.get(f"/api/opportunities/{opp}").status_code
        page = c.get(f"/opportunities/{opp}").status_code
        expected = 200 if opp in VISIBLE[email] else 404
        assert (api, page) == (expected, expected), opp


def test_list_items_have_the_documented_fields_and_values(logged_in):
    body = logged_in("m2@tiny.example").get("/api/opportunities").json()
    (item,) = body["items"]
    assert {"opportunity_id", "owner_id", "stage", "amount", "close_date"} <= set(item)
    assert item == item | {
        "opportunity_id": "O4",
        "owner_id": "A3",
        "stage": "Won",
        "amount": 90.0,
        "close_date": "2026-03-20",
    }


def test_detail_carries_the_history_up_to_as_of(logged_in):
    c = logged_in("admin@tiny.example")
    full = c.get("/api/opportunities/O1").json()
    assert [h["stage"] for h in full["history"]] == ["Qualify", "Propose", "Won"]
    early = c.get("/api/opportunities/O1", params={"as_of": "2026-01-25"}).json()
    assert early["stage"] == "Propose" and len(early["history"]) == 2
    assert c.get("/api/opportunities/O4", params={"as_of": "2026-01-01"}).status_code == 404


def test_as_of_changes_what_an_am_owns(logged_in):
    # O5 belonged to A3 until 2026-03-25
    c = logged_in("a3@tiny.example")
    before = c.get("/api/opportunities", params={"as_of": "2026-03-20"}).json()
    assert {i["opportunity_id"] for i in before["items"]} == {"O4", "O5"}


@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (2, 0), (2, 2), (2, 4), (3, 3), (10, 5)])
def test_pages_partition_the_list_in_order(logged_in, limit: int, offset: int):
    c = logged_in("ops@tiny.example")
    body = c.get("/api/opportunities", params={"limit": limit, "offset": offset}).json()
    assert body["total"] == 5
    assert [i["opportunity_id"] for i in body["items"]] == sorted(ALL)[offset : offset + limit]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"as_of": "x"}])
def test_bad_parameters_are_422_not_500(logged_in, params):
    assert logged_in("ops@tiny.example").get("/api/opportunities", params=params).status_code == 422


def test_search_is_a_literal_not_sql(logged_in):
    c = logged_in("ops@tiny.example")
    for q in ["' OR 1=1 --", "%", "_", "O1'; DROP TABLE users; --"]:
        body = c.get("/api/opportunities", params={"q": q}).json()
        assert body["total"] == 0, q
    assert c.get("/api/opportunities", params={"q": "o5"}).json()["total"] == 1
    assert c.get("/api/me").status_code == 200  # users table still there


def test_org_lists_only_units_in_scope_with_spans(logged_in):
    units = logged_in("m1@tiny.example").get("/api/org").json()
    assert [u["unit_id"] for u in units] == ["T1"]
    spans = {m["person_id"]: m["span"] for m in units[0]["members"]}
    assert spans == {"M1": 2, "A1": 0, "A2": 0}
    everything = logged_in("g1@tiny.example").get("/api/org").json()
    assert [u["unit_id"] for u in everything] == ["C", "T1", "T2"]


def test_openapi_schema_documents_the_opportunity_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/opportunities" in schema["paths"]
    assert "/api/opportunities/{opportunity_id}" in schema["paths"]
    assert not any(p.startswith("/admin") or p == "/login" for p in schema["paths"])
