"""Stage-Markov forecast: learned weekly stage transitions, simulated for every open deal.

The model is a discrete-time (weekly) semi-Markov chain on *(stage, weeks in stage)*, one per
deal-size band. From history known at ``as_of`` it learns, for every open stage ``s``, size
band ``b`` and age ``a`` (weeks in the stage, the last bucket pooling everything older), the
weekly hazard of moving to each other open stage, to won and to lost:

    h[s, b, a, d] = (exits[s, b, a, d] + k · pooled[s, d]) / (at_risk[s, b, a] + k)

where ``at_risk`` counts deal-weeks spent in the stage at that age (spells still running at
``as_of`` count as censored, not as failures — the life-table estimator) and ``pooled`` is the
stage's hazard over all ages and bands (shrinkage with ``k = prior_weight`` pseudo-weeks so thin
cells fall back on the stage average). Size bands are amount tertiles of the spells known then.

The won hazard is multiplied by a learned week-of-quarter factor (the end-of-quarter push; see
:func:`_calendar_multiplier`), so the chain has one transition matrix per calendar week.

For each open deal the chain gives the exact probability that it is won *inside the period's
window* (propagating the state distribution week by week; days inside a week are interpolated
linearly). Deals are then simulated as independent Bernoullis — the same distribution as
simulating each deal's path, at a fraction of the cost — with ``trials`` Monte Carlo draws.

Deals not yet created that will be created and won inside the period come from the series of
per-period *created-and-won-in-the-same-period* amounts (AutoETS via statsforecast, or the mean
when the series is short), drawn from a moment-matched lognormal and scaled, for the current
period, by the learned share of such amounts created after the same point of a period. Their
total is allocated to owners/units by their share of such amounts in the last four periods.

Assumptions: transitions depend on stage, weeks in stage and size band only (not on owner,
product or close date); amounts do not change before close; deals are independent given the
model; parameter uncertainty is not propagated (ranges are somewhat too narrow on thin data).

References:
    Kalbfleisch & Prentice (2002), *The Statistical Analysis of Failure Time Data*, 2nd ed.,
    Wiley (discrete-time hazards, censoring). Singer & Willett (1993), "It's About Time: Using
    Discrete-Time Survival Analysis", *J. Educational Statistics* 18(2). DOMAIN.md #11.
"""

from __future__ import annotations

import warnings

import numpy as np

from salesorg.forecast._base import Forecaster, Groups
from salesorg.forecast._period import Period
from salesorg.forecast._series import complete_periods, forecast_series, lognormal_draws, won_days
from salesorg.forecast._warnings import ThinHistoryWarning
from salesorg.forecast.history import INF, HistoryView, day_number

__all__ = ["MarkovForecaster"]

WEEK = 7 * 86400
CHUNK_SPELLS = 1 << 22  # spells counted at a time in fit (bounds its temporaries)


