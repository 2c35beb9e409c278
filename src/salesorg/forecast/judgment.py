"""Judgment: the forecast categories people entered, rolled up.

For open deals with an expected close date in the period, as known at ``as_of``, the CRM's
forecast categories (``commit``, ``best_case``, ``pipeline``) are summed and read as a range:

* P10 = booked (nothing else is certain),
* P50 = booked + commit (the call),
* P90 = booked + commit + best case (the upside).

Per-deal category overrides (``salesorg forecast override --opportunity ... --category``) made
on or before ``as_of`` replace the CRM category. Judgement is then backtested like any method,
so it is measured, not trusted: in surveys, forecast deals close only ~46–47 % of the time
(CSO Insights 2018–19, DOMAIN.md #11).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from salesorg.forecast._base import Forecaster, _group_sum, build_groups, period_deals, summarise
from salesorg.forecast._period import Period, parse_period
from salesorg.forecast._warnings import NoJudgmentDataWarning
from salesorg.forecast.history import CATEGORIES, HistoryView

__all__ = ["JudgmentForecaster"]


class JudgmentForecaster(Forecaster):
    """Roll-up of commit / best case / pipeline categories (with per-deal overrides)."""

    method = "judgment"

    def __init__(
        self, *, overrides: pd.DataFrame | None = None, trials: int = 10_000, seed: int | None = 0
    ) -> None:
        super().__init__(trials=trials, seed=seed)
        self.overrides = overrides

    def fit(self, history: HistoryView) -> JudgmentForecaster:
        self.history_ = history
        return self

    def predict(
        self,
        period: Period | str,
        *,
        by: str = "company",
        trials: int | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> pd.DataFrame:
        period = parse_period(period)
        view = self.history_
        groups = build_groups(view, by)
        d = period_deals(view, period)
        booked = _group_sum(groups, d["won"]["opp"], d["won"]["amount_rc"])
        ip = d["in_period"]
        pipe = _group_sum(groups, ip["opp"], ip["amount_rc"])
        fcat = ip["fcat"].copy()
        if self.overrides is not None and len(self.overrides):
            o = self.overrides
            codes = pc.index_in(
                pa.array(o.opportunity_id.astype(str), type=pa.string()),
                value_set=view.full.opp_id_array,
            ).to_pylist()
            for code, cat in zip(codes, o.category, strict=True):
                if code is not None and cat in CATEGORIES:
                    fcat[ip["opp"] == code] = CATEGORIES.index(cat)
        if len(fcat) and (fcat < 0).all():
            warnings.warn(
                f"no open deal closing in {period} carries a forecast category at {view.as_of}; "
                "the judgment forecast is only what is booked",
                NoJudgmentDataWarning,
                stacklevel=2,
            )
        amt = ip["amount_rc"]
        commit = _group_sum(groups, ip["opp"], amt * (fcat == CATEGORIES.index("commit")))
        best = _group_sum(groups, ip["opp"], amt * (fcat == CATEGORIES.index("best_case")))
        df = summarise(groups, np.zeros((0, len(booked))), booked, pipe, self.method, mean=commit)
        df["p10"] = booked.round(2)
        df["p50"] = (booked + commit).round(2)
        df["p90"] = (booked + commit + best).round(2)
        return df
