"""Which forecast method the review pack uses, and when it was chosen.

The pack forecasts with the method that backtested best over the year before ``as_of``
(:func:`salesorg.forecast.pack.best_method`: four methods × twelve monthly as-of dates, about
30 s on ten million history rows, most of the cost of a day's first pack). The choice moves
slowly — the backtests of two dates a week apart share most of their as-of dates and
outcomes — so :func:`choose_method` reuses the latest choice made for an ``as_of`` up to
``max_age_days`` (default 30) before the one asked for, and runs the backtest again only when
there is none that recent. The pack says which method it used and on which date's backtest
it was chosen (:attr:`MethodChoice.chosen_as_of`).

Point in time: a choice made as of C is used only for an ``as_of`` on or after C, so it never
uses an outcome later than the date it is used for. A choice is kept per store (path or URL),
candidate list and reporting currency, as one small JSON file per ``as_of`` in
:func:`salesorg.datacache.cache_dir` (``forecast-method-choice/``); with the cache switched off
(``SALESORG_CACHE_DIR=off``) or an in-memory store every choice is backtested afresh. A store
rebuilt at the same path keeps the choices until they age out; pass ``method=`` or switch the
cache off to force a backtest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesorg.datacache import cache_dir, store_location

__all__ = ["MAX_AGE_DAYS", "MethodChoice", "choose_method"]

#: How old a choice may be, in days between its ``as_of`` and the one it is used for.
MAX_AGE_DAYS = 30


@dataclass(frozen=True)
class MethodChoice:
    """A method chosen by backtest: ``scores`` are that backtest's, ``chosen_as_of`` its date."""

    method: str
    scores: list[dict[str, Any]]
    chosen_as_of: dt.date
    reused: bool = False


def _folder(store: Any, candidates: Sequence[str], reporting_currency: str) -> Path | None:
    root, where = cache_dir(), store_location(store)
    if root is None or where is None:
        return None
    key = json.dumps([where, list(candidates), reporting_currency])
    return root / "forecast-method-choice" / hashlib.sha256(key.encode()).hexdigest()[:32]


def _latest(folder: Path, as_of: dt.date, max_age_days: int) -> MethodChoice | None:
    """The newest stored choice made on or before ``as_of`` and at most ``max_age_days`` old."""
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    days = []
    for name in names:
        try:
            day = dt.date.fromisoformat(name.removesuffix(".json"))
        except ValueError:
            continue
        if name.endswith(".json") and day <= as_of and (as_of - day).days <= max_age_days:
            days.append(day)
    for day in sorted(days, reverse=True):
        try:
            c = json.loads((folder / f"{day.isoformat()}.json").read_text())
            return MethodChoice(c["method"], c["scores"], day, reused=day != as_of)
        except (OSError, ValueError, KeyError):
            continue
    return None


def _store(folder: Path, choice: MethodChoice) -> None:
    """Write ``choice`` atomically (a temporary file renamed into place); never raises."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(fd, "w") as f:
            json.dump({"method": choice.method, "scores": choice.scores}, f)
        os.chmod(tmp, 0o644)  # readable like the other cache entries
        os.replace(tmp, folder / f"{choice.chosen_as_of.isoformat()}.json")
    except OSError:
        pass  # an unwritable cache folder only costs time


def choose_method(
    store: Any,
    *,
    as_of: dt.date,
    backtest: Callable[[], tuple[str, list[dict[str, Any]]]],
    candidates: Sequence[str],
    reporting_currency: str = "EUR",
    max_age_days: int = MAX_AGE_DAYS,
) -> MethodChoice:
    """The method for ``as_of``: a stored choice at most ``max_age_days`` older (see the
    module docstring), else ``backtest()`` (``(method, scores)``) run now and stored."""
    folder = _folder(store, candidates, reporting_currency)
    if folder is not None and max_age_days >= 0:
        found = _latest(folder, as_of, max_age_days)
        if found is not None:
            return found
    method, scores = backtest()
    choice = MethodChoice(method, scores, as_of)
    if folder is not None and scores:  # an empty backtest (no history yet) is not a choice
        _store(folder, choice)
    return choice
