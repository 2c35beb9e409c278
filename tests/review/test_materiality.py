from __future__ import annotations

import math

import pandas as pd
import pytest
from review_helpers import D, S, add_deal

from salesorg.review import ReviewConfig, run_review
from salesorg.review.holders import holder_stats
from salesorg.review.materiality import materiality_scores, score_changes, suppression_reasons
from salesorg.store import Store


def _holders(**rows: tuple[float, float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"owner_id": k, "quarter_quota": q, "open_pipeline": p, "typical_deal": t}
            for k, (q, p, t) in rows.items()
        ]
    ).set_index("owner_id")


def _change(owner: str, before: float, after: float, flags: list[str]) -> dict:
    return {"owner_id": owner, "amount_before": before, "amount_after": after, "flags": flags}


def test_a_30k_deal_of_a_big_quota_holder_is_suppressed_and_of_a_small_one_shown() -> None:
    holders = _holders(BIG=(300_000, 1_000_000, 40_000), SMALL=(100_000, 1_000_000, 40_000))
    changes = pd.DataFrame(
        [_change("BIG", 30_000, 0, ["lost"]), _change("SMALL", 30_000, 0, ["lost"])]
    )
    out = score_changes(changes, holders)
    big, small = out.iloc[0], out.iloc[1]
    assert big["materiality"] == pytest.approx(0.5)  # 10 % of quota / 20 %
    assert not big["material"]
    assert small["materiality"] == pytest.approx(1.5)  # 30 % of quota / 20 %
    assert small["material"] and small["reason"] == "30% of quarterly quota"


def test_an_amount_only_change_is_scored_on_the_change_not_the_deal() -> None:
    holders = _holders(A=(100_000, 1_000_000, 50_000))
    out = score_changes(pd.DataFrame([_change("A", 90_000, 100_000, ["amount_up"])]), holders)
    assert out.iloc[0]["stake"] == 10_000
    assert not out.iloc[0]["material"]


def test_a_deal_large_for_its_owner_is_material_by_typical_size() -> None:
    holders = _holders(A=(math.nan, 10_000_000, 10_000))
    out = score_changes(pd.DataFrame([_change("A", 0, 25_000, ["new"])]), holders)
    assert out.iloc[0]["materiality"] == pytest.approx(1.25)
    assert out.iloc[0]["reason"] == "2.5x their typical deal"


def test_an_owner_without_yardsticks_is_measured_against_the_company_typical_deal() -> None:
    holders = _holders(A=(100_000, 100_000, 10_000), B=(100_000, 100_000, 30_000))
    out = score_changes(pd.DataFrame([_change("NOBODY", 0, 50_000, ["new"])]), holders)
    assert out.iloc[0]["materiality"] == pytest.approx(50_000 / 20_000 / 2)
    assert "company's typical deal" in out.iloc[0]["reason"]


def test_thresholds_are_configurable() -> None:
    holders = _holders(A=(100_000, 1_000_000, 100_000))
    changes = pd.DataFrame([_change("A", 0, 15_000, ["new"])])
    assert not score_changes(changes, holders).iloc[0]["material"]
    loose = ReviewConfig(quota_share=0.1)
    assert score_changes(changes, holders, config=loose).iloc[0]["material"]
    floor = ReviewConfig(quota_share=0.1, min_amount=20_000)
    assert not score_changes(changes, holders, config=floor).iloc[0]["material"]


def test_suppression_reasons_count_hidden_changes_by_flag() -> None:
    holders = _holders(A=(1_000_000, 10_000_000, 100_000))
    changes = pd.DataFrame(
        [
            _change("A", 1_000, 0, ["lost"]),
            _change("A", 1_000, 1_000, ["slipped", "stale"]),
            _change("A", 900_000, 0, ["lost"]),
        ]
    )
    scored = score_changes(changes, holders)
    reasons = suppression_reasons(scored)
    assert reasons["count"] == 2
    assert reasons["by_flag"] == {"lost": 1, "slipped": 1, "stale": 1}
    assert "20% of the owner's quarterly quota" in reasons["rule"]


