"""Payout periods: calendar windows, fiscal years, and which plan periods a run computes."""

from __future__ import annotations

import datetime as dt

import pytest

from salesorg.comp.periods import Period, fiscal_year_start, parse_window, plan_periods
from salesorg.errors import ConfigError

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026Q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-07-15..2026-08-14", D(2026, 7, 15), D(2026, 8, 14)),
    ],
)
def test_windows_parse_to_inclusive_calendar_dates(text: str, start: dt.date, end: dt.date) -> None:
    w = parse_window(text)
    assert (w.start, w.end) == (start, end)


@pytest.mark.parametrize("text", ["Q3", "2026Q5", "2026-13", "2026-09-30..2026-07-01", "soon"])
def test_a_bad_window_says_which_forms_work(text: str) -> None:
    with pytest.raises(ConfigError, match="2026Q3, 2026-07, 2026"):
        parse_window(text)


def test_fiscal_quarters_are_named_by_the_year_the_fiscal_year_ends() -> None:
    w = parse_window("2025-07-01..2026-06-30")
    got = [(p.label, p.start, p.end) for p in plan_periods("quarter", w, fiscal_start_month=7)]
    assert got == [
        ("FY2026Q1", D(2025, 7, 1), D(2025, 9, 30)),
        ("FY2026Q2", D(2025, 10, 1), D(2025, 12, 31)),
        ("FY2026Q3", D(2026, 1, 1), D(2026, 3, 31)),
        ("FY2026Q4", D(2026, 4, 1), D(2026, 6, 30)),
    ]
    assert fiscal_year_start(D(2026, 3, 1), 7) == D(2025, 7, 1)


def test_a_run_computes_the_plan_periods_that_end_inside_it() -> None:
    q3 = parse_window("2026Q3")
    assert [p.label for p in plan_periods("month", q3)] == ["2026-07", "2026-08", "2026-09"]
    assert [p.label for p in plan_periods("quarter", q3)] == ["2026Q3"]
    assert plan_periods("year", q3) == []  # a yearly plan pays in the run with its year end
    assert plan_periods("year", parse_window("2026Q4")) == [
        Period("2026", D(2026, 1, 1), D(2026, 12, 31))
    ]
    # a fiscal year ending in June pays in the calendar Q2 run
    assert [
        p.label for p in plan_periods("year", parse_window("2026Q2"), fiscal_start_month=7)
    ] == ["FY2026"]
