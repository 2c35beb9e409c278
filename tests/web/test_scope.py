"""Visibility by reporting line: which owners each role sees, resolved as of a date."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from web_support import TODAY, USERS, VISIBLE

from salesorg.store import Store
from salesorg.web.queries import opportunity_page
from salesorg.web.scope import scope_for
from salesorg.web.users import User


def _user(email: str) -> User:
    role, person = USERS[email]
    return User(email, role, person)


@pytest.mark.parametrize("email", sorted(VISIBLE))
def test_each_user_sees_exactly_the_opportunities_of_their_reporting_line(
    web_store: Store, email: str
):
    scope = scope_for(web_store, _user(email), as_of=TODAY)
    rows, total = opportunity_page(web_store, scope, as_of=TODAY, limit=100)
    assert {r["opportunity_id"] for r in rows} == VISIBLE[email]
    assert total == len(VISIBLE[email])


def test_an_am_in_a_cell_also_sees_the_cells_deals(web_store: Store):
    web_store.con.execute("UPDATE units SET kind = 'cell' WHERE unit_id = 'T1'")
    scope = scope_for(web_store, _user("a1@tiny.example"), as_of=TODAY)
    assert scope.person_ids == {"A1", "A2", "M1"}
    rows, _ = opportunity_page(web_store, scope, as_of=TODAY)
    assert {r["opportunity_id"] for r in rows} == {"O1", "O2", "O3", "O5"}


def test_a_manager_placed_in_the_region_next_to_their_director_sees_only_their_team(
    web_store: Store,
):
    # M1 now sits in C (with G1, their manager) but still manages A1 and A2 in T1
    web_store.con.execute("UPDATE assignments SET unit_id = 'C' WHERE person_id = 'M1'")
    scope = scope_for(web_store, _user("m1@tiny.example"), as_of=TODAY)
    assert scope.person_ids == {"M1", "A1", "A2"}
    assert scope.unit_ids == {"T1"}


def test_visibility_follows_the_reporting_line_of_the_given_day(web_store: Store):
    # A2 moves from T1 (M1) to T2 (M2) on 2026-03-01
    web_store.con.execute(
        "UPDATE assignments SET valid_to = DATE '2026-03-01' WHERE person_id = 'A2'"
    )
    web_store.insert_frame(
        "assignments",
        pd.DataFrame(
            [
                {
                    "person_id": "A2",
                    "unit_id": "T2",
                    "manager_id": "M2",
                    "valid_from": dt.date(2026, 3, 1),
                    "valid_to": None,
                }
            ]
        ),
    )
    m1 = _user("m1@tiny.example")
    assert "A2" in scope_for(web_store, m1, as_of=dt.date(2026, 2, 28)).person_ids
    assert "A2" not in scope_for(web_store, m1, as_of=TODAY).person_ids
    assert "A2" in scope_for(web_store, _user("m2@tiny.example"), as_of=TODAY).person_ids


def test_indirect_reports_are_visible_even_outside_the_unit_tree(web_store: Store):
    # G1 leaves C for a detached unit X; M1 and M2 still report to G1
    web_store.insert_frame(
        "units", pd.DataFrame([{"unit_id": "X", "name": "X", "kind": "department"}])
    )
    web_store.con.execute("UPDATE assignments SET unit_id = 'X' WHERE person_id = 'G1'")
    scope = scope_for(web_store, _user("g1@tiny.example"), as_of=TODAY)
    assert {"M1", "M2", "A1", "A2", "A3"} <= scope.person_ids


def test_the_scope_filter_is_in_the_query_not_applied_after(web_store: Store):
    scope = scope_for(web_store, _user("a3@tiny.example"), as_of=TODAY)
    from salesorg.metrics.pit import opportunity_state

    sql = str(scope.filter(opportunity_state(web_store, TODAY)).compile())
    assert "'A3'" in sql and "IN" in sql.upper()
