"""Settings of the weekly review, each with its default and the reason for it.

Every figure a review flags or hides depends on a threshold; they live here, in one frozen
dataclass, so a pack can print the settings it used and a company can override any of them
(``ReviewConfig(stale_days={"Negotiate": 20})``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["FLAGS", "ReviewConfig", "next_quarter", "quarter_bounds", "quarter_label"]

#: Every flag a change can carry, in the order they are listed.
FLAGS = (
    "new",
    "won",
    "lost",
    "advanced",
    "regressed",
    "slipped",
    "pulled_in",
    "amount_up",
    "amount_down",
    "reassigned",
    "stale",
    "past_due",
)


@dataclass(frozen=True)
class ReviewConfig:
    """Thresholds of the review (see ``docs/review.md`` for why each default was chosen).

    Attributes:
        window: the pipeline the bridge follows: ``"quarter"`` (open deals whose close date
            falls in the quarter of ``as_of``; the default, because a review is about the
            quarter's number) or ``"all"`` (every open deal).
        stale_multiplier: a deal is stale when it has not changed for longer than this many
            times the company's own median days in its stage (default 2, as the issue asks).
        stale_days: per-stage thresholds in days that replace the learned one.
        stale_fallback_days: threshold for a stage with fewer than ``stale_min_spells``
            completed stays in history.
        stale_min_spells: how many completed stays a stage needs before its median is used.
        quota_share: a change is material when the deal is at least this share of the
            holder's quarterly quota (default 20 %: one fifth of a quarter's target is a
            conversation for the manager).
        pipeline_share: ... or at least this share of the holder's open pipeline (25 %).
        typical_multiple: ... or at least this multiple of the holder's typical (median) deal
            of the last 365 days (2x).
        min_amount: changes below this amount (reporting currency) are never material.
    """

    window: str = "quarter"
    stale_multiplier: float = 2.0
    stale_days: dict[str, float] = field(default_factory=dict)
    stale_fallback_days: float = 30.0
    stale_min_spells: int = 5
    quota_share: float = 0.20
    pipeline_share: float = 0.25
    typical_multiple: float = 2.0
    min_amount: float = 0.0

    def __post_init__(self) -> None:
        from salesorg.errors import ConfigError

        if self.window not in ("quarter", "all"):
            raise ConfigError(f"window={self.window!r}: use 'quarter' or 'all'")
        for name in ("stale_multiplier", "quota_share", "pipeline_share", "typical_multiple"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be > 0, got {getattr(self, name)!r}")

    def as_dict(self) -> dict[str, object]:
        return {
            "window": self.window,
            "stale_multiplier": self.stale_multiplier,
            "stale_days": dict(self.stale_days),
            "stale_fallback_days": self.stale_fallback_days,
            "stale_min_spells": self.stale_min_spells,
            "quota_share": self.quota_share,
            "pipeline_share": self.pipeline_share,
            "typical_multiple": self.typical_multiple,
            "min_amount": self.min_amount,
        }


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the calendar quarter containing ``day``."""
    q0 = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, q0, 1)
    end_month = q0 + 2
    nxt = dt.date(day.year + (end_month == 12), end_month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def next_quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    """Bounds of the quarter after the one containing ``day``."""
    return quarter_bounds(quarter_bounds(day)[1] + dt.timedelta(days=1))


def quarter_label(day: dt.date) -> str:
    """``2026Q1`` for any day in January to March 2026."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
