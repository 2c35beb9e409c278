"""Initiatives in the store: members, units expanded at the start date, waves, audit."""

from __future__ import annotations

import pytest

from salesorg.errors import ConfigError, NotFoundError
from salesorg.impact.initiatives import add_initiative, list_initiatives, treatment


def test_a_unit_member_stands_for_everyone_in_it_on_the_start_date(tiny):
    iid = add_initiative(tiny, "Solution selling", members=["T1"], start="2026-02-01")
    people = treatment(tiny, iid).people
    assert iid == "solution-selling"
    assert sorted(people.person_id) == ["A1", "A2", "M1"]
    assert set(people.unit_id) == {"T1"}


def test_a_parent_unit_includes_its_child_units(tiny):
    iid = add_initiative(tiny, "All", members=["C"], start="2026-02-01")
    assert sorted(treatment(tiny, iid).people.person_id) == ["A1", "A2", "A3", "G1", "M1", "M2"]


def test_people_and_units_can_be_mixed_and_each_person_counts_once(tiny):
    iid = add_initiative(tiny, "Mix", members=["A1", "T1", "A3"], start="2026-02-01")
    assert sorted(treatment(tiny, iid).people.person_id) == ["A1", "A2", "A3", "M1"]


def test_a_second_call_adds_the_next_wave(tiny):
    add_initiative(tiny, "Solution selling", members=["A1"], start="2026-02-01")
    add_initiative(tiny, "Solution selling", members=["A3"], start="2026-03-01")
    p = treatment(tiny, "solution-selling").people.set_index("person_id")
    assert p.loc["A1", "wave"] == 1 and p.loc["A3", "wave"] == 2
    assert str(p.loc["A3", "joined_on"]) == "2026-03-01"
    listed = list_initiatives(tiny)
    assert listed.members.tolist() == [2] and listed.waves.tolist() == [2]


def test_adding_is_audited(tiny):
    add_initiative(tiny, "Solution selling", members=["T1"], start="2026-02-01", actor="max")
    log = tiny.table("audit_log").execute()
    assert log.action.tolist() == ["initiative.add"]
    assert log.actor.tolist() == ["max"] and "T1" in log.detail.iloc[0]


def test_unknown_members_are_refused_with_nothing_written(tiny):
    with pytest.raises(NotFoundError, match="XX"):
        add_initiative(tiny, "Bad", members=["A1", "XX"], start="2026-02-01")
    assert tiny.count("initiatives") == 0


def test_a_member_cannot_join_twice(tiny):
    add_initiative(tiny, "S", members=["A1"], start="2026-02-01")
    with pytest.raises(ConfigError, match="already a member"):
        add_initiative(tiny, "S", members=["A1"], start="2026-03-01")


def test_an_unknown_initiative_says_which_exist(tiny):
    add_initiative(tiny, "S", members=["A1"], start="2026-02-01")
    with pytest.raises(NotFoundError, match="known: s"):
        treatment(tiny, "nope")
