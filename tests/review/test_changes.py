from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from review_helpers import D, S, add_deal

from salesorg.review import ReviewConfig, change_base
from salesorg.review.changes import flag_names
from salesorg.review.stale import stage_thresholds
from salesorg.store import Store

# no stale flags unless a test asks for them
QUIET = ReviewConfig(stale_days={"Qualify": 999, "Propose": 999, "Negotiate": 999})

OPEN_AT_S = ("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1")

CASES = {
    "new": [("2026-03-26T10:00:00", "Qualify", 100, "2026-04-30", "A1")],
    "won": [OPEN_AT_S, ("2026-03-28T10:00:00", "Won", 100, "2026-03-28", "A1")],
    "lost": [OPEN_AT_S, ("2026-03-28T10:00:00", "Lost", 100, "2026-03-28", "A1")],
    "advanced": [OPEN_AT_S, ("2026-03-27T10:00:00", "Propose", 100, "2026-04-30", "A1")],
    "regressed": [
        ("2026-03-01T10:00:00", "Negotiate", 100, "2026-04-30", "A1"),
        ("2026-03-27T10:00:00", "Propose", 100, "2026-04-30", "A1"),
    ],
    "slipped": [OPEN_AT_S, ("2026-03-27T10:00:00", "Qualify", 100, "2026-05-10", "A1")],
    "pulled_in": [OPEN_AT_S, ("2026-03-27T10:00:00", "Qualify", 100, "2026-04-20", "A1")],
    "amount_up": [OPEN_AT_S, ("2026-03-27T10:00:00", "Qualify", 150, "2026-04-30", "A1")],
    "amount_down": [OPEN_AT_S, ("2026-03-27T10:00:00", "Qualify", 60, "2026-04-30", "A1")],
    "reassigned": [OPEN_AT_S, ("2026-03-27T10:00:00", "Qualify", 100, "2026-04-30", "A2")],
    "past_due": [("2026-03-27T10:00:00", "Qualify", 100, "2026-03-30", "A1")],
}


def _flags(store: Store, config: ReviewConfig = QUIET, since: dt.date = S) -> dict[str, list[str]]:
    base = change_base(store, D, since, config=config).execute()
    return {r.opportunity_id: flag_names(r) for r in base.itertuples()}


@pytest.mark.parametrize("flag", sorted(CASES))
def test_each_hand_made_history_gets_exactly_its_flag(mini: Store, flag: str) -> None:
    add_deal(mini, "X", CASES[flag])
    expected = ["new", "past_due"] if flag == "past_due" else [flag]
    assert _flags(mini) == {"X": expected}


def test_an_unchanged_open_deal_carries_no_flag(mini: Store) -> None:
    add_deal(mini, "X", [OPEN_AT_S])
    assert _flags(mini) == {"X": []}


def test_a_deal_closed_before_the_last_review_is_left_out(mini: Store) -> None:
    add_deal(mini, "X", [OPEN_AT_S, ("2026-03-10T10:00:00", "Won", 100, "2026-03-10", "A1")])
    assert _flags(mini) == {}


def test_a_deal_created_and_won_between_reviews_is_new_and_won(mini: Store) -> None:
    add_deal(
        mini,
        "X",
        [
            ("2026-03-25T10:00:00", "Qualify", 100, "2026-04-30", "A1"),
            ("2026-03-29T10:00:00", "Won", 100, "2026-03-29", "A1"),
        ],
    )
    assert _flags(mini) == {"X": ["new", "won"]}


def test_one_deal_can_carry_several_flags(mini: Store) -> None:
    add_deal(
        mini,
        "X",
        [OPEN_AT_S, ("2026-03-27T10:00:00", "Negotiate", 180, "2026-07-15", "A3")],
    )
    assert _flags(mini) == {"X": ["advanced", "slipped", "amount_up", "reassigned"]}


def test_slip_days_and_quarter_crossing_are_reported(mini: Store) -> None:
    add_deal(mini, "IN", [OPEN_AT_S, ("2026-03-27T10:00:00", "Qualify", 100, "2026-05-10", "A1")])
    add_deal(
        mini,
        "OUT",
        [
            ("2026-03-01T10:00:00", "Qualify", 100, "2026-06-20", "A1"),
            ("2026-03-27T10:00:00", "Qualify", 100, "2026-07-10", "A1"),
        ],
    )
    base = change_base(mini, D, S, config=QUIET).execute().set_index("opportunity_id")
    assert base.loc["IN", "slip_days"] == 10 and not base.loc["IN", "slip_crossed_quarter"]
    assert base.loc["OUT", "slip_days"] == 20 and base.loc["OUT", "slip_crossed_quarter"]


