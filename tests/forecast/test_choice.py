"""The pack's forecast method: the backtest's choice, reused for a while, never from the future."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from salesorg.forecast.choice import choose_method


class _Store:
    """Only what the choice keys on: a path."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)


class _Backtest:
    def __init__(self, method: str) -> None:
        self.method, self.calls = method, 0

    def __call__(self) -> tuple[str, list[dict]]:
        self.calls += 1
        return self.method, [{"method": self.method, "pinball": 1.0}]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> _Store:
    monkeypatch.setenv("SALESORG_CACHE_DIR", str(tmp_path / "cache"))
    return _Store(tmp_path / "s.duckdb")


def _choose(store: _Store, day: str, backtest: _Backtest, **kw):
    return choose_method(
        store, as_of=dt.date.fromisoformat(day), backtest=backtest, candidates=("a", "b"), **kw
    )


def test_a_choice_is_reused_for_later_dates_within_its_age(store: _Store) -> None:
    first = _choose(store, "2025-11-21", _Backtest("markov"))
    later = _Backtest("weighted")
    again = _choose(store, "2025-11-28", later)
    assert (first.method, first.chosen_as_of, first.reused) == (
        "markov",
        dt.date(2025, 11, 21),
        False,
    )
    assert (again.method, again.chosen_as_of, again.reused) == (
        "markov",
        dt.date(2025, 11, 21),
        True,
    )
    assert later.calls == 0 and again.scores == first.scores


def test_a_choice_is_never_used_for_an_earlier_date(store: _Store) -> None:
    _choose(store, "2025-11-28", _Backtest("markov"))
    earlier = _Backtest("weighted")
    c = _choose(store, "2025-11-21", earlier)
    assert (c.method, c.chosen_as_of, earlier.calls) == ("weighted", dt.date(2025, 11, 21), 1)


def test_a_stale_choice_is_backtested_again_and_the_newest_wins(store: _Store) -> None:
    _choose(store, "2025-10-01", _Backtest("markov"))
    fresh = _Backtest("run-rate")
    c = _choose(store, "2025-11-28", fresh)  # 58 days later: too old
    assert (c.method, fresh.calls) == ("run-rate", 1)
    c = _choose(store, "2025-12-05", _Backtest("weighted"))
    assert (c.method, c.chosen_as_of) == ("run-rate", dt.date(2025, 11, 28))
    assert _choose(store, "2025-12-05", _Backtest("x"), max_age_days=0).method == "x"


def test_without_a_cache_every_choice_is_backtested(
    store: _Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESORG_CACHE_DIR", "off")
    _choose(store, "2025-11-21", _Backtest("markov"))
    bt = _Backtest("weighted")
    assert _choose(store, "2025-11-28", bt).method == "weighted" and bt.calls == 1


def test_choices_are_kept_per_store(store: _Store, tmp_path: Path) -> None:
    _choose(store, "2025-11-21", _Backtest("markov"))
    other = _Backtest("weighted")
    assert _choose(_Store(tmp_path / "other.duckdb"), "2025-11-28", other).method == "weighted"
