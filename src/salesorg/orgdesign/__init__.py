"""Org design on evidence: span of control and working-supervisor cells, simulated with ranges.

The pieces, in the order data flows through them:

* :mod:`~salesorg.orgdesign.assumptions` — every default with source, confidence and range;
* :mod:`~salesorg.orgdesign.timebudget` — weekly hour budgets and the reporting-time meter;
* :mod:`~salesorg.orgdesign.orgmodel` — the organisation as of a date (spans, layers, cost);
* :mod:`~salesorg.orgdesign.outcome` — baselines (empirical Bayes) and response curves;
* :mod:`~salesorg.orgdesign.scenario` — ``baseline``, ``span:N``, ``cells`` and TOML edits;
* :mod:`~salesorg.orgdesign.simulate` — vectorised Monte Carlo and the tornado;
* :mod:`~salesorg.orgdesign.calibrate` — span effects estimated from the company's history;
* :mod:`~salesorg.orgdesign.cells` — the CP-SAT cell optimiser;
* :mod:`~salesorg.orgdesign.compare` — end to end, the report and ``demo_comparison``.
"""

from __future__ import annotations

from salesorg.orgdesign.assumptions import DEFAULTS, Assumption, Assumptions
from salesorg.orgdesign.compare import (
    compare_scenarios,
    comparison_document,
    demo_comparison,
    latest_date,
    text_summary,
)
from salesorg.orgdesign.orgmodel import OrgModel, build_org
from salesorg.orgdesign.scenario import ScenarioSpec, apply_scenario, load_scenario
from salesorg.orgdesign.simulate import Comparison, ScenarioResult, simulate
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
    "Comparison",
    "OrgModel",
    "ReportingHours",
    "ScenarioResult",
    "ScenarioSpec",
    "TimeBudget",
    "apply_scenario",
    "build_org",
    "coaching_per_am_month",
    "compare_scenarios",
    "comparison_document",
    "demo_comparison",
    "latest_date",
    "load_scenario",
    "reporting_hours",
    "simulate",
    "text_summary",
    "time_budget",
]
