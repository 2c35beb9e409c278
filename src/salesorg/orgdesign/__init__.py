"""Org design on evidence: span of control, working-supervisor cells, simulated with ranges.

Modules: :mod:`~salesorg.orgdesign.assumptions` (every default, sourced),
:mod:`~salesorg.orgdesign.timebudget` (hour budgets and the reporting-time meter).
"""

from __future__ import annotations

from salesorg.orgdesign.assumptions import DEFAULTS, Assumption, Assumptions
from salesorg.orgdesign.timebudget import (
    ReportingHours,
    TimeBudget,
    coaching_per_am_month,
    reporting_hours,
    time_budget,
)

__all__ = [
    "DEFAULTS",
    "Assumption",
    "Assumptions",
    "ReportingHours",
    "TimeBudget",
    "coaching_per_am_month",
    "reporting_hours",
    "time_budget",
]
