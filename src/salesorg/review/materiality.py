"""Materiality: how much a change matters to the person who holds it.

A change's *stake* is the deal's size (the larger of its amount at S, revalued at D's rate,
and at D), or the size of the amount change when an amount change is all that happened. It
is compared with three yardsticks of the owner on D (:mod:`salesorg.review.holders`):

- share of the quarterly quota (material at ``quota_share``, default 20 %),
- share of the open pipeline (``pipeline_share``, default 25 %),
- multiple of their typical deal, the median of the last 365 days (``typical_multiple``, 2x).

The score is the largest of the three ratios, each divided by its threshold; a change is an
*exception* when the score is at least 1 (and the stake at least ``min_amount``). Where the
owner has none of the three (no quota, pipeline or history), the company's median deal is the
yardstick. So a 30k deal of an AM whose quarter quota is 300k and typical deal 40k scores
max(0.1/0.2, ·, 0.75/2) = 0.5 and is suppressed; the same deal of an AM with a 100k quota is
shown.

Why these defaults: exception-based review (DESIGN.md, question 1) shows a manager what would
change the quarter's outcome. A fifth of a quarter's target, a quarter of what the person has
in play, or a deal twice their usual size are each moves a manager would ask about; smaller
ones are visible in the full change list (JSON ``changes``, the Excel sheet) but not in the
exceptions. All three are settings (:class:`~salesorg.review.config.ReviewConfig`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from salesorg.review.config import ReviewConfig

__all__ = ["SCORE_COLUMNS", "materiality_scores", "score_changes", "suppression_reasons"]

_AMOUNT_ONLY = {"amount_up", "amount_down"}


#: Columns :func:`score_changes` adds, in order.
SCORE_COLUMNS = (
    "stake",
    "quota_share",
    "pipeline_share",
    "typical_multiple",
    "materiality",
    "material",
    "reason",
)


def score_changes(
    changes: pd.DataFrame, holders: pd.DataFrame, *, config: ReviewConfig | None = None
) -> pd.DataFrame:
    """Add ``stake``, ``quota_share``, ``pipeline_share``, ``typical_multiple``,
    ``materiality`` (score), ``material`` (bool) and ``reason`` (text) to ``changes``.

    ``changes`` needs ``owner_id``, ``flags`` (lists), ``amount_before`` (at D's rate) and
    ``amount_after``; ``holders`` is :func:`~salesorg.review.holders.holder_stats`.
    """
    out = changes.copy()
    scores = materiality_scores(
        out["owner_id"], out["flags"], out["amount_before"], out["amount_after"], holders,
        config=config,
    )  # fmt: skip
    for c in SCORE_COLUMNS:
        out[c] = scores[c]
    return out


def materiality_scores(
    owner_id: pd.Series,
    flags: pd.Series,
    amount_before: pd.Series,
    amount_after: pd.Series,
    holders: pd.DataFrame,
    *,
    config: ReviewConfig | None = None,
) -> dict[str, np.ndarray]:
    """The columns of :func:`score_changes` (:data:`SCORE_COLUMNS`) as arrays, one value per
    change, without copying a change frame (a company review scores 100k+ changes)."""
    config = config or ReviewConfig()
    if len(owner_id) == 0:
        out = {c: np.array([], dtype="float64") for c in SCORE_COLUMNS}
        out["material"] = np.array([], dtype=bool)
        out["reason"] = np.array([], dtype=object)
        return out
    before = amount_before.astype("float64").fillna(0.0).to_numpy()
    after = amount_after.astype("float64").fillna(0.0).to_numpy()
    amount_only = _amount_only(flags)
    stake = np.where(amount_only, np.abs(after - before), np.maximum(before, after))
    h = holders.reindex(owner_id)
    quota = h["quarter_quota"].to_numpy(dtype="float64")
    pipe = h["open_pipeline"].to_numpy(dtype="float64")
    typical = h["typical_deal"].to_numpy(dtype="float64")
    company_typical = float(np.nanmedian(holders["typical_deal"])) if len(holders) else math.nan

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = num / den
        return np.where(np.isfinite(den) & (den > 0), r, np.nan)

    qs = ratio(stake, quota)
    ps = ratio(stake, pipe)
    tm = ratio(stake, typical)
    fallback = ratio(stake, np.full_like(stake, company_typical))
    scores = np.vstack(
        [qs / config.quota_share, ps / config.pipeline_share, tm / config.typical_multiple]
    )
    all_nan = np.all(np.isnan(scores), axis=0)
    score = np.where(
        all_nan,
        fallback / config.typical_multiple,
        np.nanmax(np.where(np.isnan(scores), -np.inf, scores), axis=0),
    )
    score = np.where(np.isfinite(score), score, 0.0)
    # the yardstick with the largest normalised ratio names the reason
    filled = np.where(np.isnan(scores), -np.inf, scores)
    best = np.argmax(filled, axis=0)
    with np.errstate(invalid="ignore"):
        which = np.where(all_nan, 3, np.minimum(best, 2))
        texts = (
            (np.round(qs * 100), "%.0f%% of quarterly quota"),
            (np.round(ps * 100), "%.0f%% of open pipeline"),
            (tm, "%.1fx their typical deal"),
            (score * config.typical_multiple, "%.1fx the company's typical deal"),
        )
    return {
        "stake": stake,
        "quota_share": qs,
        "pipeline_share": ps,
        "typical_multiple": tm,
        "materiality": np.round(score, 4),
        "material": (score >= 1.0) & (stake >= config.min_amount) & (stake > 0),
        "reason": _texts(which, texts),
    }


def _shared_lists(flags: pd.Series) -> tuple[list[list[str]], np.ndarray]:
    """The distinct flag-list objects of ``flags`` and each row's index into them (the change
    list shares one list object per flag combination, so there are few)."""
    ids = np.fromiter(map(id, flags), dtype=np.int64, count=len(flags))
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    values = flags.to_numpy(dtype=object)
    return [values[i] for i in first], inverse.reshape(-1)


def _amount_only(flags: pd.Series) -> np.ndarray:
    """Whether each row's flags are only amount changes; decided once per distinct list."""
    lists, inverse = _shared_lists(flags)
    per_list = np.array([bool(f) and set(f) <= _AMOUNT_ONLY for f in lists], dtype=bool)
    return per_list[inverse]


