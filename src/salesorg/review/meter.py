"""The reporting-time meter: hours a manager spends assembling the review by hand for their
span, and what remains with salesorg.

When :mod:`salesorg.orgdesign.timebudget` is available (the org-design engine's time model)
its ``reporting_hours`` is used, so the pack and the org-design scenarios agree. Otherwise
this module's own documented defaults apply:

- by hand: a pipeline meeting lasts about 53 minutes and most firms expect a front-line
  manager to hold one with each rep more than once a month (Vantage Point Performance / Sales
  Management Association 2014, DOMAIN.md #4; "more than monthly" is taken as 2 a month), plus
  preparation (collecting and checking the numbers) assumed at half the meeting time — an
  assumption without a published source, shown as such;
- with salesorg: reading the pack (15 minutes a week) and one conversation per exception
  (10 minutes each) — assumptions, overridable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MeterDefaults", "reporting_meter"]

WEEKS_PER_MONTH = 52 / 12


@dataclass(frozen=True)
class MeterDefaults:
    meeting_minutes: float = 53.0
    meetings_per_rep_month: float = 2.0
    preparation_share: float = 0.5
    pack_minutes_per_week: float = 15.0
    minutes_per_exception: float = 10.0


def reporting_meter(
    span: int, exceptions_per_week: int, *, defaults: MeterDefaults | None = None
) -> dict[str, Any]:
    """Hours per month by hand vs with salesorg for a manager with ``span`` direct reports.

    Returns ``span``, ``by_hand_hours_month``, ``with_salesorg_hours_month``,
    ``saved_hours_month``, ``source`` (which model was used) and ``assumptions`` (texts).
    """
    m = defaults or MeterDefaults()
    with_tool = (
        (m.pack_minutes_per_week + m.minutes_per_exception * exceptions_per_week)
        * WEEKS_PER_MONTH
        / 60.0
    )
    try:
        from salesorg.orgdesign.timebudget import reporting_hours  # type: ignore[import-not-found]

        by_hand = float(reporting_hours(span, automated=False).per_month)
        automated = float(reporting_hours(span, automated=True).per_month)
        source = "salesorg.orgdesign.timebudget.reporting_hours"
        assumptions = [
            "by hand: the org-design time model (pipeline meetings ~53 min, more than monthly "
            "per rep, DOMAIN.md #4; information work ~26 % of a manager's time, DOMAIN.md #2c)",
            f"with salesorg: the org-design automated estimate ({automated:.1f} h/month) or "
            f"reading the pack plus {m.minutes_per_exception:.0f} min per exception, "
            "whichever is larger",
        ]
        with_tool = max(with_tool, automated)
    except ImportError:
        meeting = m.meeting_minutes * m.meetings_per_rep_month * span
        by_hand = meeting * (1 + m.preparation_share) / 60.0
        source = "salesorg.review.meter defaults"
        assumptions = [
            f"pipeline meeting {m.meeting_minutes:.0f} min, {m.meetings_per_rep_month:g} per rep "
            "per month (Vantage Point / SMA 2014, DOMAIN.md #4: 72 % of firms expect more than "
            "monthly)",
            f"preparation {m.preparation_share:.0%} of meeting time (assumption, no source)",
            f"with salesorg: {m.pack_minutes_per_week:.0f} min a week reading the pack, "
            f"{m.minutes_per_exception:.0f} min per exception (assumptions)",
        ]
    return {
        "span": span,
        "exceptions_per_week": exceptions_per_week,
        "by_hand_hours_month": round(by_hand, 1),
        "with_salesorg_hours_month": round(with_tool, 1),
        "saved_hours_month": round(max(by_hand - with_tool, 0.0), 1),
        "source": source,
        "assumptions": assumptions,
    }
