"""Windows and groupings: what each period means, and the errors a bad one gives."""

from __future__ import annotations

import datetime as dt

import pytest

from salesorg.errors import ConfigError
from salesorg.metrics.window import group_key, resolve_window

D = dt.date


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2025q4", D(2025, 10, 1), D(2025, 12, 31)),
        ("2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2025-12", D(2025, 12, 1), D(2025, 12, 31)),
    ],
)
def test_a_period_names_a_calendar_window(period: str, start: dt.date, end: dt.date) -> None:
    w = resolve_window(D(2030, 1, 1), period=period)
    assert (w.start, w.end) == (start, end)


def test_the_default_window_is_the_trailing_twelve_months() -> None:
    w = resolve_window(D(2026, 11, 20))
    assert (w.start, w.end) == (D(2025, 11, 21), D(2026, 11, 20))
    assert w.label == "trailing 12 months"


def test_trailing_window_from_29_february_starts_on_1_march() -> None:
    assert resolve_window(D(2028, 2, 29)).start == D(2027, 3, 1)


def test_a_window_is_cut_at_as_of() -> None:
    assert resolve_window(D(2026, 11, 20), period="2026Q4").end == D(2026, 11, 20)


def test_from_and_to_give_any_window() -> None:
    w = resolve_window(D(2026, 11, 20), start="2026-02-01", end="2026-02-10")
    assert (w.start, w.end) == (D(2026, 2, 1), D(2026, 2, 10))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "2026Q5"}, "not understood"),
        ({"period": "last year"}, "not understood"),
        ({"period": "2027"}, "is empty"),
        ({"period": "2026", "start": "2026-01-01"}, "not both"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "is empty"),
    ],
)
def test_bad_windows_are_refused_with_a_hint(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_window(D(2026, 11, 20), **kwargs)


def test_group_keys_name_the_group() -> None:
    assert [group_key(b) for b in (None, "owner", "unit", "month", "quarter")] == [
        None, "owner_id", "unit_id", "month", "quarter",
    ]  # fmt: skip
    with pytest.raises(ConfigError, match="not a grouping"):
        group_key("region")
