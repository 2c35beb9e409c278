"""A team's review built from its own people's states equals the same review read from the
company-wide states (what ``salesorg review --per-unit`` shares across units).

The hand-made store has deals moving between the two teams around every date the review and
its pack read: between S and D (in and out of T1), between the same week last quarter and S,
a deal whose history rows carry no owner (the header's owner counts), and deals of people
outside both teams.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from review_helpers import D, S, add_deal

from salesorg.review import review_pack, run_review
from salesorg.review.holders import holder_stats
from salesorg.review.pair import state_pair
from salesorg.review.source import ReviewSource
from salesorg.store import Store

LQ = D - dt.timedelta(days=91)  # 2025-12-30


@pytest.fixture
def moving(mini: Store) -> Store:
    """Deals of T1 (A1, A2) and T2 (A3) that change hands (S = 2026-03-24, D = 2026-03-31)."""
    deals = {
        # into T1 between S and D (A3 → A1), open; also raised
        "IN": [
            ("2026-02-01T10:00:00", "Qualify", 400, "2026-06-30", "A3"),
            ("2026-03-26T10:00:00", "Propose", 450, "2026-06-30", "A1"),
        ],
        # out of T1 between S and D (A2 → A3), open, slipped into next quarter
        "OUT": [
            ("2026-01-15T10:00:00", "Propose", 300, "2026-03-31", "A2"),
            ("2026-03-27T10:00:00", "Propose", 300, "2026-05-15", "A3"),
        ],
        # out of T1 between S and D and won on the same day by its new owner
        "OUTWON": [
            ("2026-02-10T10:00:00", "Negotiate", 700, "2026-03-31", "A1"),
            ("2026-03-30T10:00:00", "Won", 700, "2026-03-30", "A3"),
        ],
        # moved from T2 to T1 between the same week last quarter and S; lost before D
        "EARLY": [
            ("2025-11-01T10:00:00", "Qualify", 250, "2026-02-28", "A3"),
            ("2026-01-20T10:00:00", "Propose", 250, "2026-03-31", "A2"),
            ("2026-03-29T10:00:00", "Lost", 250, "2026-03-29", "A2"),
        ],
        # no owner on its history rows: the header's owner (A1) holds it throughout
        "HEADER": [
            ("2025-12-01T10:00:00", "Qualify", 120, "2026-04-30", None),
            ("2026-03-25T10:00:00", "Negotiate", 120, "2026-04-30", None),
        ],
        # new in T2 after S
        "NEW2": [("2026-03-28T10:00:00", "Qualify", 90, "2026-06-30", "A3")],
        # won in T1 last quarter (trend, attainment), owner unchanged
        "WONQ4": [
            ("2025-10-01T10:00:00", "Propose", 800, "2025-12-15", "A1"),
            ("2025-12-10T10:00:00", "Won", 820, "2025-12-10", "A1"),
        ],
        # a manager's own deal (M1 is in T1), stale since January
        "MGR": [("2026-01-05T10:00:00", "Qualify", 60, "2026-04-15", "M1")],
        # the GM's deal: in neither team
        "GM": [("2026-03-01T10:00:00", "Propose", 5000, "2026-04-30", "G1")],
    }
    for oid, rows in deals.items():
        owner = next((r[4] for r in rows if r[4] is not None), "A1")
        add_deal(mini, oid, rows, owner=owner)
    return mini


def _pack_tables(review) -> dict[str, pd.DataFrame]:
    doc = review_pack(review)
    return {
        f"{s.title}/{b.name}": b.frame
        for s in doc.sections
        for b in s.blocks
        if type(b).__name__ == "TableBlock"
    }


@pytest.mark.parametrize("cache", ["on", "off"])
@pytest.mark.parametrize("unit", ["T1", "T2"])
def test_a_units_review_from_its_own_states_equals_the_company_states(
    moving: Store, unit: str, cache: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the data cache a unit's states are filtered from the day's company states kept
    as Parquet; without it they are computed for the unit's people alone."""
    monkeypatch.setenv("SALESORG_CACHE_DIR", str(tmp_path / "cache") if cache == "on" else "off")
    shared = ReviewSource(moving)  # company-wide states, as --per-unit shares them
    own = run_review(moving, D, S, unit_id=unit)
    company = run_review(shared, D, S, unit_id=unit)
    assert own.source.owners == own.scope.people  # really built from the unit's states
    assert shared.owners is None
    if cache == "on":  # the day's company states were kept and filtered
        assert {p.name for p in (tmp_path / "cache").iterdir()} >= {"review-pair", "review-state"}
    assert own.to_json() == company.to_json()
    pd.testing.assert_frame_equal(own.changes, company.changes)
    mine, theirs = _pack_tables(own), _pack_tables(company)
    assert mine.keys() == theirs.keys()
    for name, frame in mine.items():
        pd.testing.assert_frame_equal(frame, theirs[name], obj=name)
    own.release()
    shared.release()


def test_deals_reassigned_between_s_and_d_appear_in_both_teams_reviews(moving: Store) -> None:
    t1 = run_review(moving, D, S, unit_id="T1")
    t2 = run_review(moving, D, S, unit_id="T2")
    ids1, ids2 = set(t1.changes.opportunity_id), set(t2.changes.opportunity_id)
    assert {"IN", "OUT", "OUTWON"} <= ids1
    assert {"IN", "OUT", "OUTWON", "NEW2"} <= ids2
    assert "GM" not in ids1 | ids2
    flags = t1.changes.set_index("opportunity_id")["flags"]
    assert "reassigned" in flags["IN"] and "reassigned" in flags["OUT"]
    # T1's bridge: OUT and OUTWON started in T1's quarter pipeline, IN ends in neither quarter
    assert t1.bridge.start == pytest.approx(300 + 700 + 250)


def test_a_scoped_pair_is_the_company_pair_restricted_to_owners_at_either_date(
    moving: Store,
) -> None:
    people = {"A1", "A2", "M1"}
    full = state_pair(moving, D, S).execute()
    scoped = state_pair(moving, D, S, owners=people).execute()
    keep = full.owner_id.isin(people) | full.owner_id_0.isin(people)
    expected = full[keep].sort_values("opportunity_id").reset_index(drop=True)
    got = scoped.sort_values("opportunity_id").reset_index(drop=True)
    # a column with NULLs in the company pair only comes back as float there
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert {"IN", "OUT", "OUTWON", "HEADER", "EARLY"} <= set(got.opportunity_id)


def test_holders_of_a_scoped_review_are_every_owner_of_the_company(moving: Store) -> None:
    scoped = ReviewSource(moving, owners={"A1", "A2", "M1"})
    scoped.pair(D, S)
    company = ReviewSource(moving)
    company.pair(D, S)
    pd.testing.assert_frame_equal(
        holder_stats(scoped, D).sort_index(), holder_stats(company, D).sort_index()
    )
    assert "G1" in holder_stats(scoped, D).index  # outside the unit, still measured