def test_suppression_reasons_count_each_row_of_a_shared_flag_list() -> None:
    """The change list shares one list object per flag combination: each row still counts."""
    holders = _holders(A=(1_000_000, 10_000_000, 100_000))
    lost, slip = ["lost"], ["slipped", "stale"]
    changes = pd.DataFrame(
        [_change("A", 1_000, 0, lost), _change("A", 2_000, 0, lost)]
        + [_change("A", 1_000, 1_000, slip)] * 3
    )
    reasons = suppression_reasons(score_changes(changes, holders))
    assert reasons["count"] == 5
    assert reasons["by_flag"] == {"lost": 2, "slipped": 3, "stale": 3}
    assert reasons["amount"] == 6_000  # stakes 1,000 + 2,000 + 3 x 1,000


def test_materiality_scores_are_the_columns_score_changes_adds() -> None:
    holders = _holders(A=(100_000, 1_000_000, 40_000))
    amount_only = ["amount_up"]
    changes = pd.DataFrame(
        [
            _change("A", 90_000, 100_000, amount_only),  # stake 10,000: 10 % of quota
            _change("A", 0, 30_000, ["new"]),  # stake 30,000: 30 % of quota
            _change("A", 5_000, 6_000, amount_only),
        ]
    )
    got = materiality_scores(
        changes["owner_id"],
        changes["flags"],
        changes["amount_before"],
        changes["amount_after"],
        holders,
    )
    assert list(got["stake"]) == [10_000, 30_000, 1_000]
    assert list(got["material"]) == [False, True, False]
    assert got["reason"][1] == "30% of quarterly quota"
    scored = score_changes(changes, holders)
    for column, values in got.items():
        assert list(scored[column]) == list(values), column


def test_materiality_scores_of_no_changes_are_empty_arrays() -> None:
    empty = pd.Series([], dtype=object)
    got = materiality_scores(
        empty, empty, empty.astype(float), empty.astype(float), _holders(A=(1, 1, 1))
    )
    assert all(len(v) == 0 for v in got.values())
    assert got["material"].dtype == bool


def test_holder_stats_come_from_the_state_on_the_review_date(mini: Store) -> None:
    add_deal(mini, "A", [("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1")])
    add_deal(mini, "B", [("2026-03-01T10:00:00", "Qualify", 300, "2026-04-30", "A1")])
    add_deal(mini, "LATER", [("2026-04-05T10:00:00", "Qualify", 999, "2026-04-30", "A1")])
    h = holder_stats(mini, D)
    assert h.loc["A1", "open_pipeline"] == 400
    assert h.loc["A1", "typical_deal"] == 200
    assert h.loc["A1", "quarter_quota"] == pytest.approx(1000)


def test_review_shows_material_changes_and_counts_the_rest(mini: Store) -> None:
    # A1: quarterly quota 1,000; a 500 loss is material, a 10 slip is not
    add_deal(
        mini,
        "BIG",
        [
            ("2026-03-01T10:00:00", "Qualify", 500, "2026-04-30", "A1"),
            ("2026-03-27T10:00:00", "Lost", 500, "2026-03-27", "A1"),
        ],
    )
    for i in range(8):
        add_deal(mini, f"F{i}", [("2026-03-01T10:00:00", "Qualify", 100, "2026-04-30", "A1")])
    add_deal(
        mini,
        "SMALL",
        [
            ("2026-03-01T10:00:00", "Qualify", 10, "2026-04-30", "A1"),
            ("2026-03-27T10:00:00", "Qualify", 10, "2026-05-30", "A1"),
        ],
    )
    review = run_review(mini, D, S, compare=False)
    assert list(review.exceptions["opportunity_id"]) == ["BIG"]
    assert review.suppressed["count"] == 1
    assert review.suppressed["by_flag"] == {"slipped": 1}
    assert review.exceptions.iloc[0]["manager_id"] == "M1"
