"""Quotas and commission: plans (TOML), exact payouts, quota proposals, what-if, behaviour checks.

The pieces, left to right: :mod:`~salesorg.comp.plan` (the plan file, validated),
:mod:`~salesorg.comp.registry` (stored plans and assignments), :mod:`~salesorg.comp.credit`
(who gets credit for which booking), :mod:`~salesorg.comp.core` (the exact vectorised payout
rule), :mod:`~salesorg.comp.payout` (statements), :mod:`~salesorg.comp.cost` (cost of sales),
:mod:`~salesorg.comp.quota` (proposals), :mod:`~salesorg.comp.whatif` and
:mod:`~salesorg.comp.compare` (simulation), :mod:`~salesorg.comp.behaviour` (quarter-end
patterns). ``docs/comp.md`` has the file format and every formula.
"""

from __future__ import annotations

from salesorg.comp.behaviour import behaviour_checks
from salesorg.comp.compare import compare_plans
from salesorg.comp.payout import PayoutRun, payouts
from salesorg.comp.plan import Plan, load_plan, parse_plan
from salesorg.comp.quota import propose_quotas
from salesorg.comp.registry import add_plan, assign_plan, get_plan, list_plans
from salesorg.comp.statement import run_json, statement_document
from salesorg.comp.whatif import simulate

__all__ = [
    "PayoutRun",
    "Plan",
    "add_plan",
    "assign_plan",
    "behaviour_checks",
    "compare_plans",
    "get_plan",
    "list_plans",
    "load_plan",
    "parse_plan",
    "payouts",
    "propose_quotas",
    "run_json",
    "simulate",
    "statement_document",
]