def test_stale_uses_the_stage_threshold_and_ignores_paused_deals(mini: Store) -> None:
    config = ReviewConfig(stale_days={"Qualify": 30})
    add_deal(mini, "OLD", [("2026-02-20T10:00:00", "Qualify", 100, "2026-04-30", "A1")])  # 39 days
    add_deal(mini, "FRESH", [("2026-03-05T10:00:00", "Qualify", 100, "2026-04-30", "A1")])  # 26
    add_deal(mini, "PAUSED", [("2026-02-20T10:00:00", "Qualify", 100, "2026-04-30", "A1")])
    mini.con.execute(
        "INSERT INTO deal_pauses VALUES ('PAUSED', DATE '2026-03-20', DATE '2026-04-15', 'budget', 't')"
    )
    assert _flags(mini, config) == {"OLD": ["stale"], "FRESH": [], "PAUSED": []}


def test_a_pause_recorded_after_the_review_date_does_not_count(mini: Store) -> None:
    add_deal(mini, "X", [("2026-02-20T10:00:00", "Qualify", 100, "2026-04-30", "A1")])
    mini.con.execute(
        "INSERT INTO deal_pauses VALUES ('X', DATE '2026-04-02', DATE '2026-05-15', 'later', 't')"
    )
    assert _flags(mini, ReviewConfig(stale_days={"Qualify": 30})) == {"X": ["stale"]}


def test_an_expired_pause_no_longer_protects(mini: Store) -> None:
    add_deal(mini, "X", [("2026-02-20T10:00:00", "Qualify", 100, "2026-04-30", "A1")])
    mini.con.execute(
        "INSERT INTO deal_pauses VALUES ('X', DATE '2026-03-01', DATE '2026-03-30', 'over', 't')"
    )
    assert _flags(mini, ReviewConfig(stale_days={"Qualify": 30})) == {"X": ["stale"]}


def test_stage_threshold_is_twice_the_median_completed_stay(mini: Store) -> None:
    # five completed Qualify stays of 10, 10, 20, 20 and 30 days: median 20, threshold 40
    for i, days in enumerate([10, 10, 20, 20, 30]):
        start = dt.datetime(2026, 1, 1, 9)
        add_deal(
            mini,
            f"H{i}",
            [
                (start.isoformat(), "Qualify", 100, "2026-02-28", "A1"),
                ((start + dt.timedelta(days=days)).isoformat(), "Propose", 100, "2026-02-28", "A1"),
                ("2026-02-20T09:00:00", "Lost", 100, "2026-02-20", "A1"),
            ],
        )
    thr = stage_thresholds(mini, D).execute().set_index("t_stage")
    assert thr.loc["Qualify", "median_days"] == 20
    assert thr.loc["Qualify", "threshold"] == 40
    assert thr.loc["Qualify", "stays"] == 5
    # Propose had five stays too (ending 2026-02-20): learned; Negotiate none: fallback 30
    assert thr.loc["Negotiate", "threshold"] == 30
    add_deal(mini, "S41", [("2026-02-18T09:00:00", "Qualify", 100, "2026-04-30", "A1")])
    add_deal(mini, "S39", [("2026-02-20T09:00:00", "Qualify", 100, "2026-04-30", "A1")])
    flags = _flags(mini, ReviewConfig())
    assert flags["S41"] == ["stale"] and flags["S39"] == []


def test_stage_thresholds_only_use_history_known_on_the_review_date(mini: Store) -> None:
    for i in range(5):
        add_deal(
            mini,
            f"H{i}",
            [
                ("2026-03-01T09:00:00", "Qualify", 100, "2026-04-30", "A1"),
                ("2026-04-10T09:00:00", "Propose", 100, "2026-04-30", "A1"),
            ],
        )
    thr = stage_thresholds(mini, D).execute().set_index("t_stage")
    assert thr.loc["Qualify", "stays"] == 0
    assert thr.loc["Qualify", "threshold"] == 30


