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


def test_amounts_in_reporting_currency_are_unchanged(tiny):
    s = _state(tiny, "2026-03-31")
    assert s["O4"].amount_rc == Decimal("90.00")


def test_foreign_amounts_convert_at_latest_rate_on_or_before_as_of(tiny):
    import datetime as dt

    import pandas as pd

    tiny.con.execute("UPDATE opportunities SET currency = 'CHF' WHERE opportunity_id = 'O3'")
    tiny.refresh_derived()  # a raw SQL edit: refresh the history's copies
    tiny.insert_frame(
        "fx_rates",
        pd.DataFrame(
            [
                {"date": dt.date(2026, 1, 1), "currency": "CHF", "rate": 1.05},
                {"date": dt.date(2026, 3, 1), "currency": "CHF", "rate": 1.10},
                {"date": dt.date(2026, 6, 1), "currency": "CHF", "rate": 2.00},
            ]
        ),
    )
    assert _state(tiny, "2026-02-15")["O3"].amount_rc == Decimal("210.00")
    assert _state(tiny, "2026-03-31")["O3"].amount_rc == Decimal("220.00")


def test_missing_rate_is_a_clear_error(tiny):
    import pytest

    from salesorg.errors import DataError
    from salesorg.metrics.pit import check_rates

    tiny.con.execute("UPDATE opportunities SET currency = 'USD' WHERE opportunity_id = 'O3'")
    tiny.refresh_derived()  # a raw SQL edit: refresh the history's copies
    with pytest.raises(DataError, match="USD"):
        check_rates(tiny, "2026-03-31")
    assert _state(tiny, "2026-03-31")["O3"].amount_rc is None or pd_isna(
        _state(tiny, "2026-03-31")["O3"].amount_rc
    )


def pd_isna(v):
    import pandas as pd

    return pd.isna(v)
