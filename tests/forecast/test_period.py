"""Periods: parsing quarters and months, shifting, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from salesorg.errors import ConfigError
from salesorg.forecast._period import parse_period, quarter_of


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026Q4", "2026-10-01", "2026-12-31", "2026Q4"),
        ("2026-q1", "2026-01-01", "2026-03-31", "2026Q1"),
        ("2026-11", "2026-11-01", "2026-11-30", "2026-11"),
        ("2024-02", "2024-02-01", "2024-02-29", "2024-02"),
    ],
)
def test_periods_parse_to_inclusive_date_ranges(text, start, end, label):
    p = parse_period(text)
    assert (p.start.isoformat(), p.end.isoformat(), p.label) == (start, end, label)


def test_shifting_a_quarter_crosses_years():
    assert parse_period("2026Q4").shift(1).label == "2027Q1"
    assert parse_period("2026-01").shift(-1).label == "2025-12"


def test_quarter_of_a_day():
    assert quarter_of(dt.date(2026, 8, 15)).label == "2026Q3"


@pytest.mark.parametrize("bad", ["2026Q5", "Q4", "2026-13", "next quarter"])
def test_bad_periods_say_how_to_write_them(bad):
    with pytest.raises(ConfigError, match="2026Q4"):
        parse_period(bad)
