from __future__ import annotations

import pandas as pd
import pytest

from salesorg.review.attainment import current_attainment, share_above_by_year
from salesorg.review.forecast import forecast_rollup
from salesorg.review.kpis import headline_kpis
from salesorg.review.trends import quarterly_trend, stage_conversion
from salesorg.store import Store


def test_tiny_company_headline_kpis_on_march_31(tiny: Store) -> None:
    k = headline_kpis(tiny, "2026-03-31")
    assert k["open_pipeline"] == 230  # O3 200 + O5 30
    assert k["open_deals"] == 2
    assert k["booked_qtd"] == 210  # O1 120 (Feb 10) + O4 90 (Mar 20)
    assert k["quarter_quota"] == pytest.approx(300)
    assert k["attainment_qtd"] == pytest.approx(0.7)
    assert k["quarter_pipeline"] == 0 and k["coverage"] == 0
    assert k["next_quarter_pipeline"] == 230 and k["next_quarter_quota"] is None
    assert k["win_rate_90d"] == pytest.approx(2 / 3)  # O1, O4 won; O2 lost
    assert k["win_rate_value_90d"] == pytest.approx(210 / 260)
    assert k["cycle_days_90d"] == pytest.approx(34.5)  # 36 and 33 days


def test_kpis_of_a_team_count_only_its_people(tiny: Store) -> None:
    k = headline_kpis(tiny, "2026-03-31", owners={"A3", "M2"}, unit_id="T2")
    assert k["booked_qtd"] == 90 and k["open_pipeline"] == 0
    assert k["quarter_quota"] == pytest.approx(100)


def test_kpis_on_an_earlier_date_use_only_what_was_known_then(tiny: Store) -> None:
    k = headline_kpis(tiny, "2026-03-17")
    assert k["booked_qtd"] == 120
    assert k["open_pipeline"] == 310  # O3 200 + O4 80 + O5 30


def test_quarterly_trend_counts_wins_and_losses_per_quarter(tiny: Store) -> None:
    q = quarterly_trend(tiny, "2026-03-31", quarters=2).set_index("quarter")
    assert list(q.index) == ["2025Q4", "2026Q1"]
    assert q.loc["2026Q1", "won"] == 2 and q.loc["2026Q1", "lost"] == 1
    assert q.loc["2026Q1", "booked"] == 210
    assert pd.isna(q.loc["2025Q4", "win_rate"])


def test_stage_conversion_is_the_share_won_of_deals_that_passed_a_stage(tiny: Store) -> None:
    c = stage_conversion(tiny, "2026-03-31").set_index("stage")
    # closed deals: O1 (Qualify, Propose, won), O2 (Qualify, lost), O4 (Propose, won)
    assert (c.loc["Qualify", "reached"], c.loc["Qualify", "won"]) == (2, 1)
    assert (c.loc["Propose", "reached"], c.loc["Propose", "won"]) == (2, 2)


def test_forecast_rollup_falls_back_to_crm_probabilities_when_history_is_thin(tiny: Store) -> None:
    f = forecast_rollup(tiny, "2026-03-10")
    # O3 (Qualify 200) and O4 (Propose 80) close in Q1; O1 won 120 in Q1 already
    assert f["booked"] == 120
    assert f["weighted"] == pytest.approx(200 * 0.1 + 80 * 0.5)
    assert f["forecast"] == pytest.approx(120 + 60)
    assert len(f["warnings"]) == 2


def test_forecast_rollup_uses_learned_rates_with_enough_history(tiny: Store) -> None:
    f = forecast_rollup(tiny, "2026-03-10", min_reached=1)
    # by 03-10: O1 won via Qualify and Propose, O2 lost in Qualify -> Qualify 1/2, Propose 1/1
    assert f["weighted"] == pytest.approx(200 * 0.5 + 80 * 1.0)
    assert {r["source"] for r in f["by_stage"]} == {"learned"}


def test_year_to_date_attainment_and_share_above(tiny: Store) -> None:
    a = current_attainment(tiny, "2026-03-31").set_index("person_id")
    assert a.loc["A1", "attainment"] == pytest.approx(1.2)
    assert a.loc["A3", "attainment"] == pytest.approx(0.9)
    assert a.loc["A2", "attainment"] == 0
    years = share_above_by_year(tiny, "2026-03-31", years=1).set_index("year")
    assert years.loc[2026, "share_above"] == pytest.approx(1 / 3)
    assert years.loc[2025, "people"] == 0