class MarkovForecaster(Forecaster):
    """Stage-transition model by stage age and size band, plus deals not yet created."""

    method = "markov"

    def __init__(
        self,
        *,
        age_buckets: int = 13,
        bands: int = 3,
        prior_weight: float = 5.0,
        new_deals: bool = True,
        min_spells: int = 30,
        calendar: bool = True,
        calendar_prior: float = 10.0,
        trials: int = 10_000,
        seed: int | None = 0,
    ) -> None:
        super().__init__(trials=trials, seed=seed)
        self.calendar = calendar
        self.calendar_prior = calendar_prior
        self.age_buckets = age_buckets
        self.bands = bands
        self.prior_weight = prior_weight
        self.new_deals = new_deals
        self.min_spells = min_spells

    # ------------------------------------------------------------------ learning
    def fit(self, history: HistoryView) -> MarkovForecaster:
        """Learn hazards and the transition matrices from ``history`` (known at ``as_of``)."""
        self.history_ = history
        h, t = history.full, history.t
        A, B = self.age_buckets, self.bands
        open_codes = np.flatnonzero(~h.is_closed)
        S = len(open_codes)
        sidx = np.full(len(h.stage_names), -1, dtype=np.int64)
        sidx[open_codes] = np.arange(S)
        # band edges need every known amount; the counts below are sums, so they run chunk by
        # chunk (temporaries the size of one chunk, not of the whole history)
        amounts, n_known = [], 0
        for c in history.known_spell_chunks(CHUNK_SPELLS):
            keep = sidx[c["stage"]] >= 0
            amounts.append(history.rc(c["amount"][keep], c["opp"][keep]))
            n_known += len(keep)
        amt = np.concatenate(amounts)
        del amounts
        n_kept = len(amt)
        edges = np.quantile(amt, np.linspace(0, 1, B + 1)[1:-1]) if n_kept else np.zeros(B - 1)
        del amt
        self.band_edges_ = edges
        if n_known and n_kept < self.min_spells:
            warnings.warn(
                f"thin history: only {n_kept} stage spells known before {history.as_of}; "
                "the stage-Markov hazards lean on pooled averages",
                ThinHistoryWarning,
                stacklevel=2,
            )
        D = S + 2
        E: np.ndarray = np.zeros(S * B * A * D)
        cnt: np.ndarray = np.zeros(S * B * A)
        part: np.ndarray = np.zeros(S * B * A)
        last: np.ndarray = np.zeros(S * B)
        won_end_days = []
        for c in history.known_spell_chunks(CHUNK_SPELLS):
            keep = sidx[c["stage"]] >= 0
            s = sidx[c["stage"][keep]]
            b = np.searchsorted(edges, history.rc(c["amount"][keep], c["opp"][keep]), side="right")
            end = c["end"][keep]
            nxt = c["next_stage"][keep].astype(np.int64)
            exited = end != INF
            x = (np.where(exited, end, t) - c["start"][keep]) / WEEK  # weeks in the stage
            dest = np.where(
                sidx[np.maximum(nxt, 0)] >= 0,
                sidx[np.maximum(nxt, 0)],
                np.where(h.is_won[nxt], S, S + 1),
            )
            sb = s * B + b
            # exits land in the age bucket (a, a+1] holding the exit instant
            xb = np.clip(np.ceil(x).astype(np.int64) - 1, 0, A - 1)
            flat = (sb[exited] * A + xb[exited]) * D + dest[exited]
            E += np.bincount(flat, minlength=S * B * A * D)
            # exposure (deal-weeks at risk) per age bucket, exits and censored spells alike
            f = np.floor(x).astype(np.int64)
            r = x - f
            cnt += np.bincount(sb * A + np.minimum(f, A - 1), minlength=S * B * A)
            inner = f <= A - 2
            part += np.bincount(sb[inner] * A + f[inner], weights=r[inner], minlength=S * B * A)
            last += np.bincount(sb, weights=np.maximum(0.0, x - (A - 1)), minlength=S * B)
            won_end_days.append(end[exited & (dest == S)] // 86400)
        E = E.reshape(S * B, A, D)
        cnt = cnt.reshape(S * B, A)
        part = part.reshape(S * B, A)
        ge = np.cumsum(cnt[:, ::-1], axis=1)[:, ::-1]
        R: np.ndarray = np.zeros((S * B, A))
        R[:, : A - 1] = ge[:, 1:] + part[:, : A - 1]
        R[:, A - 1] = last
        E = E.reshape(S, B, A, S + 2)
        R = R.reshape(S, B, A)
        e_s, r_s = E.sum(axis=(1, 2)), R.sum(axis=(1, 2))
        overall = np.zeros(S + 2)
        overall[S:] = E[..., S:].sum(axis=(0, 1, 2)) / max(R.sum(), 1.0)
        pooled = np.where(r_s[:, None] > 0, e_s / np.maximum(r_s, 1.0)[:, None], overall)
        k = self.prior_weight
        self.hazard_ = (E + k * pooled[:, None, None, :]) / (R + k)[..., None]
        self.at_risk_ = R
        self.exits_ = E
        self.open_codes_ = open_codes
        self.stage_index_ = sidx
        self.calendar_multiplier_ = (
            _calendar_multiplier(np.concatenate(won_end_days), self.calendar_prior)
            if self.calendar
            else np.ones(14)
        )
        self.transition_ = self._matrices()
        self._mats: dict[int, np.ndarray] = {}
        n = S * A + 2
        self._paths = [np.eye(n) for _ in range(B)]
        self._won_cdf = [np.zeros((n, 1)) for _ in range(B)]
        for bb in range(B):
            self._won_cdf[bb][S * A, 0] = 1.0
        return self

    def step_matrix(self, band: int, k: int) -> np.ndarray:
        """The transition matrix of week ``k`` (1-based) after ``as_of`` for a size band: the
        won hazard scaled by the calendar multiplier of that week's week of quarter."""
        w = _week_of_quarter(np.array([day_number(self.history_.as_of) + 7 * k - 3]))[0]
        if w not in self._mats:
            self._mats[w] = self._matrices(float(self.calendar_multiplier_[w]))
        return self._mats[w][band]

    def _matrices(self, won_multiplier: float = 1.0) -> np.ndarray:
        hz = self.hazard_.copy()
        S, B, A, _ = hz.shape
        if won_multiplier != 1.0:
            others = hz.sum(axis=-1) - hz[..., S]
            hz[..., S] = np.minimum(hz[..., S] * won_multiplier, 1.0 - others)
        n = S * A + 2
        M = np.zeros((B, n, n))
        won, lost = S * A, S * A + 1
        ss, aa = np.meshgrid(np.arange(S), np.arange(A), indexing="ij")
        i = (ss * A + aa).ravel()
        for b in range(B):
            hb = hz[:, b].reshape(S * A, S + 2)
            for d in range(S):
                M[b, i, d * A] += hb[:, d]
            M[b, i, won] = hb[:, S]
            M[b, i, lost] = hb[:, S + 1]
            stay = (ss * A + np.minimum(aa + 1, A - 1)).ravel()
            M[b, i, stay] += 1.0 - hb.sum(axis=1)
            M[b, won, won] = M[b, lost, lost] = 1.0
        return M

    def won_by_week(self, weeks: int) -> list[np.ndarray]:
        """Per band: ``P(won within k weeks | start state)`` for k = 0..weeks (columns)."""
        S, A = len(self.open_codes_), self.age_buckets
        for b, cdf in enumerate(self._won_cdf):
            cols = [cdf]
            k = cdf.shape[1]
            while k <= weeks:
                self._paths[b] = self._paths[b] @ self.step_matrix(b, k)
                cols.append(self._paths[b][:, S * A : S * A + 1])
                k += 1
            self._won_cdf[b] = np.column_stack(cols) if len(cols) > 1 else cdf
        return self._won_cdf

    # ------------------------------------------------------------------ predicting
    def deal_probabilities(self, period: Period, deals: dict[str, np.ndarray]) -> np.ndarray:
        """Probability that each open deal is won inside the period (exact under the chain)."""
        view = self.history_
        A = self.age_buckets
        as_of = day_number(view.as_of)
        lo = max(0, day_number(period.start) - as_of - 1) / 7.0
        hi = max(0, day_number(period.end) - as_of) / 7.0
        if hi <= 0 or not len(deals["opp"]):
            return np.zeros(len(deals["opp"]))
        s = self.stage_index_[deals["stage"]]
        age = np.minimum((view.t - deals["stage_since"]) // WEEK, A - 1)
        band = np.searchsorted(self.band_edges_, deals["amount_rc"], side="right")
        state = s * A + age
        cdfs = self.won_by_week(int(np.ceil(hi)) + 1)

        def at(x: float) -> np.ndarray:
            k0 = int(np.floor(x))
            f = x - k0
            out = np.zeros(len(state))
            for b, cdf in enumerate(cdfs):
                m = band == b
                out[m] = cdf[state[m], k0] * (1 - f) + cdf[state[m], k0 + 1] * f
            return out

        return np.clip(at(hi) - at(lo), 0.0, 1.0)

    def _analogs(self, period: Period) -> list[tuple[Period, np.ndarray]]:
        """Past complete periods and, for each, the mask of won deals that are its analog of
        "created after ``as_of`` and won in the period" (same offset from the period start)."""
        view = self.history_
        h = view.full
        opp, wday, _ = won_days(view)
        created = h.opp_created[opp]
        first = int(h.opp_created.min()) if len(h.opp_created) else day_number(view.as_of)
        c = day_number(view.as_of) - day_number(period.start)
        out = []
        for p in complete_periods(view, period, first):
            lo, hi = day_number(p.start), day_number(p.end)
            cut = lo + c
            if cut < first:
                continue
            out.append((p, (created > cut) & (wday >= lo) & (wday <= hi)))
        return out

    def new_deal_model(self, period: Period) -> tuple[float, float, str]:
        """(mean, sd, model) of the amount won in ``period`` by deals created after ``as_of``.

        The series is, for each complete past period, the amount won in it by deals created
        after the same offset from its start as ``as_of`` is from ``period``'s start — the
        created-and-won amount when ``as_of`` is before the period, its remainder otherwise.
        """
        view = self.history_
        if day_number(view.as_of) >= day_number(period.end):
            return 0.0, 0.0, "none"
        _, _, amt = won_days(view)
        analogs = self._analogs(period)
        vals = np.array([amt[m].sum() for _, m in analogs])
        fc = forecast_series(view, vals, 1, what="created-and-won amounts")
        # Spread: the larger of the series' own (ETS interval or sample sd) and the compound-
        # Poisson spread of independent deals arriving at random (Var = E[Σ amount²]), which is
        # stable when the series is short; inflated by √(1 + 1/n) for the estimated level.
        n = max(len(vals), 1)
        poisson = np.sqrt(np.mean([np.sum(amt[m] ** 2) for _, m in analogs])) if analogs else 0.0
        sd = max(fc.sd, float(poisson)) * np.sqrt(1 + 1 / n)
        return fc.mean, sd, fc.model

    def extra_totals(
        self, period: Period, groups: Groups, trials: int, rng: np.random.Generator
    ) -> np.ndarray | None:
        if not self.new_deals:
            return None
        mean, sd, model = self.new_deal_model(period)
        self.new_deals_ = {"mean": mean, "sd": sd, "model": model}
        draws = lognormal_draws(mean, sd, trials, rng)
        return draws[:, None] * self._group_shares(period, groups)[None, :]

    def _group_shares(self, period: Period, groups: Groups) -> np.ndarray:
        """Each group's share of the analog amounts in the last four analog periods."""
        opp, _, amt = won_days(self.history_)
        m = np.zeros(len(opp), dtype=bool)
        for _, mk in self._analogs(period)[-4:]:
            m |= mk
        company = amt[m].sum()
        if groups.by == "company":
            return np.ones(1)
        if company <= 0:
            return np.zeros(len(groups.labels))
        return np.asarray(groups.rows(opp[m]).T @ amt[m]).ravel() / company


def _week_of_quarter(days: np.ndarray) -> np.ndarray:
    """Week of the calendar quarter (0..13) of each day number."""
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]").astype(np.int64)
    q0 = (m - m % 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return np.minimum((days - q0) // 7, 13)


def _calendar_multiplier(win_days: np.ndarray, prior: float) -> np.ndarray:
    """How much more (or less) often deals are won in each week of the quarter than average.

    Observed wins per week of quarter over the wins expected from the days each week bucket
    covers in the same span of quarters, shrunk towards 1 with ``prior`` pseudo-wins:
    ``m_w = (wins_w + prior) / (expected_w + prior)``. The end-of-quarter push shows as
    ``m_12 > 1``.
    """
    if not len(win_days):
        return np.ones(14)
    wins = np.bincount(_week_of_quarter(win_days), minlength=14).astype(float)
    span = np.arange(int(win_days.min()), int(win_days.max()) + 1)
    days = np.bincount(_week_of_quarter(span), minlength=14).astype(float)
    expected = wins.sum() * days / days.sum()
    return (wins + prior) / (expected + prior)
