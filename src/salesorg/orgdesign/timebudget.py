"""Weekly hour budgets per role family, and the reporting-time meter.

A manager's week is split into coaching given, pipeline review, forecasting/reporting, admin
and the rest (people management, customers). An AM's week into selling, coaching received,
pipeline review (as attendee), forecast preparation, admin and the rest. A cell lead (working
supervisor) sells own deals and leads the cell. Every share comes from a named
:class:`~salesorg.orgdesign.assumptions.Assumption` (``DEFAULTS``), all overridable.

The reporting-time meter (:func:`reporting_hours`) is the heart of the seed text's claim that
widening the span from 1:8 to 1:14 "doubles the reporting effort". The exact formula:

* per-rep hand-done reporting, hours/month, calibrated so that at the benchmark span
  (8.5, Alexander Group) reporting is Rapp's 26 % "managing information" share of the week::

      r = information_share * work_hours_per_week * weeks_per_month / reference_span
        = 0.26 * 40 * 4.333 / 8.5 = 5.30 h per rep per month

  of which pipeline review is ``pipeline_meeting_hours * pipeline_meetings_per_rep_month``
  (53 min x 2 = 1.77 h, Vantage Point) and the rest (3.53 h) forecasting and roll-up.
* by hand, for a span ``s``::

      hand(s) = r * reference_span * (s / reference_span) ** reporting_span_exponent

  With the default exponent 1 this is ``r * s``: 42.4 h/month at 1:8, 74.2 h/month at 1:14,
  a ratio of exactly 14/8 = 1.75 ("roughly doubles"). An exponent of
  ln 2 / ln 1.75 = 1.2386 reproduces the seed's literal doubling; the prior range of the
  exponent is [1.0, 1.24], so the simulation spans both readings.
* automated by salesorg (the manager reads only exceptions)::

      auto(s) = automated_fixed_hours_month + automated_exception_share * hand(s)

  = 4.33 + 0.25 x 42.4 = 14.9 h/month at 1:8 (defaults, both *assumptions*: measure them).

Functions accept plain floats or numpy arrays (broadcast together), so the Monte Carlo
simulation calls the same code with one value per trial.

References:
    Alexander Group FLSM benchmark (DOMAIN.md #1a, #2a); Rapp via Vantage Point (#2c);
    Vantage Point / Sales Management Association 2014 (#4); CSO Insights 2011 (#5a);
    seed text ``seeds/000_08aace40859bb0bd.txt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from salesorg.errors import ConfigError
from salesorg.orgdesign.assumptions import DEFAULTS, Assumptions

__all__ = [
    "FAMILIES",
    "ReportingHours",
    "TimeBudget",
    "coaching_per_am_month",
    "reporting_hours",
    "time_budget",
]

Num = float | np.ndarray
Params = Assumptions | Mapping[str, Any] | None

#: Role families with a time budget.
FAMILIES = ("manager", "am", "cell_lead", "support")


def _params(assumptions: Params) -> dict[str, Any]:
    if assumptions is None:
        return DEFAULTS.points()
    if isinstance(assumptions, Assumptions):
        return assumptions.points()
    merged: dict[str, Any] = DEFAULTS.points()
    merged.update(assumptions)
    return merged


def _out(x: Any) -> Num:
    a = np.asarray(x, dtype=float)
    return float(a) if a.ndim == 0 else a


@dataclass(frozen=True)
class ReportingHours:
    """A manager's reporting hours for a span: the total and its parts, per month.

    ``pipeline_review`` + ``forecasting`` + ``fixed`` = ``per_month``; ``per_week`` divides by
    ``weeks_per_month``; ``share_of_week`` is the part of the working week it takes.
    """

    span: Num
    automated: bool
    pipeline_review: Num
    forecasting: Num
    fixed: Num
    per_month: Num
    per_week: Num
    share_of_week: Num


def reporting_hours(span: Num, *, automated: bool, assumptions: Params = None) -> ReportingHours:
    """Hours per month a manager spends on reporting for ``span`` direct reports.

    By hand, grows with span as ``(span / reference_span) ** reporting_span_exponent`` (x1.75
    from 1:8 to 1:14 with the default exponent 1); automated, the manager reads the review pack
    (a fixed hour a week) and handles only the exceptions (a share of the hand-done load).
    See the module docstring for the exact formula and its sources.

    >>> round(reporting_hours(14, automated=False).per_month / reporting_hours(8, automated=False).per_month, 4)
    1.75
    """
    p = _params(assumptions)
    s = np.asarray(span, dtype=float)
    if np.any(s < 0):
        raise ConfigError(f"span must be >= 0, got {span!r}")
    h, wpm, ref = p["work_hours_per_week"], p["weeks_per_month"], p["reference_span"]
    per_rep = np.asarray(p["information_share"] * h * wpm / ref, dtype=float)
    pipe_rep = np.minimum(
        p["pipeline_meeting_hours"] * p["pipeline_meetings_per_rep_month"], per_rep
    )
    fc_rep = per_rep - pipe_rep
    scale = ref * (s / ref) ** p["reporting_span_exponent"]
    pipe, fc = pipe_rep * scale, fc_rep * scale
    fixed = np.zeros_like(pipe)
    if automated:
        k = p["automated_exception_share"]
        pipe, fc = k * pipe, k * fc
        fixed = fixed + p["automated_fixed_hours_month"]
        # no team, nothing to report
        fixed = np.where(s > 0, fixed, 0.0)
    total = pipe + fc + fixed
    week = total / wpm
    return ReportingHours(
        span=_out(s),
        automated=automated,
        pipeline_review=_out(pipe),
        forecasting=_out(fc),
        fixed=_out(fixed),
        per_month=_out(total),
        per_week=_out(week),
        share_of_week=_out(week / h),
    )


@dataclass(frozen=True)
class TimeBudget:
    """A role's week in hours; the categories add up to ``work_hours_per_week``.

    A manager whose reporting and admin alone exceed the week works overtime: the total is
    then larger than the working week, with coaching squeezed to zero.
    """

    family: str
    selling: Num = 0.0
    own_deals: Num = 0.0
    coaching_given: Num = 0.0
    coaching_received: Num = 0.0
    pipeline_review: Num = 0.0
    forecasting: Num = 0.0
    admin: Num = 0.0
    other: Num = 0.0

    @property
    def total(self) -> Num:
        return _out(sum(np.asarray(getattr(self, f.name)) for f in fields(self)[1:]))

    def as_dict(self) -> dict[str, Num]:
        return {f.name: getattr(self, f.name) for f in fields(self)[1:]}


def _manager(span: Num, automated: bool, p: dict[str, Any]) -> tuple[TimeBudget, Num]:
    h, wpm = p["work_hours_per_week"], p["weeks_per_month"]
    rep = reporting_hours(span, automated=automated, assumptions=p)
    pipe = np.asarray(rep.pipeline_review) / wpm
    fc = (np.asarray(rep.forecasting) + np.asarray(rep.fixed)) / wpm
    admin = np.asarray(p["admin_share"] * h, dtype=float)
    coaching = np.asarray(p["coaching_share"] * h, dtype=float)
    if automated:
        hand = np.asarray(reporting_hours(span, automated=False, assumptions=p).per_week)
        freed = np.maximum(hand - np.asarray(rep.per_week), 0.0)
        coaching = coaching + p["freed_time_to_coaching"] * freed
    # reporting is not optional: when the week is full, coaching is what gets squeezed
    room = np.maximum(h - admin - pipe - fc, 0.0)
    coaching = np.minimum(coaching, room)
    other = np.maximum(h - admin - pipe - fc - coaching, 0.0)
    b = TimeBudget(
        "manager",
        coaching_given=_out(coaching),
        pipeline_review=_out(pipe),
        forecasting=_out(fc),
        admin=_out(admin),
        other=_out(other),
    )
    s = np.asarray(span, dtype=float)
    num = np.broadcast_to(coaching * wpm, np.broadcast_shapes(np.shape(coaching), s.shape))
    per_am = np.divide(num, s, out=np.zeros(num.shape), where=s >= 1e-6)
    return b, _out(per_am)


def coaching_per_am_month(span: Num, *, automated: bool = False, assumptions: Params = None) -> Num:
    """Coaching hours per AM per month from a manager with ``span`` reports ("closeness").

    With a fixed coaching time per manager this falls as ``1 / span``: going from 1:8 to 1:14
    leaves 8/14 = 57 % of the coaching per AM (the seed text's "closeness halves").
    """
    return _manager(span, automated, _params(assumptions))[1]


def time_budget(
    family: str,
    *,
    span: Num = 0.0,
    automated: bool = False,
    coaching_received_month: Num | None = None,
    assumptions: Params = None,
) -> TimeBudget:
    """The weekly hour budget of a role family.

    Args:
        family: ``manager`` (span = direct reports), ``am`` (``coaching_received_month`` from
            its manager; default: a manager at the reference span), ``cell_lead`` (a working
            supervisor; span = cell members) or ``support`` (SE, inside sales, consulting).
        automated: reporting done by salesorg (exceptions only) instead of by hand.
    """
    p = _params(assumptions)
    h, wpm = p["work_hours_per_week"], p["weeks_per_month"]
    if family == "manager":
        return _manager(span, automated, p)[0]
    if family in ("am", "support"):
        if coaching_received_month is None:
            coaching_received_month = _manager(p["reference_span"], automated, p)[1]
        pipe = np.asarray(p["pipeline_meeting_hours"] * p["pipeline_meetings_per_rep_month"] / wpm)
        fc = np.asarray(p["am_forecast_prep_hours_week"], dtype=float)
        selling = np.asarray(p["selling_share"] * h, dtype=float)
        if automated:
            k = p["automated_exception_share"]
            freed = (1 - k) * (pipe + fc)
            pipe, fc = k * pipe, k * fc
            selling = selling + p["freed_time_to_selling"] * freed
        coach = np.asarray(coaching_received_month, dtype=float) / wpm
        admin = np.asarray(p["am_admin_share"] * h, dtype=float)
        other = np.maximum(h - selling - coach - pipe - fc - admin, 0.0)
        return TimeBudget(
            family,
            selling=_out(selling),
            coaching_received=_out(coach),
            pipeline_review=_out(pipe),
            forecasting=_out(fc),
            admin=_out(admin),
            other=_out(other),
        )
    if family == "cell_lead":
        lead = p["cell_lead_share"] * h
        own = np.asarray(p["selling_share"] * h * (1 - p["cell_lead_share"]), dtype=float)
        coach = np.asarray(lead * p["cell_lead_coaching_share"], dtype=float)
        s = np.asarray(span, dtype=float)
        fc = np.where(s > 0, p["cell_reporting_hours_month"] / wpm, 0.0)
        admin = np.asarray(p["am_admin_share"] * h, dtype=float)
        other = np.maximum(h - own - coach - fc - admin, 0.0)
        return TimeBudget(
            "cell_lead",
            own_deals=_out(own),
            coaching_given=_out(coach),
            forecasting=_out(fc),
            admin=_out(admin),
            other=_out(other),
        )
    raise ConfigError(f"unknown role family {family!r} — use one of {', '.join(FAMILIES)}")