def test_tiny_company_week_to_march_31(tiny: Store) -> None:
    base = change_base(tiny, "2026-03-31", "2026-03-17", config=QUIET).execute()
    flags = {r.opportunity_id: flag_names(r) for r in base.itertuples()}
    assert flags == {"O3": [], "O4": ["won", "amount_up"], "O5": ["reassigned"]}


def test_stage_thresholds_are_learned_once_per_data_and_relearned_after_new_history(
    mini: Store, tmp_path, monkeypatch
) -> None:
    import salesorg.review.stale as stale
    from salesorg.review.source import ReviewSource

    monkeypatch.setenv("SALESORG_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    learn = stale.stage_thresholds
    monkeypatch.setattr(
        stale, "stage_thresholds", lambda *a, **k: calls.append(1) or learn(*a, **k)
    )
    first = stale.stage_threshold_frame(ReviewSource(mini), D)
    again = stale.stage_threshold_frame(ReviewSource(mini), D)  # a new review, same data
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again, first)
    add_deal(mini, "NEW", [("2026-02-18T09:00:00", "Qualify", 100, "2026-04-30", "A1")])
    stale.stage_threshold_frame(ReviewSource(mini), D)
    assert len(calls) == 2


def test_stays_carry_the_pipeline_of_their_deal_without_a_header_join(tiny: Store) -> None:
    """Two pipelines: each stay's pipeline (the history's header copy) is its header's."""
    from salesorg.review.stale import stage_stays

    tiny.con.execute("UPDATE opportunities SET pipeline = 'renewal' WHERE opportunity_id = 'O1'")
    tiny.refresh_derived()  # a raw SQL edit: refresh the history's copies
    day = dt.date(2026, 3, 31)
    got = stage_stays(tiny, day, with_pipeline=True).execute()
    plain = stage_stays(tiny, day).execute()
    opps = tiny.table("opportunities").execute()[["opportunity_id", "pipeline"]]
    want = plain.merge(opps, on="opportunity_id")
    key = ["opportunity_id", "stage"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        want[list(got.columns)].sort_values(key).reset_index(drop=True),
    )
    assert set(got.pipeline) == {"renewal", "default"}
    thr = stage_thresholds(tiny, day).execute()
    assert set(thr.t_pipeline) == {"default"}  # only the stages table's pipelines get one


@pytest.mark.parametrize("two_pipelines", [False, True])
def test_stay_medians_equal_the_medians_of_the_stays_by_pipeline_and_stage(
    mini: Store, two_pipelines: bool
) -> None:
    """The one aggregate keyed by deal gives what grouping the stays themselves gives."""
    from salesorg.review.stale import stage_stays, stay_medians

    for i, days in enumerate([3, 8, 13, 21, 34, 55]):
        start = dt.datetime(2026, 1, 1 + i, 9)
        add_deal(
            mini,
            f"M{i}",
            [
                (start.isoformat(), "Qualify", 100, "2026-02-28", "A1"),
                ((start + dt.timedelta(days=days)).isoformat(), "Propose", 100, "2026-02-28", "A1"),
                ((start + dt.timedelta(days=2 * days)).isoformat(), "Qualify", 90, None, "A1"),
                ("2026-03-25T09:00:00", "Lost", 90, "2026-03-25", "A1"),
            ],
        )
    if two_pipelines:
        mini.con.execute(
            "UPDATE opportunities SET pipeline = 'renewal' WHERE opportunity_id IN ('M1', 'M4')"
        )
        mini.refresh_derived()
    names = ["Qualify", "Propose", "Negotiate"]
    got = stay_medians(mini, D, names, pipeline=None if two_pipelines else "default")
    stays = stage_stays(mini, D, with_pipeline=True).execute()
    stays = stays[stays.stage.isin(names)]
    want = stays.groupby([stays.pipeline.fillna("default"), "stage"]).days.agg(["median", "size"])
    got = got[got.stays > 0].set_index(["pipeline", "stage"]).sort_index()
    assert got.index.tolist() == want.sort_index().index.tolist()
    assert got.median_days.tolist() == pytest.approx(want.sort_index()["median"].tolist(), abs=0)
    assert got.stays.tolist() == want.sort_index()["size"].tolist()
