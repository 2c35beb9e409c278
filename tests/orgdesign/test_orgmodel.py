"""The org model on the tiny hand-made company (tests/conftest.py) and the synthetic one."""

from __future__ import annotations

import pytest

from salesorg.errors import DataError
from salesorg.orgdesign import build_org


def test_tiny_company_spans_layers_and_headcount_by_hand(tiny):
    org = build_org(tiny, "2026-03-31")
    spans = org.spans().set_index("manager_id")["span"].to_dict()
    assert spans == {"G1": 2, "M1": 2, "M2": 1}
    assert org.layers == 2  # G1 > M1 > A1
    assert org.headcount() == {"am": 3, "gm": 1, "manager": 2}
    assert org.managers == 3 and org.front_line_managers == 2
    assert org.mean_span() == pytest.approx(5 / 3)


def test_tiny_company_bookings_quota_and_cost_of_sales_by_hand(tiny):
    org = build_org(tiny, "2026-03-31")
    p = org.people.set_index("person_id")
    # O1 won by A1 at 120 on 2026-02-10, O4 won by A3 at 90 on 2026-03-20
    assert p.loc["A1", "bookings"] == 120 and p.loc["A3", "bookings"] == 90
    assert p.loc["A2", "bookings"] == 0
    assert p.loc["A1", "attainment"] == pytest.approx(1.2)
    assert org.cost() == 600_000
    assert org.cost_of_sales() == pytest.approx(600_000 / 210)
    team = org.spans().set_index("manager_id")
    assert team.loc["M1", "bookings"] == 120 and team.loc["M1", "quota"] == 200


def test_org_is_point_in_time_deals_won_later_do_not_count(tiny):
    org = build_org(tiny, "2026-03-01")
    assert org.people.set_index("person_id").loc["A3", "bookings"] == 0


def test_no_assignment_in_force_is_a_data_error_saying_what_to_import(tiny):
    with pytest.raises(DataError, match=r"assignments\.csv"):
        build_org(tiny, "2019-01-01")


def test_synthetic_company_has_112_ams_under_14_managers(company):
    org = build_org(company, "2026-06-30")
    assert org.front_line_managers == 14
    assert int(org.people["family"].isin(["am", "senior_am"]).sum()) == 112
    assert org.layers == 3
    assert (org.spans().query("family == 'manager'")["sellers"] == 8).all()
