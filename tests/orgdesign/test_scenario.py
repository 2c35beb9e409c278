"""Scenario rules: span:N regrouping, cells, TOML edits and validation errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesorg.errors import ConfigError
from salesorg.orgdesign import apply_scenario, build_org, load_scenario
from salesorg.orgdesign.scenario import parse_scenario

AS_OF = "2026-06-30"


@pytest.fixture
def org(company):
    return build_org(company, AS_OF)


def test_112_ams_at_span_14_need_8_managers_instead_of_14(org):
    s = apply_scenario(org, load_scenario("span:14"))
    assert s.front_line_managers == 8 == math.ceil(112 / 14)
    spans = s.spans().query("family == 'manager'")
    assert spans["sellers"].tolist() == [14] * 8
    assert int(s.people["family"].isin(["am", "senior_am"]).sum()) == 112


def test_span_keeps_the_managers_with_the_best_team_attainment(org):
    team = org.spans().query("family == 'manager'").sort_values("attainment", ascending=False)
    s = apply_scenario(org, load_scenario("span:14"))
    kept = set(s.people.loc[s.people["family"] == "manager", "person_id"])
    assert kept == set(team["manager_id"].head(8))


def test_span_saves_the_cost_of_the_managers_who_leave(org):
    s = apply_scenario(org, load_scenario("span:14"))
    gone = set(org.people["person_id"]) - set(s.people["person_id"])
    assert len(gone) == 6
    assert org.cost() - s.cost() == pytest.approx(
        org.people.set_index("person_id").loc[list(gone), "cost"].sum()
    )


def test_surplus_managers_can_go_back_to_selling(org, tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('base = "span"\nspan = 14\nsurplus = "senior_am"\n')
    s = apply_scenario(org, load_scenario(f))
    # k = ceil((112 + 14 - k) / 14) is stable at k = 9: 9 managers and 5 new senior AMs
    assert s.front_line_managers == 9
    assert int(s.people["family"].isin(["am", "senior_am"]).sum()) == 117
    assert s.cost() == pytest.approx(org.cost())


def test_a_narrower_span_hires_managers(org):
    s = apply_scenario(org, load_scenario("span:7"))
    assert s.front_line_managers == 16
    assert any("hired 2 manager" in n for n in s.notes)


def test_cells_remove_the_manager_layer_and_report_to_directors(org):
    s = apply_scenario(org, load_scenario("cells"))
    p = s.people.set_index("person_id")
    assert s.front_line_managers == 0 and s.layers == 2
    leads = p[p.index.isin(p["manager_id"]) & (p["family"] == "senior_am")]
    assert len(leads) == 14
    assert set(p.loc[leads.index, "manager_id"].map(p["family"])) == {"director"}
    members = p[p["manager_id"].isin(leads.index)]
    assert (members["cell_id"] == members["manager_id"].map(p["cell_id"])).all()
    assert s.automated and s.team_quota_share == 0.25


def test_edits_move_hire_remove_and_change_quota(org, tmp_path):
    f = tmp_path / "e.toml"
    f.write_text(
        """
name = "edits"
[[edits]]
action = "move"
person = "AM000_00"
manager = "SM001"
[[edits]]
action = "hire"
role = "AM"
manager = "SM002"
count = 2
cost_per_year = 90000
[[edits]]
action = "remove"
person = "SM003"
[[edits]]
action = "quota"
scale = 1.1
"""
    )
    s = apply_scenario(org, load_scenario(f))
    p = s.people.set_index("person_id")
    assert p.loc["AM000_00", "manager_id"] == "SM001"
    assert p.loc[["HIRE-001", "HIRE-002"], "cost"].tolist() == [90000, 90000]
    assert "SM003" not in p.index
    assert (p.loc[p.index.str.startswith("AM003"), "manager_id"] == "D0").all()
    q0 = org.people.set_index("person_id").loc["AM001_00", "quota"]
    assert p.loc["AM001_00", "quota"] == pytest.approx(1.1 * q0)


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ('base = "spam"', "key 'base': value 'spam'"),
        ('base = "span"', "key 'span': value None"),
        ("span = true\nbase = 'span'", "key 'span'"),
        ("colour = 1", "key 'colour': value 1 — unknown key"),
        ("[cells]\nteam_quota_share = 1.5", "cells.team_quota_share"),
        ("[assumptions]\ncoaching_shar = 0.2", "coaching_shar"),
        ("[[edits]]\naction = 'fire'", "edits\\[0\\].action"),
        ("[[edits]]\naction = 'move'\nperson = 'x'", "edits\\[0\\].manager"),
        ("[[edits]]\naction = 'hire'\nrole = 'AM'\nmanager = 'SM001'\ncount = 0", "count"),
    ],
)
def test_bad_scenarios_name_file_key_value_and_rule(tmp_path, toml, match):
    f = tmp_path / "bad.toml"
    f.write_text(toml)
    with pytest.raises(ConfigError, match=match) as e:
        load_scenario(f)
    assert str(f) in str(e.value)


def test_an_edit_naming_an_unknown_person_says_how_to_check(org):
    spec = parse_scenario({"edits": [{"action": "remove", "person": "NOPE"}]}, source="x.toml")
    with pytest.raises(ConfigError, match=r"x\.toml: edits\[0\]\.person: value .NOPE."):
        apply_scenario(org, spec)


@pytest.mark.parametrize(
    "ref", ["span:0", "span:x", "cells:3", "nonsense", "baseline+fast", "missing.toml"]
)
def test_bad_preset_references_are_config_errors(ref):
    with pytest.raises(ConfigError):
        load_scenario(ref)


def test_invalid_toml_syntax_is_a_config_error(tmp_path):
    f = tmp_path / "x.toml"
    f.write_text("name = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(f)


def test_preset_suffix_switches_automation():
    assert load_scenario("span:14+automated").automated
    assert not load_scenario("cells+manual").automated


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(3, 40))
def test_span_regrouping_keeps_every_seller_and_never_exceeds_the_span(org, n):
    s = apply_scenario(org, load_scenario(f"span:{n}"))
    sellers = s.people[s.people["family"].isin(["am", "senior_am"])]
    assert len(sellers) == 112
    per = sellers.groupby("manager_id").size()
    assert per.max() <= n
    assert s.front_line_managers == math.ceil(112 / n)
    assert set(per.index) <= set(s.people["person_id"])
