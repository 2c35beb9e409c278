"""Point-in-time views on the tiny company, where every state is known by hand."""

from __future__ import annotations

from decimal import Decimal

from salesorg.metrics.pit import opportunity_state, reporting_line


def _state(store, as_of):
    df = opportunity_state(store, as_of).execute()
    return {r.opportunity_id: r for r in df.itertuples()}


def test_state_before_any_change_is_empty(tiny):
    assert _state(tiny, "2026-01-04") == {}


def test_a_change_during_the_day_counts_as_of_that_day(tiny):
    s = _state(tiny, "2026-01-05")
    assert set(s) == {"O1"}
    assert s["O1"].stage == "Qualify" and s["O1"].amount == Decimal("100.00")


def test_state_shows_the_latest_change_up_to_as_of(tiny):
    s = _state(tiny, "2026-02-28")
    assert s["O1"].stage == "Won" and s["O1"].is_won
    assert s["O3"].close_date.date().isoformat() == "2026-03-31"
    assert set(s) == {"O1", "O2", "O3", "O4"}


def test_owner_follows_reassignment_in_history(tiny):
    assert _state(tiny, "2026-03-24")["O5"].owner_id == "A3"
    assert _state(tiny, "2026-03-25")["O5"].owner_id == "A1"


def test_stage_properties_are_joined(tiny):
    s = _state(tiny, "2026-03-31")
    assert s["O2"].is_closed and not s["O2"].is_won
    assert s["O3"].default_probability == 0.1 and s["O3"].ordinal == 1


def test_reporting_line_gives_unit_and_manager(tiny):
    df = reporting_line(tiny, "2026-03-01").execute().set_index("person_id")
    assert df.loc["A3", "unit_id"] == "T2" and df.loc["A3", "manager_id"] == "M2"
    assert len(df) == 6
