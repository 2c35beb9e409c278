"""Rollout ranks teams that resemble the treated ones, with the effect's uncertainty carried."""

from __future__ import annotations

import numpy as np

from salesorg.impact.analysis import analyse
from salesorg.impact.rollout import rollout
from salesorg.store import Store


def test_every_untreated_team_is_ranked_with_a_benefit_range(company):
    db, _ = company
    with Store.open(db, read_only=True) as s:
        r = analyse(s, "solution-selling", replicates=199)
        tab = rollout(s, r)
    assert len(tab) == 13 and tab["rank"].tolist() == list(range(1, 14))
    assert set(tab.team).isdisjoint({"T00", "T01", "T02"})
    assert (tab.benefit_p10 <= tab.benefit_p50).all() and (tab.benefit_p50 <= tab.benefit_p90).all()
    assert ((tab.similarity > 0) & (tab.similarity <= 1)).all()
    # a team's benefit is the effect draws times its annual closed deals
    row = tab.iloc[0]
    draws = r.effect.draws[np.isfinite(r.effect.draws)]
    ratio = row.benefit_p50 / np.quantile(draws, 0.5)
    assert ratio > 0
    assert abs(row.benefit_p90 / ratio - np.quantile(draws, 0.9)) < 1e-9


def test_countries_can_be_ranked_against_the_treated_people(company):
    db, _ = company
    with Store.open(db, read_only=True) as s:
        r = analyse(s, "solution-selling", replicates=99)
        tab = rollout(s, r, by="country")
    # treated teams T00-T02 sit in DE, AT, CH; every country still has untreated teams
    assert sorted(tab.team) == ["AT", "CH", "DE", "NL"]
    assert (tab.benefit_p50 > 0).all()
