"""Matching picks look-alikes and the balance table says when the comparison is weak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesorg.impact.matching import match, match_teams, pre_features, standardised_difference
from salesorg.impact.synthetic import synthetic_panel


def test_standardised_difference_by_hand():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0])
    assert standardised_difference(a, b) == pytest.approx(-1.0)


def test_each_treated_person_gets_the_nearest_pool_people_without_replacement():
    f = pd.DataFrame(
        {"level": [0.0, 10.0, 0.1, 9.9, 5.0, 0.2]}, index=["t1", "t2", "a", "b", "c", "d"]
    )
    m = match(f, ["t1", "t2"], ["a", "b", "c", "d"], k=1)
    assert sorted(m.comparison) == ["a", "b"]
    m2 = match(f, ["t1", "t2"], ["a", "b", "c", "d"], k=2)
    assert sorted(m2.comparison) == ["a", "b", "c", "d"]  # second round takes what is left


def test_a_pool_unlike_the_treated_is_flagged_weak():
    f = pd.DataFrame(
        {"level": [1.0, 1.1, 1.2, 0.0, 0.1, 0.05]}, index=["t1", "t2", "t3", "a", "b", "c"]
    )
    m = match(f, ["t1", "t2", "t3"], ["a", "b", "c"], k=1)
    assert m.weak and any("level imbalanced" in r for r in m.reasons)
    row = m.balance.set_index("feature").loc["level"]
    assert row.treated_mean == pytest.approx(1.1) and row.comparison_mean == pytest.approx(0.05)


def test_matching_on_a_panel_improves_balance_over_the_pool():
    sp = synthetic_panel(rng=np.random.default_rng(4), person_sd=1.0, treated_teams=5)
    p = sp.panel
    # make the treated better sellers before the start: matching must find similar people
    p.num[p.treated] += 0.8
    f = pre_features(p, end=78, window=26)
    treated = list(p.units[p.treated])
    pool = list(p.units[~p.treated])
    for method in ("mahalanobis", "propensity"):
        m = match(f, treated, pool, k=2, method=method)
        bal = m.balance.set_index("feature")
        assert abs(bal.loc["level", "smd_matched"]) < abs(bal.loc["level", "smd_pool"]) / 3
        assert len(m.comparison) == 2 * len(treated)


def test_pre_features_by_hand():
    sp = synthetic_panel(
        rng=np.random.default_rng(0), n_teams=2, team_size=1, n_periods=4, treated_teams=1, start=3
    )
    p = sp.panel
    p.num[:] = [[1, 2, 3, 9], [2, 2, 2, 9]]
    f = pre_features(p, end=3, window=3)
    assert f.level.tolist() == pytest.approx([2.0, 2.0])
    assert f.trend.tolist() == pytest.approx([1.0, 0.0])
    assert f.activity.tolist() == pytest.approx([1.0, 1.0])


def test_team_matching_takes_whole_teams_nearest_to_the_treated_team():
    f = pd.DataFrame(
        {"level": [1.0, 1.1, 1.0, 1.1, 5.0, 5.1, 1.05, 0.95], "trend": 0.0, "activity": 1.0},
        index=["t1", "t2", "a1", "a2", "b1", "b2", "c1", "c2"],
    )
    teams = {"t1": "T", "t2": "T", "a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C"}
    m = match_teams(f, teams, ["t1", "t2"], ["a1", "a2", "b1", "b2", "c1", "c2"], k=2)
    assert sorted(m.teams) == ["A", "C"]
    assert sorted(m.comparison) == ["a1", "a2", "c1", "c2"]
    assert set(m.balance.feature) == {"level", "trend", "activity", "size"}
