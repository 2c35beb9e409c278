"""A payout run as rows, as stable JSON and as a report :class:`~salesorg.report.Document`.

Money is rounded half-up to the cent here (and only here and in :mod:`salesorg.comp.core`'s
line rounding); attainment is a fraction (1.2 = 120 %). The JSON keys are documented in
``docs/comp.md`` and a test holds them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from salesorg.comp.core import to_money
from salesorg.comp.payout import PayoutRun, Statement

__all__ = ["comparison_document", "run_json", "run_lines", "statement_document"]


def _line_dict(ln: Any) -> dict[str, Any]:
    return {
        "period": ln.period.label,
        "component_id": ln.component.id,
        "measure": ln.component.measure,
        "credit": to_money(ln.credit_cents),
        "quota": None if ln.quota_cents is None else to_money(ln.quota_cents),
        "attainment": ln.attainment,
        "target_incentive": to_money(ln.ti),
        "payout": to_money(ln.payout_cents),
        "deals": [
            {
                "opportunity_id": d["opportunity_id"],
                "name": d["name"],
                "person_id": d["person_id"],
                "booked_on": d["booked_on"],
                "share": d["share"],
                "credit": to_money(d["credit_cents"]),
            }
            for d in ln.deals
        ],
    }


def _statement_dict(st: Statement) -> dict[str, Any]:
    return {
        "person_id": st.person_id,
        "name": st.name,
        "plan_id": st.plan_id,
        "unit_id": st.unit_id,
        "period": st.period.label,
        "period_start": st.period.start,
        "period_end": st.period.end,
        "components": [_line_dict(ln) for ln in st.lines],
        "earned": to_money(st.earned_cents),
        "clawback": to_money(st.clawback_cents),
        "clawbacks": [
            {
                **{k: v for k, v in c.items() if k != "clawback_cents"},
                "amount": to_money(c["clawback_cents"]),
            }
            for c in st.clawbacks
        ],
        "draw": to_money(st.draw_cents),
        "draw_balance": to_money(st.draw_balance_cents),
        "payable": to_money(st.payable_cents),
        "bookings": to_money(st.bookings_cents),
    }


def run_json(run: PayoutRun) -> dict[str, Any]:
    """The documented JSON object of ``salesorg comp payouts --format json``."""
    return {
        "period": run.window.label,
        "start": run.window.start,
        "end": run.window.end,
        "currency": run.currency,
        "statements": [_statement_dict(s) for s in run.statements],
        "units": run.units,
        "total_payable": to_money(sum(s.payable_cents for s in run.statements)),
        "warnings": run.warnings,
    }


def run_lines(run: PayoutRun) -> pd.DataFrame:
    """One row per person, period and component (the table/CSV view)."""
    rows = []
    for st in run.statements:
        for ln in st.lines:
            d = _line_dict(ln)
            rows.append(
                {
                    "person_id": st.person_id,
                    "plan_id": st.plan_id,
                    "period": d["period"],
                    "component_id": d["component_id"],
                    "credit": d["credit"],
                    "quota": d["quota"],
                    "attainment": d["attainment"],
                    "payout": d["payout"],
                    "deals": len(d["deals"]),
                }
            )
        rows.append(
            {
                "person_id": st.person_id,
                "plan_id": st.plan_id,
                "period": st.period.label,
                "component_id": "= payable",
                "credit": None,
                "quota": None,
                "attainment": None,
                "payout": to_money(st.payable_cents),
                "deals": None,
            }
        )
    return pd.DataFrame(rows)


def statement_document(run: PayoutRun) -> Any:
    """The auditable statement as a report Document (one section per person and period)."""
    from salesorg.report import Document, Kpi, KpiBlock, Note, TableBlock

    doc = Document(
        title=f"Commission statements {run.window.label}",
        subtitle=f"{run.window.start} to {run.window.end} · amounts in {run.currency}",
    )
    summary = doc.section("Summary")
    total = sum(s.payable_cents for s in run.statements)
    summary.add(
        KpiBlock(
            (
                Kpi("People", len({s.person_id for s in run.statements})),
                Kpi("Variable pay", to_money(total), run.currency),
            )
        )
    )
    if run.units:
        summary.add(
            TableBlock(
                "cost_of_sales",
                pd.DataFrame(run.units),
                title="Cost of sales per unit: (fixed cost pro rata + variable pay) / bookings",
                money=("fixed_cost", "variable_pay", "bookings"),
                percent=("cost_of_sales",),
            )
        )
    for w in run.warnings:
        summary.add(Note(w))
    for i, st in enumerate(run.statements):
        d = _statement_dict(st)
        sec = doc.section(f"{st.name} ({st.person_id}) — {st.plan_id} — {st.period.label}")
        comps = pd.DataFrame(
            [{k: v for k, v in c.items() if k != "deals"} for c in d["components"]]
        )
        sec.add(
            TableBlock(
                f"s{i}_components"[:31],
                comps,
                title="Components",
                money=("credit", "quota", "target_incentive", "payout"),
                percent=("attainment",),
            )
        )
        deals = [
            {"component_id": c["component_id"], **deal}
            for c in d["components"]
            for deal in c["deals"]
        ]
        if deals:
            sec.add(
                TableBlock(
                    f"s{i}_deals"[:31],
                    pd.DataFrame(deals),
                    title="Deals credited",
                    money=("credit",),
                    percent=("share",),
                )
            )
        totals = {k: d[k] for k in ("earned", "clawback", "draw", "draw_balance", "payable")}
        sec.add(
            TableBlock(
                f"s{i}_total"[:31], pd.DataFrame([totals]), title="Payable", money=tuple(totals)
            )
        )
    return doc


def comparison_document(res: dict[str, Any]) -> Any:
    """A plan comparison (:func:`salesorg.comp.compare.compare_plans`) as a report Document."""
    from salesorg.report import Document, Note, TableBlock

    doc = Document(
        title=f"Plan comparison: {res['plan_a']} vs {res['plan_b']}",
        subtitle=f"{res['period']} · {res['people']} people · {res['n_sims']} {res['method']} simulations",
    )
    sec = doc.section("Side by side")
    sec.add(TableBlock("comparison", pd.DataFrame(res["rows"]), title="a vs b (b − a)"))
    for sim in res["simulations"]:
        s = doc.section(f"{sim['plan_id']}: per person")
        s.add(
            TableBlock(
                sim["plan_id"][:31],
                pd.DataFrame(sim["per_person"]),
                money=("quota", "payout_p10", "payout_p50", "payout_p90"),
                percent=("attainment_p50", "p_at_or_above_quota"),
            )
        )
    notes = doc.section("Assumptions and warnings")
    for a in res["assumptions"]:
        notes.add(Note(a, kind="assumption"))
    for w in res["warnings"]:
        notes.add(Note(w))
    return doc
