"""The two review states from one pass equal the point-in-time view computed twice."""

from __future__ import annotations

import pandas as pd
import pytest
from review_helpers import D, S, add_deal

from salesorg.metrics.pit import opportunity_state
from salesorg.review.pair import BEFORE_COLUMNS, PAIR_STATE_COLUMNS, state_from_pair, state_pair
from salesorg.review.source import ReviewSource
from salesorg.store import Store


def _by_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values("opportunity_id").reset_index(drop=True)


def _expected(store: Store, as_of: str, since: str) -> pd.DataFrame:
    """The states at D and S from ``opportunity_state`` twice, joined (the old way)."""
    s1 = opportunity_state(store, as_of).execute()[list(PAIR_STATE_COLUMNS)]
    s0 = opportunity_state(store, since).execute()
    s0 = s0[["opportunity_id", *BEFORE_COLUMNS]].rename(
        columns={c: f"{c}_0" for c in BEFORE_COLUMNS}
    )
    return _by_id(s1.merge(s0, on="opportunity_id", how="left"))


def _assert_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = _by_id(got[list(want.columns)])
    for c in want.columns:
        a, b = got[c], want[c]
        same = (a == b) | (a.isna() & b.isna())
        assert same.all(), f"{c}: {list(a[~same][:3])} vs {list(b[~same][:3])}"


@pytest.mark.parametrize(
    ("as_of", "since"),
    [("2026-03-31", "2026-03-24"), ("2026-03-31", "2026-03-01"), ("2026-02-28", "2026-01-31")],
)
def test_state_pair_equals_two_point_in_time_views(tiny: Store, as_of: str, since: str) -> None:
    got = state_pair(tiny, as_of, since).execute()
    _assert_equal(got, _expected(tiny, as_of, since))
    # the dates are chosen so that some deals moved and some are new in between
    assert (got["changed_at"] != got["changed_at_0"]).any()


def test_state_pair_handles_changes_at_midnight_and_several_changes_between(mini: Store) -> None:
    s_end = f"{S + pd.Timedelta(days=1)}T00:00:00"  # the first instant after S: not part of S
    add_deal(mini, "KEPT", [("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1")])
    add_deal(
        mini,
        "MOVED",
        [
            ("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1"),
            (s_end, "Propose", 120, "2026-05-10", "A2"),
            ("2026-03-27T10:00:00", "Negotiate", 130, "2026-05-10", "A2"),
        ],
    )
    add_deal(
        mini,
        "LATE_ON_S",
        [
            ("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1"),
            (f"{S}T23:59:59", "Propose", 110, "2026-04-30", "A1"),
        ],
    )
    add_deal(mini, "NEW", [("2026-03-26T10:00:00", "Qualify", 50, "2026-04-30", "A3")])
    add_deal(
        mini,
        "CLOSED",
        [
            ("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1"),
            ("2026-03-30T10:00:00", "Won", 100, "2026-03-30", "A1"),
        ],
    )
    got = state_pair(mini, D, S).execute()
    _assert_equal(got, _expected(mini, str(D), str(S)))
    row = got.set_index("opportunity_id")
    assert row.loc["MOVED", "stage_0"] == "Qualify"  # the change at midnight after S is later
    assert row.loc["LATE_ON_S", "stage_0"] == "Propose"
    assert pd.isna(row.loc["NEW", "changed_at_0"])


def test_the_states_read_from_a_cached_pair_equal_the_views(tiny: Store) -> None:
    src = ReviewSource(tiny)
    try:
        src.pair("2026-03-31", "2026-03-24")
        for day in ("2026-03-31", "2026-03-24"):
            want = _by_id(opportunity_state(tiny, day).execute()[list(PAIR_STATE_COLUMNS)])
            _assert_equal(src.state(day).execute(), want)
    finally:
        src.release()


def test_state_from_pair_keeps_only_deals_that_existed_at_s(tiny: Store) -> None:
    pair = state_pair(tiny, "2026-03-31", "2026-03-01")
    before = state_from_pair(pair, before=True).execute()
    assert set(before["opportunity_id"]) == set(
        opportunity_state(tiny, "2026-03-01").execute()["opportunity_id"]
    )


def test_in_review_marks_deals_open_at_either_date_or_new(mini: Store) -> None:
    """Hand-made: open at both, closed between S and D, created and closed between them,
    reopened, and closed before S (the only one the review does not compare)."""
    add_deal(mini, "OPEN", [("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1")])
    add_deal(
        mini,
        "WON_NOW",
        [
            ("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1"),
            ("2026-03-27T10:00:00", "Won", 100, "2026-03-27", "A1"),
        ],
    )
    add_deal(mini, "NEW_LOST", [("2026-03-26T10:00:00", "Lost", 50, "2026-03-26", "A1")])
    add_deal(
        mini,
        "REOPENED",
        [
            ("2026-03-01T10:00:00", "Lost", 100, "2026-03-01", "A1"),
            ("2026-03-27T10:00:00", "Qualify", 100, "2026-04-30", "A1"),
        ],
    )
    add_deal(mini, "OLD_WIN", [("2026-03-01T10:00:00", "Won", 100, "2026-03-01", "A1")])
    got = state_pair(mini, D, S).execute().set_index("opportunity_id")["in_review"]
    assert got.to_dict() == {
        "NEW_LOST": True,
        "OLD_WIN": False,
        "OPEN": True,
        "REOPENED": True,
        "WON_NOW": True,
    }
