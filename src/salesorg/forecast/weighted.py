"""Weighted pipeline: open deals closing in the period × a win probability per stage.

``weighted`` uses the CRM's default stage probability (``stages.default_probability``);
``weighted-learned`` learns each stage's probability from the company's own history known at
``as_of``: of the deals that were ever in the stage and had closed by ``as_of``, the share won,
shrunk towards the CRM default with :attr:`prior_weight` pseudo-deals (so a stage seen a few
times does not swing to 0 or 1).

The point figure is the classic weighted pipeline ``booked + Σ p·amount`` (the mean). The range
reads the same numbers as a probability model — each deal wins its full amount with
probability ``p``, independently — so P10/P50/P90 come from the sum of independent
Bernoullis (simulated, see :mod:`salesorg.forecast._base`).

Assumptions: a deal closes in the period iff its expected close date is in it (no slippage);
deals are independent; amounts do not change at close. Forecast deals close ~46–47 % of the
time in practice (DOMAIN.md #11), which is why the learned variant exists.

References:
    CSO Insights / Miller Heiman Group, *Sales Performance Study* 2018–2019 (DOMAIN.md #11).
"""

from __future__ import annotations

import warnings

import numpy as np

from salesorg.forecast._base import Forecaster
from salesorg.forecast._period import Period
from salesorg.forecast._warnings import MissingStageProbabilityWarning, ThinHistoryWarning
from salesorg.forecast.history import NODATE, HistoryView, day_number

__all__ = ["WeightedForecaster", "learned_stage_probabilities"]


def learned_stage_probabilities(
    view: HistoryView, *, prior: np.ndarray, prior_weight: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per stage code: (probability of winning, number of closed deals it is learned from).

    Uses only spells started before ``as_of`` and outcomes known at ``as_of``.
    """
    h = view.full
    st = view.state
    n_opp = h.n_opps
    outcome = np.full(n_opp, -1, dtype=np.int64)  # -1 open/unknown, 0 lost, 1 won
    closed = h.is_closed[st["stage"]]
    outcome[st["opp"][closed]] = h.is_won[st["stage"][closed]].astype(np.int64)
    sp = view.known_spells()
    # the distinct (opportunity, stage) pairs, sorted: a presence mask is O(n), unlike a sort
    seen = np.zeros(n_opp * len(h.stage_names), dtype=bool)
    seen[sp["opp"].astype(np.int64) * len(h.stage_names) + sp["stage"]] = True
    pairs = np.flatnonzero(seen)
    opp, stage = np.divmod(pairs, len(h.stage_names))
    res = outcome[opp]
    known = res >= 0
    n_closed = np.bincount(stage[known], minlength=len(h.stage_names)).astype(float)
    n_won = np.bincount(stage[known], weights=res[known], minlength=len(h.stage_names))
    base = np.where(np.isnan(prior), n_won.sum() / max(n_closed.sum(), 1.0), prior)
    p = (n_won + prior_weight * base) / (n_closed + prior_weight)
    return p, n_closed


class WeightedForecaster(Forecaster):
    """Weighted pipeline with CRM default (``learned=False``) or learned stage probabilities.

    >>> # WeightedForecaster(learned=True).fit(history.known_at("2026-09-30")).predict("2026Q4")
    """

    def __init__(
        self,
        *,
        learned: bool = False,
        prior_weight: float = 10.0,
        min_closed: int = 20,
        trials: int = 10_000,
        seed: int | None = 0,
    ) -> None:
        super().__init__(trials=trials, seed=seed)
        self.learned = learned
        self.prior_weight = prior_weight
        self.min_closed = min_closed

    @property
    def method(self) -> str:  # type: ignore[override]
        return "weighted-learned" if self.learned else "weighted"

    def fit(self, history: HistoryView) -> WeightedForecaster:
        """Take the stage probabilities (default, or learned from ``history``)."""
        self.history_ = history
        h = history.full
        prior = h.default_prob.copy()
        if self.learned:
            p, n = learned_stage_probabilities(history, prior=prior, prior_weight=self.prior_weight)
            self.closed_deals_ = n
            self.stage_probability_ = np.where(h.is_closed, h.is_won.astype(float), p)
        else:
            self.closed_deals_ = None
            self.stage_probability_ = prior
        return self

    def deal_probabilities(self, period: Period, deals: dict[str, np.ndarray]) -> np.ndarray:
        """``p`` for each open deal: the stage probability if it closes in the period, else 0."""
        h = self.history_.full
        lo, hi = day_number(period.start), day_number(period.end)
        close = deals["close"]
        in_period = (close != NODATE) & (close >= lo) & (close <= hi)
        stage = deals["stage"]
        p = self.stage_probability_[stage]
        missing = np.isnan(p) & in_period
        if missing.any():
            names = sorted({h.stage_names[s] for s in stage[missing]})
            warnings.warn(
                f"stages without default_probability: {', '.join(names)} — their deals count "
                "with probability 0; set stages.default_probability or use weighted-learned",
                MissingStageProbabilityWarning,
                stacklevel=2,
            )
        if self.learned:
            used = np.unique(stage[in_period])
            thin = [h.stage_names[s] for s in used if self.closed_deals_[s] < self.min_closed]
            if thin:
                warnings.warn(
                    f"thin history: fewer than {self.min_closed} closed deals passed through "
                    f"{', '.join(sorted(set(thin)))} before {self.as_of}; their probability "
                    "leans on the CRM default",
                    ThinHistoryWarning,
                    stacklevel=2,
                )
        return np.where(in_period, np.nan_to_num(p, nan=0.0), 0.0).clip(0.0, 1.0)
