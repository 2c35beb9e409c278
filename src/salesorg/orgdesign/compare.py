"""Comparing scenarios end to end: store → org → scenarios → simulation → report.

:func:`compare_scenarios` is what ``salesorg scenario compare`` calls; :func:`comparison_document`
builds the :class:`~salesorg.report.Document` (results with P10/P50/P90, the tornado chart,
every assumption with its source and confidence, calibration and warnings);
:func:`demo_comparison` is the last step of ``make demo``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from salesorg.orgdesign.assumptions import DEFAULTS, Assumptions
from salesorg.orgdesign.orgmodel import build_org
from salesorg.orgdesign.scenario import apply_scenario, load_scenario
from salesorg.orgdesign.simulate import QUANTITIES, Comparison, simulate

__all__ = [
    "compare_scenarios",
    "comparison_document",
    "demo_comparison",
    "latest_date",
    "text_summary",
]

_LABELS = {
    "bookings": "Bookings per year",
    "cost_of_sales_pct": "Cost of sales (%)",
    "coaching_hours_per_am_month": "Coaching h per AM per month",
    "selling_hours_per_am_week": "Selling h per AM per week",
    "reporting_hours_per_manager_week": "Reporting h per manager per week",
    "share_above_quota": "Share of AMs above 100 % of quota",
}


def latest_date(store: Any) -> dt.date:
    """The last day with a recorded opportunity change (a sensible default ``as_of``)."""
    h = store.table("opportunity_history")
    v = h.changed_at.max().execute()
    if v is None or pd.isna(v):
        return dt.date.today()
    return pd.Timestamp(v).date()


def compare_scenarios(
    store: Any,
    refs: list[str],
    *,
    as_of: dt.date | str | None = None,
    trials: int = 10_000,
    seed: int = 42,
    assumptions: Assumptions = DEFAULTS,
    tornado: bool = True,
    calibrate: bool = True,
) -> Comparison:
    """Simulate the scenarios ``refs`` (files or presets) on the store's organisation.

    The baseline (the organisation as it is) is always simulated as the reference; if
    ``refs`` does not name it, it is added first. With ``calibrate`` the span effect is
    estimated from history (:mod:`~salesorg.orgdesign.calibrate`) and used where the data
    can tell; the report says which.
    """
    from salesorg.orgdesign.calibrate import calibrate as _calibrate
    from salesorg.orgdesign.calibrate import calibrated_assumptions

    day = as_of or latest_date(store)
    cal = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if calibrate:
            cal = _calibrate(store, day, assumptions=assumptions)
            assumptions = calibrated_assumptions(cal, assumptions)
        org = build_org(store, day)
        specs = [load_scenario(r) for r in refs]
        if not any(s.base == "baseline" and s.name == "baseline" for s in specs):
            specs.insert(0, load_scenario("baseline"))
        orgs = [apply_scenario(org, s) for s in specs]
        ref = next(o for o in orgs if o.name == "baseline")
        comp = simulate(
            orgs,
            baseline=ref,
            trials=trials,
            rng=np.random.default_rng(seed),
            assumptions=assumptions,
            seed=seed,
            tornado=tornado,
        )
    comp.calibration = cal
    comp.notes.extend(
        f"{type(w.message).__name__}: {w.message}"
        for w in caught
        if not issubclass(w.category, (DeprecationWarning, FutureWarning))
    )
    comp.notes.extend(org.notes)
    return comp


def _fmt(x: float, q: str) -> str:
    if q == "bookings":
        return f"{x / 1e6:,.1f}M"
    if q == "share_above_quota":
        return f"{100 * x:.0f} %"
    return f"{x:.1f}"


def text_summary(comp: Comparison) -> str:
    """A plain-text table of the comparison (what ``make demo`` prints)."""
    lines = []
    short = {"bookings": "bookings", "cost_of_sales_pct": "cost of sales %",
             "coaching_hours_per_am_month": "coaching h/AM/mo", "selling_hours_per_am_week": "selling h/AM/wk",
             "reporting_hours_per_manager_week": "reporting h/mgr/wk", "share_above_quota": "AMs > quota"}  # fmt: skip
    head = f"{'scenario':<20}{'mgrs':>5}{'layers':>7}{'span':>6}" + "".join(
        f"{short[q]:>24}" for q in QUANTITIES) + f"{'P(beats)':>10}"  # fmt: skip
    lines.append(head)
    for r in comp.results:
        row = f"{r.name:<20}{r.org.managers:>5}{r.org.layers:>7}{r.org.mean_span():>6.1f}"
        for q in QUANTITIES:
            v = r.quantiles(q)
            row += f"{_fmt(v['p50'], q) + ' [' + _fmt(v['p10'], q) + '–' + _fmt(v['p90'], q) + ']':>24}"
        row += f"{'' if r.p_beats_baseline is None else f'{r.p_beats_baseline:.0%}':>10}"
        lines.append(row)
    lines.append(
        f"P50 [P10–P90] over {comp.trials:,} trials; P(beats) = P(lower cost of sales than baseline)."
    )
    if comp.calibration is not None:
        lines.append(f"calibration: {comp.calibration.message}")
    if len(comp.tornado):
        top = (
            comp.tornado.sort_values("bookings_swing", ascending=False).groupby("scenario").head(2)
        )
        for _, t in top.iterrows():
            lines.append(
                f"decides {t['scenario']}: {t['assumption']} (bookings swing "
                f"{t['bookings_swing'] / 1e6:,.1f}M, confidence {t['confidence']})"
            )
    return "\n".join(lines)


def _tornado_chart(df: pd.DataFrame, scenario: str) -> dict[str, Any]:
    d = df[df["scenario"] == scenario].head(10)
    rows = []
    for _, t in d.iterrows():
        lo, hi = sorted([t["bookings_diff_at_p10"], t["bookings_diff_at_p90"]])
        rows.append(
            {
                "assumption": t["assumption"],
                "low": lo / 1e6,
                "high": hi / 1e6,
                "point": t["bookings_diff_at_point"] / 1e6,
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"{scenario} minus baseline: bookings (M)",
        "data": {"values": rows},
        "width": 420,
        "layer": [
            {"mark": "bar", "encoding": {
                "y": {"field": "assumption", "type": "nominal", "sort": None, "title": None,
                      "axis": {"labelLimit": 260}},
                "x": {"field": "low", "type": "quantitative", "title": "difference to baseline (M)"},
                "x2": {"field": "high"}}},
            {"mark": {"type": "rule", "color": "black"}, "encoding": {
                "x": {"field": "point", "type": "quantitative"}}},
        ],
    }  # fmt: skip


def comparison_document(comp: Comparison, *, title: str = "Org design scenarios") -> Any:
    """The report: verdict, results with ranges, structure, tornado, assumptions, notes."""
    from salesorg.report import Chart, Document, Kpi, KpiBlock, Note, Paragraph, TableBlock

    base = next((r for r in comp.results if r.is_baseline), comp.results[0])
    doc = Document(title=title, subtitle=f"as of {base.org.as_of}, {base.org.currency}, "
                   f"{comp.trials:,} Monte Carlo trials (seed {comp.seed})")  # fmt: skip
    s = doc.section("Verdict")
    for r in comp.results:
        if r.is_baseline:
            continue
        c = r.quantiles("cost_of_sales_pct")
        s.add(
            Paragraph(
                f"{r.name}: cost of sales {c['p50']:.1f} % (P10–P90 {c['p10']:.1f}–{c['p90']:.1f} %) "
                f"vs {base.quantiles('cost_of_sales_pct')['p50']:.1f} % today; lower than today in "
                f"{r.p_beats_baseline:.0%} of trials; more bookings in {r.p_more_bookings:.0%}."
            )
        )
    s.add(
        KpiBlock(
            tuple(
                Kpi(
                    r.name,
                    round(r.quantiles("cost_of_sales_pct")["p50"], 1),
                    "% cost of sales",
                    note=f"{r.org.managers} managers, {r.org.layers} layers",
                )
                for r in comp.results
            )
        )
    )
    rows = []
    for r in comp.results:
        for q in QUANTITIES:
            v = r.quantiles(q)
            rows.append({"scenario": r.name, "quantity": _LABELS[q], **v})
    res = doc.section("Results (P10 / P50 / P90)")
    res.add(TableBlock("results", pd.DataFrame(rows), title="Simulated quantities"))
    st = pd.DataFrame([{
        "scenario": r.name, "managers": r.org.managers, "front_line_managers": r.org.front_line_managers,
        "layers": r.org.layers, "mean_span": round(r.org.mean_span(), 2), "headcount": sum(r.org.headcount().values()),
        "cost_per_year": r.org.cost(), "automated_reporting": r.org.automated,
        "p_beats_baseline": r.p_beats_baseline} for r in comp.results])  # fmt: skip
    res.add(TableBlock("structure", st, title="Structure", money=("cost_per_year",)))
    if len(comp.tornado):
        t = doc.section("What decides the comparison (tornado)")
        t.add(
            Paragraph(
                "Each bar: the scenario's expected bookings minus the baseline's when one "
                "assumption moves from its P10 to its P90, the others at their defaults. "
                "The longest bars are what a pilot should measure."
            )
        )
        for name in comp.tornado["scenario"].unique():
            t.add(Chart(_tornado_chart(comp.tornado, name), title=f"Tornado: {name}"))
        t.add(TableBlock("tornado", comp.tornado, title="Sensitivity"))
    cal = doc.section("Calibration from the company's own history")
    if comp.calibration is None:
        cal.add(Note("not run: the defaults are used", kind="assumption"))
    else:
        c = comp.calibration
        cal.add(Paragraph(c.message))
        cal.add(
            Note(
                "Not estimable from the data model: "
                + ", ".join(c.not_estimable)
                + " — the defaults are used.",
                kind="assumption",
            )
        )
        cal.add(
            Note(
                "Span is not randomly assigned; the estimate is an association adjusted for "
                "team level, not an experiment.",
                kind="warning",
            )
        )
    a = doc.section("Assumptions (source and confidence)")
    for r in comp.results:
        if r.org.overrides:
            a.add(Note(f"{r.name} overrides: {r.org.overrides}", kind="assumption"))
    a.add(
        TableBlock(
            "assumptions", pd.DataFrame(comp.assumptions.table()), title="Every default used"
        )
    )
    a.add(
        Note(
            "Variable pay is not modelled: cost is fully loaded cost_per_year only.",
            kind="assumption",
        )
    )
    if comp.notes or any(r.org.notes for r in comp.results):
        n = doc.section("Notes and warnings")
        for msg in comp.notes:
            n.add(Note(msg))
        for r in comp.results:
            for msg in r.org.notes:
                n.add(Note(f"{r.name}: {msg}", kind="assumption"))
    return doc


def demo_comparison(
    store: Any, out_dir: str | Path, *, trials: int = 10_000, seed: int = 42
) -> tuple[str, Path]:
    """Baseline (1:8) vs ``span:14`` vs ``cells`` on the store; writes ``out_dir/scenarios.html``.

    Returns the text summary and the path of the report (for ``make demo``).
    """
    from salesorg.report import write

    comp = compare_scenarios(store, ["baseline", "span:14", "cells"], trials=trials, seed=seed)
    path = write(comparison_document(comp), Path(out_dir) / "scenarios.html")
    return text_summary(comp), path
