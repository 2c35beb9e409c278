"""The outcome model: each seller's expected bookings under an organisation.

For seller ``i`` in trial ``t``::

    bookings[i,t] = baseline[i,t]
                    * (selling_hours[i,t] / selling_hours_now[i,t]) ** elasticity[t]
                    * coaching(c[i,t]) / coaching(c_now[i,t])
                    * (1 + team_quota_effect[t] * team_share / 0.25)   (cell members only)

* ``baseline`` is the person's own annual bookings from history, shrunk towards peers of the
  same role family (empirical Bayes, normal–normal on quarterly bookings), drawn per trial
  from a lognormal whose spread is the posterior uncertainty plus the year-to-year noise seen
  in history (scaled by ``person_noise_scale``). New people get the peer mean.
* ``selling_hours`` come from :mod:`~salesorg.orgdesign.timebudget`; the response is a power
  law with the Albers, Mantrala & Sridhar (2010) elasticity.
* ``coaching(c) = 1 + coaching_max_lift * c / (c + coaching_half_hours)`` saturates in the
  coaching hours per month ``c``; its size is a wide prior from the CEB correlation.
* the team-quota effect is an assumption with a wide prior centred on zero, stated for a 25 %
  team share (the lab evidence's minority share) and scaled linearly with the share.

"now" values are those of the current organisation under the same trial's parameters, so the
baseline scenario reproduces history in expectation and every other scenario is a change
against it (the ratios are what the evidence speaks to).

References:
    Efron, B. & Morris, C. (1975), "Data Analysis Using Stein's Estimator and its
    Generalizations", JASA 70(350). Albers, Mantrala & Sridhar (2010), JMR 47 (DOMAIN.md #7).
    Sales Executive Council coaching figures (DOMAIN.md #3). Chen & Lim; Homburg et al. (2024)
    (DOMAIN.md #10).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesorg.orgdesign.orgmodel import SELLERS, OrgModel

__all__ = [
    "Baselines",
    "ThinDataWarning",
    "coaching_factor",
    "fit_baselines",
    "selling_response",
    "team_quota_factor",
]

#: Team share at which the team-quota prior is stated (Chen & Lim: a 25 % minority share).
TEAM_SHARE_REF = 0.25


class ThinDataWarning(UserWarning):
    """Too little history to estimate a parameter well; a default or wide prior is used."""


def coaching_factor(
    hours_month: np.ndarray | float, max_lift: np.ndarray | float, half_hours: np.ndarray | float
) -> np.ndarray:
    """``1 + max_lift * c / (c + half)``: saturating lift from coaching hours per month."""
    c = np.maximum(np.asarray(hours_month, dtype=float), 0.0)
    return 1.0 + np.asarray(max_lift) * c / (c + np.asarray(half_hours))


def selling_response(
    hours: np.ndarray | float, hours_now: np.ndarray | float, elasticity: np.ndarray | float
) -> np.ndarray:
    """``(hours / hours_now) ** elasticity`` (1 where nothing changes)."""
    h = np.maximum(np.asarray(hours, dtype=float), 1e-9)
    h0 = np.maximum(np.asarray(hours_now, dtype=float), 1e-9)
    return (h / h0) ** np.asarray(elasticity)


def team_quota_factor(effect: np.ndarray | float, share: float) -> np.ndarray:
    """``1 + effect * share / 0.25`` (floored at 0.1): the team-quota prior scaled by share."""
    return np.maximum(1.0 + np.asarray(effect) * (share / TEAM_SHARE_REF), 0.1)


@dataclass(frozen=True)
class Baselines:
    """Per-seller annual baseline bookings: posterior mean and the log-scale spread.

    ``mean`` (annual, reporting currency) by ``person_id``; ``log_sd`` the lognormal spread of
    next year's bookings around it (posterior uncertainty + year-to-year noise);
    ``peer_mean``/``peer_log_sd`` by family for new people; ``raw`` the unshrunk means;
    ``shrink`` the weight on the peer mean (0 = own history only).
    """

    mean: pd.Series
    log_sd: pd.Series
    raw: pd.Series
    shrink: pd.Series
    peer_mean: dict[str, float]
    peer_log_sd: dict[str, float]
    noise_cv: float
    quarters: int

    def for_people(self, ids: pd.Series, families: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(annual mean, log sd) for these people; unknown people get their peers' values."""
        default = float(np.mean(list(self.peer_mean.values()))) if self.peer_mean else 0.0
        default_sd = float(np.mean(list(self.peer_log_sd.values()))) if self.peer_log_sd else 0.5
        m = ids.map(self.mean).to_numpy(dtype=float)
        s = ids.map(self.log_sd).to_numpy(dtype=float)
        fam_m = families.map(lambda f: self.peer_mean.get(f, default)).to_numpy(dtype=float)
        fam_s = families.map(lambda f: self.peer_log_sd.get(f, default_sd)).to_numpy(dtype=float)
        return np.where(np.isnan(m), fam_m, m), np.where(np.isnan(s), fam_s, s)