def _texts(which: np.ndarray, texts: tuple[tuple[np.ndarray, str], ...]) -> np.ndarray:
    """Row ``i`` formatted with ``texts[which[i]]`` (``%``-formatting; the same digits as
    ``str.format``), each row formatted once."""
    out = np.empty(len(which), dtype=object)
    for k, (values, fmt) in enumerate(texts):
        rows = np.flatnonzero(which == k)
        if len(rows):
            out[rows] = [fmt % v for v in values[rows].tolist()]
    return out


def suppression_reasons(scored: pd.DataFrame, *, config: ReviewConfig | None = None) -> dict:
    """How many changes were not shown and why: the rule, and the count per flag."""
    config = config or ReviewConfig()
    hidden = scored[~scored["material"]] if len(scored) else scored
    by_flag: dict[str, int] = {}
    if len(hidden):
        # counted once per distinct flag list (shared objects), then per flag
        lists, inverse = _shared_lists(hidden["flags"])
        for f, n in zip(lists, np.bincount(inverse, minlength=len(lists)), strict=True):
            for name in f:
                by_flag[str(name)] = by_flag.get(str(name), 0) + int(n)
    return {
        "count": len(hidden),
        "rule": (
            f"deal below {config.quota_share:.0%} of the owner's quarterly quota, "
            f"{config.pipeline_share:.0%} of their open pipeline and "
            f"{config.typical_multiple:g}x their typical deal"
            + (f", or below {config.min_amount:,.0f}" if config.min_amount else "")
        ),
        "by_flag": dict(sorted(by_flag.items())),
        "amount": float(hidden["stake"].sum()) if len(hidden) else 0.0,
    }
