"""Estimating the span effect from the company's own history (a multilevel regression).

Where teams have had different spans, the per-AM bookings of wider teams say something about
what a wider span costs. For every seller and quarter (the reporting line as of the quarter's
end, point in time) the model is::

    log(bookings + offset) = a + beta * log(span / 8) + gamma * senior + u_team + e

with a random intercept ``u_team`` per manager (statsmodels ``MixedLM``), so that one strong
team does not pass for a span effect. ``beta`` is the elasticity of an AM's bookings to the
manager's span. The default model implies a ``beta`` through the coaching curve (coaching per
AM = the manager's fixed coaching time ÷ span): :func:`implied_span_elasticity`. When the data
can tell (enough teams and distinct spans, and a 90 % interval narrower than the range the
defaults allow), :func:`calibrated_assumptions` replaces ``coaching_max_lift`` by the value
that reproduces the estimate, with the interval as its P10–P90; otherwise the defaults stay
and the report says so.

Coaching hours and automation are not recorded in the data model, so their effects cannot
be estimated here: the defaults are used and the report says that too.

Caveat: span is not randomly assigned (strong managers may get bigger teams); the estimate is
an association adjusted for team level, not an experiment.

References:
    Laird, N. M. & Ware, J. H. (1982), "Random-Effects Models for Longitudinal Data",
    Biometrics 38(4). Gelman, A. & Hill, J. (2007), *Data Analysis Using Regression and
    Multilevel/Hierarchical Models*, ch. 12.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from salesorg.metrics.pit import opportunity_state, to_date
from salesorg.model import role_family
from salesorg.orgdesign.assumptions import DEFAULTS, Assumptions
from salesorg.orgdesign.orgmodel import MANAGEMENT, SELLERS
from salesorg.orgdesign.outcome import coaching_factor
from salesorg.orgdesign.timebudget import coaching_per_am_month

__all__ = [
    "Calibration",
    "calibrate",
    "calibrate_panel",
    "calibrated_assumptions",
    "implied_span_elasticity",
    "span_panel",
]


@dataclass
class Calibration:
    """The span-effect estimate: ``beta`` with a 90 % interval, and whether the data can tell."""

    beta: float | None
    ci_low: float | None
    ci_high: float | None
    n_obs: int
    n_teams: int
    n_spans: int
    can_tell: bool
    implied_default: float
    prior_low: float
    prior_high: float
    message: str
    not_estimable: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _quarter_ends(as_of: dt.date, n: int) -> list[dt.date]:
    ends = []
    p = pd.Period(as_of, freq="Q")
    if p.end_time.date() > as_of:
        p -= 1
    for _ in range(n):
        ends.append(p.end_time.date())
        p -= 1
    return sorted(ends)


def span_panel(store: Any, as_of: dt.date | str, *, quarters: int = 8) -> pd.DataFrame:
    """One row per seller and quarter: ``person_id``, ``quarter``, ``team`` (manager),
    ``span`` (the manager's direct reports then), ``senior``, ``bookings`` (won, that quarter)."""
    day = to_date(as_of)
    people = store.table("people").select("person_id", "role").execute()
    fam = dict(zip(people["person_id"], [role_family(r) for r in people["role"]], strict=True))
    st = opportunity_state(store, day)
    won = (
        st.filter(st.is_won)
        .select("owner_id", "close_date", amount=st.amount_rc.cast("float64"))
        .execute()
    )
    won["quarter"] = pd.PeriodIndex(pd.to_datetime(won["close_date"]), freq="Q").astype(str)
    won_q = won.groupby(["owner_id", "quarter"])["amount"].sum()
    # one pull of the (small) assignments table; each quarter's line is the same filter as
    # metrics.pit.reporting_line, applied in pandas
    a = store.table("assignments")
    a = (
        a.filter(a.valid_from <= day)
        .select("person_id", "manager_id", "valid_from", "valid_to")
        .execute()
    )
    vf, vt = pd.to_datetime(a["valid_from"]), pd.to_datetime(a["valid_to"])
    rows = []
    for qe in _quarter_ends(day, quarters):
        ts = pd.Timestamp(qe)
        line = a[(vf <= ts) & (vt.isna() | (vt > ts))]
        span = line.groupby("manager_id").size()
        q = str(pd.Period(qe, freq="Q"))
        for pid, mgr in zip(line["person_id"], line["manager_id"], strict=True):
            if fam.get(pid) in SELLERS and isinstance(mgr, str) and fam.get(mgr) in MANAGEMENT:
                rows.append(
                    {
                        "person_id": pid,
                        "quarter": q,
                        "team": mgr,
                        "span": int(span[mgr]),
                        "senior": int(fam[pid] == "senior_am"),
                        "bookings": float(won_q.get((pid, q), 0.0)),
                    }
                )
    return pd.DataFrame(
        rows, columns=["person_id", "quarter", "team", "span", "senior", "bookings"]
    )


def implied_span_elasticity(
    assumptions: Assumptions = DEFAULTS,
    *,
    max_lift: float | None = None,
    span_a: float = 8.0,
    span_b: float = 14.0,
) -> float:
    """d log(bookings) / d log(span) that the default coaching curve implies between two spans."""
    p = assumptions.points()
    if max_lift is not None:
        p["coaching_max_lift"] = max_lift
    fa = coaching_factor(
        coaching_per_am_month(span_a, assumptions=p),
        p["coaching_max_lift"],
        p["coaching_half_hours"],
    )
    fb = coaching_factor(
        coaching_per_am_month(span_b, assumptions=p),
        p["coaching_max_lift"],
        p["coaching_half_hours"],
    )
    return float(np.log(fb / fa) / math.log(span_b / span_a))


def calibrate(
    store: Any,
    as_of: dt.date | str,
    *,
    quarters: int = 8,
    assumptions: Assumptions = DEFAULTS,
    min_teams: int = 10,
    min_spans: int = 3,
    max_half_width: float = 0.1,
) -> Calibration:
    """Fit the multilevel model on the store's history; say whether the data can tell."""
    panel = span_panel(store, as_of, quarters=quarters)
    return calibrate_panel(
        panel,
        assumptions=assumptions,
        min_teams=min_teams,
        min_spans=min_spans,
        max_half_width=max_half_width,
    )


def calibrate_panel(
    panel: pd.DataFrame,
    *,
    assumptions: Assumptions = DEFAULTS,
    min_teams: int = 10,
    min_spans: int = 3,
    max_half_width: float = 0.1,
) -> Calibration:
    """:func:`calibrate` on a ready panel (see :func:`span_panel` for the columns)."""
    a = assumptions["coaching_max_lift"]
    imp = implied_span_elasticity(assumptions)
    lo_b = implied_span_elasticity(assumptions, max_lift=a.high)
    hi_b = implied_span_elasticity(assumptions, max_lift=a.low)
    prior_lo, prior_hi = min(lo_b, hi_b), max(lo_b, hi_b)
    missing = ["coaching hours (not recorded)", "reporting automation (not recorded)"]
    n_teams = int(panel["team"].nunique()) if len(panel) else 0
    n_spans = int(panel["span"].nunique()) if len(panel) else 0
    base = dict(
        n_obs=len(panel),
        n_teams=n_teams,
        n_spans=n_spans,
        implied_default=imp,
        prior_low=prior_lo,
        prior_high=prior_hi,
        not_estimable=missing,
    )
    if n_teams < min_teams or n_spans < min_spans:
        return Calibration(
            None,
            None,
            None,
            can_tell=False,
            message=(
                f"history has {n_teams} team(s) with {n_spans} distinct span(s) (need >= {min_teams} "
                f"and >= {min_spans}): the span effect cannot be estimated; defaults are used"
            ),
            **base,
        )
    from statsmodels.regression.mixed_linear_model import (
        MixedLM,
    )  # not the formula API (slow import)

    df = panel.copy()
    pos = df.loc[df["bookings"] > 0, "bookings"]
    offset = 0.05 * float(pos.median()) if len(pos) else 1.0
    y = np.log(df["bookings"].to_numpy(dtype=float) + offset)
    x = np.column_stack(
        [
            np.ones(len(df)),
            np.log(df["span"].to_numpy(dtype=float) / 8.0),
            df["senior"].to_numpy(dtype=float),
        ]
    )
    if np.ptp(x[:, 2]) == 0:
        x = x[:, :2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the interval says what we know
        fit = MixedLM(y, x, groups=df["team"].to_numpy()).fit(reml=True)
    params = np.asarray(fit.params)
    bse = np.asarray(fit.bse)
    beta = float(params[1])
    se = float(bse[1])
    lo, hi = beta - 1.645 * se, beta + 1.645 * se
    can = bool(np.isfinite(se) and (hi - lo) / 2 <= max_half_width)
    msg = (
        f"span elasticity {beta:+.3f} (90 % interval {lo:+.3f} to {hi:+.3f}) from {n_teams} teams, "
        f"{n_spans} spans; the defaults imply {imp:+.3f} (range {prior_lo:+.3f} to {prior_hi:+.3f}). "
    )
    msg += (
        "The data can tell: the coaching response is calibrated to it."
        if can
        else f"The interval is wider than +/-{max_half_width}: the data cannot tell; defaults are used."
    )
    return Calibration(beta, lo, hi, can_tell=can, message=msg, **base)


def calibrated_assumptions(cal: Calibration, assumptions: Assumptions = DEFAULTS) -> Assumptions:
    """``assumptions`` with the coaching response set from the estimate, if the data can tell.

    Coaching per AM is the manager's coaching time ÷ span, so a span elasticity ``beta`` is a
    coaching elasticity ``-beta``: ``coaching_elasticity`` gets ``-beta`` (P10–P90 from the
    90 % interval) and the saturating curve is switched off (``coaching_max_lift = 0``).
    """
    if not cal.can_tell or cal.beta is None or cal.ci_low is None or cal.ci_high is None:
        return assumptions
    src = f"calibrated from history ({cal.n_teams} teams, {cal.n_spans} spans, MixedLM)"
    return assumptions.override(
        {
            "coaching_max_lift": {
                "value": 0.0,
                "low": 0.0,
                "high": 0.0,
                "dist": "fixed",
                "source": f"switched off: {src}",
                "confidence": "medium",
            },
            "coaching_elasticity": {
                "value": -cal.beta,
                "low": -cal.ci_high,
                "high": -cal.ci_low,
                "dist": "normal",
                "source": src,
                "confidence": "medium",
            },
        }
    )