def fit_baselines(
    org: OrgModel, *, shrinkage_strength: float = 1.0, quarters: int = 4
) -> Baselines:
    """Empirical-Bayes baselines from the last ``quarters`` quarters of won bookings.

    Per family: ``x_i`` the mean quarterly bookings of seller ``i`` over the ``n_i`` quarters
    since they were hired (quarters without a win count as 0), ``s_w²`` the pooled
    within-person variance, ``τ²`` the between-person variance (method of moments), the weight
    on the peer mean ``B_i = k·s_w²/n_i / (k·s_w²/n_i + τ²)`` with ``k = shrinkage_strength``.

    Warns :class:`ThinDataWarning` when fewer than 2 quarters or 5 sellers are available.
    """
    sellers = org.people[org.people["family"].isin(SELLERS)]
    hist = org.history
    qs = sorted(hist["quarter"].unique())[-quarters:] if len(hist) else []
    if len(qs) < 2 or len(sellers) < 5:
        warnings.warn(
            f"only {len(qs)} quarter(s) of bookings and {len(sellers)} seller(s) as of "
            f"{org.as_of}: baselines are the trailing-year bookings with a wide spread",
            ThinDataWarning,
            stacklevel=2,
        )
    grid = pd.DataFrame(0.0, index=sellers["person_id"], columns=qs)
    if len(qs):
        h = hist[hist["quarter"].isin(qs) & hist["person_id"].isin(grid.index)]
        piv = h.pivot_table(index="person_id", columns="quarter", values="bookings", aggfunc="sum")
        grid.update(piv)
        # quarters that ended before the person was hired are not observations
        hired = pd.to_datetime(sellers.set_index("person_id")["hired_on"])
        q_end = {q: pd.Period(q, freq="Q").end_time for q in qs}
        for q in qs:
            grid.loc[hired.reindex(grid.index) > q_end[q], q] = np.nan
    n = grid.notna().sum(axis=1).clip(lower=0)
    x = grid.mean(axis=1)
    if not len(qs):
        x = sellers.set_index("person_id")["bookings"] / 4.0
        n = pd.Series(1, index=x.index)
    fam = sellers.set_index("person_id")["family"]
    means: list[pd.Series] = []
    sds: list[pd.Series] = []
    raws: list[pd.Series] = []
    shrinks: list[pd.Series] = []
    peer_mean, peer_sd = {}, {}
    dev = grid.sub(x, axis=0)
    sw2 = (
        float(np.nanmean(dev.to_numpy() ** 2) * (n.mean() / max(n.mean() - 1, 1)))
        if len(qs) > 1
        else float(x.var() or 0.0)
    )
    grand = float(x.mean()) if len(x) else 0.0
    noise_cv = float(np.sqrt(sw2) / (2.0 * grand)) if grand > 0 else 0.5  # annual = 4 quarters
    for f, ids in fam.groupby(fam).groups.items():
        xi = x.loc[ids].fillna(0.0)
        ni = n.loc[ids].clip(lower=1)
        mu = float(xi.mean())
        se2 = sw2 / ni
        tau2 = (
            max(
                float(xi.var(ddof=1)) - float(se2.mean()), 0.05 * float(xi.var(ddof=1) or 0.0), 1e-9
            )
            if len(xi) > 1
            else (0.5 * mu) ** 2
        )
        b = shrinkage_strength * se2 / (shrinkage_strength * se2 + tau2)
        post = mu + (1 - b) * (xi - mu)
        post_var = (1 - b) * se2
        post = post.clip(lower=0.05 * mu if mu > 0 else 1.0)
        cv_b2 = post_var / post**2
        sd = np.sqrt(np.log1p(cv_b2) + np.log1p(noise_cv**2))
        means.append(4.0 * post)
        sds.append(sd)
        raws.append(4.0 * xi)
        shrinks.append(b)
        peer_mean[str(f)] = 4.0 * mu
        peer_sd[str(f)] = float(
            np.sqrt(np.log1p(tau2 / mu**2 if mu > 0 else 1.0) + np.log1p(noise_cv**2))
        )

    def cat(parts: list[pd.Series]) -> pd.Series:
        return pd.concat(parts).astype(float) if parts else pd.Series(dtype=float)

    return Baselines(
        mean=cat(means),
        log_sd=cat(sds),
        raw=cat(raws),
        shrink=cat(shrinks),
        peer_mean=peer_mean,
        peer_log_sd=peer_sd,
        noise_cv=noise_cv,
        quarters=len(qs),
    )
