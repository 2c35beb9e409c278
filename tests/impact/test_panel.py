"""Outcome panels on the tiny company, where every cell is known by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from salesorg.errors import ConfigError
from salesorg.impact.panel import outcome_panel


def _cells(store, name, as_of="2026-03-31", freq="week"):
    df, grid = outcome_panel(store, name, as_of=as_of, freq=freq)
    df = df[df.den > 0] if name not in ("bookings", "pipeline-created") else df
    return {(r.unit, r.period.date().isoformat()): (r.num, r.den) for r in df.itertuples()}, grid


def test_win_rate_counts_closed_deals_in_their_close_week(tiny):
    cells, _ = _cells(tiny, "win-rate")
    assert cells == {
        ("A1", "2026-02-09"): (1.0, 1.0),  # O1 won 2026-02-10
        ("A1", "2026-02-23"): (0.0, 1.0),  # O2 lost 2026-03-01 (a Sunday)
        ("A3", "2026-03-16"): (1.0, 1.0),  # O4 won 2026-03-20
    }


def test_panels_are_point_in_time(tiny):
    cells, _ = _cells(tiny, "win-rate", as_of="2026-03-19")
    assert ("A3", "2026-03-16") not in cells  # O4 was still open on the 19th


def test_deal_size_and_cycle_use_won_deals(tiny):
    size, _ = _cells(tiny, "deal-size")
    assert size == {("A1", "2026-02-09"): (120.0, 1.0), ("A3", "2026-03-16"): (90.0, 1.0)}
    cycle, _ = _cells(tiny, "deal-cycle")
    assert cycle == {("A1", "2026-02-09"): (36.0, 1.0), ("A3", "2026-03-16"): (33.0, 1.0)}


def test_bookings_are_zero_in_weeks_without_a_win(tiny):
    cells, grid = _cells(tiny, "bookings")
    assert cells[("A1", "2026-02-09")] == (120.0, 1.0)
    assert cells[("A1", "2026-02-16")] == (0.0, 1.0)
    assert sum(v[0] for v in cells.values()) == 210.0
    # every person with a win has a cell in every week of the grid
    assert len(cells) == 2 * len(grid)


def test_the_unfinished_last_week_is_left_out(tiny):
    _, grid = _cells(tiny, "win-rate", as_of="2026-03-25")  # a Wednesday
    assert pd.Timestamp(grid[-1]).date().isoformat() == "2026-03-16"


def test_shares_count_new_deals_by_creation_week(tiny):
    cells, _ = _cells(tiny, "share:product=P")
    assert cells[("A1", "2026-01-05")] == (2.0, 2.0)
    none, _ = _cells(tiny, "solution-share")
    assert sum(v[0] for v in none.values()) == 0 and sum(v[1] for v in none.values()) == 5


def test_stage_metrics_read_the_history(tiny):
    days, _ = _cells(tiny, "early-stage-days")
    # O1 created 01-05 reached Propose 01-20; O4 was created in Propose
    assert days == {("A1", "2026-01-19"): (15.0, 1.0), ("A3", "2026-02-09"): (0.0, 1.0)}
    entry, _ = _cells(tiny, "entry-stage")
    assert entry[("A3", "2026-02-09")] == (2.0, 1.0)
    assert entry[("A1", "2026-01-05")] == (2.0, 2.0)  # O1 and O2 entered in Qualify


def test_a_user_defined_ibis_expression_is_a_metric(tiny):
    cells, _ = _cells(tiny, "expr:amount_rc * 2")
    assert cells[("A1", "2026-02-09")] == (240.0, 1.0)


def test_monthly_panels_group_by_month(tiny):
    cells, _ = _cells(tiny, "win-rate", freq="month")
    assert cells[("A1", "2026-02-01")] == (1.0, 1.0)
    assert cells[("A1", "2026-03-01")] == (0.0, 1.0)


@pytest.mark.parametrize("name", ["nope", "share:nope=1", "expr:nope + 1"])
def test_bad_metrics_say_what_to_use(tiny, name):
    with pytest.raises(ConfigError):
        outcome_panel(tiny, name, as_of="2026-03-31")


def test_cycle_time_is_the_deal_cycle(tiny):
    assert _cells(tiny, "cycle-time")[0] == _cells(tiny, "deal-cycle")[0]
