"""The impact report: a GM's verdict, the JSON contract and the report document.

``to_json`` is the stable ``salesorg impact --format json`` payload (keys documented in
``docs/impact.md``); ``verdict`` is the one paragraph a GM reads; ``to_document`` builds the
:class:`~salesorg.report.Document` (verdict, headline figures, event-study chart, balance
table, placebo, method notes) that :func:`salesorg.report.write` renders.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from salesorg.impact.analysis import ImpactResult
from salesorg.report.document import Chart, Document, Kpi, KpiBlock, Note, Paragraph, TableBlock

__all__ = [
    "WARNINGS",
    "event_study_chart",
    "format_effect",
    "path_chart",
    "to_document",
    "to_json",
    "verdict",
]

#: Named warnings and what they mean (shown in the report next to the figure).
WARNINGS = {
    "weak_comparison": "the comparison group does not resemble the treated people well before the start (see the balance table)",
    "few_treated_clusters": "fewer than 6 treated teams: the interval resamples people, so a shock to the whole treated team cannot be told apart from the effect; trust the placebo test more",
    "few_comparison_clusters": "fewer than 6 comparison teams: the interval resamples people rather than teams",
    "pre_trend": "treated and comparison were drifting apart before the start (pre-trend test p < 0.10)",
    "placebo_effect": "a fake start date before the real one shows an 'effect' (p < 0.05): the groups were not comparable",
    "short_pre_period": "less history before the start than the baseline window",
    "few_treated": "fewer than 5 treated people with data",
    "no_post_data": "no data after the start yet",
}


def format_effect(value: float, unit: str) -> str:
    """An effect in the metric's unit: ``+4.2 pp``, ``+1,250``, ``-3.1 days``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "share":
        return f"{value * 100:+.1f} pp"
    if unit == "money":
        return f"{value:+,.0f}"
    if unit == "days":
        return f"{value:+.1f} days"
    return f"{value:+.3g}"


def _pfmt(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _num(v: Any) -> Any:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return None if not math.isfinite(f) else f


def to_json(r: ImpactResult) -> dict[str, Any]:
    """The documented JSON payload of ``salesorg impact``."""
    e = r.effect
    det_week = _detect_periods(r)
    return {
        "initiative_id": r.initiative_id,
        "name": r.name,
        "metric": r.metric.name,
        "unit": r.metric.unit,
        "as_of": r.as_of.isoformat(),
        "started_on": r.started_on.isoformat(),
        "freq": r.freq,
        "estimate": _num(e.estimate),
        "se": _num(e.se),
        "ci90": [_num(e.ci90[0]), _num(e.ci90[1])],
        "p_value": _num(e.p_value),
        "pre_trend_p_value": _num(e.pre_trend_p_value),
        "detectable_since": e.detectable_since.isoformat() if e.detectable_since else None,
        "detectable_after_periods": det_week,
        "comparison": sorted(r.matching.comparison),
        "matched_teams": sorted(r.matching.teams),
        "treated": sorted(r.treated),
        "n_treated": e.n_treated,
        "n_comparison": e.n_comparison,
        "treated_teams": e.treated_clusters,
        "comparison_teams": e.comparison_clusters,
        "method": r.method,
        "matching_method": r.matching.method,
        "weak_comparison": r.matching.weak,
        "weak_reasons": list(r.matching.reasons),
        "balance": [
            {k: _num(v) for k, v in row.items()} for row in r.matching.balance.to_dict("records")
        ],
        "event_study": [
            {k: _num(v) for k, v in row.items()} for row in r.effect.event_study.to_dict("records")
        ],
        "placebo": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else _num(v)) for k, v in row.items()}
            for row in r.placebo.to_dict("records")
        ],
        "replicates": e.replicates,
        "warnings": list(r.warnings),
        "verdict": verdict(r),
    }


def verdict(r: ImpactResult) -> str:
    """One paragraph a GM can read: the effect, its interval, since when it shows, caveats."""
    e = r.effect
    label = r.metric.name.replace("-", " ")
    est = format_effect(e.estimate, r.metric.unit)
    lo = format_effect(e.ci90[0], r.metric.unit)
    hi = format_effect(e.ci90[1], r.metric.unit)
    j = _detect_periods(r)
    parts = [
        f"{r.name}: {label} {est} for the {e.n_treated} people in the programme against "
        f"{e.n_comparison} comparable people, 90 % interval [{lo}, {hi}] (as of {r.as_of})."
    ]
    if e.detectable_since is not None:
        parts.append(
            f"The effect has been clear at the 5 % level since {e.detectable_since} "
            f"({r.freq} {j} after the start)."
        )
    elif math.isfinite(e.p_value) and e.p_value >= 0.05:
        parts.append(
            f"It is not yet distinguishable from no effect (p = {e.p_value:.2f}); see "
            "`salesorg impact plan` for how long that can take."
        )
    checks = []
    if math.isfinite(e.pre_trend_p_value):
        checks.append(
            "before the start the groups moved in parallel"
            if e.pre_trend_p_value >= 0.10
            else "but the groups were already drifting apart before the start"
        )
    if "placebo_effect" not in r.warnings and len(r.placebo):
        checks.append("a fake earlier start shows no effect")
    if checks:
        parts.append("Checks: " + "; ".join(checks) + ".")
    caveats = [
        w
        for w in r.warnings
        if w in ("weak_comparison", "pre_trend", "placebo_effect", "few_treated_clusters")
    ]
    if caveats:
        parts.append("Caution: " + "; ".join(WARNINGS[w] for w in caveats) + ".")
    return " ".join(parts)


def _detect_periods(r: ImpactResult) -> int | None:
    if r.effect.detectable_since is None:
        return None
    first = pd.Timestamp(r.panel.periods[min(r.panel.cohorts)])
    return (
        int(
            (pd.Timestamp(r.effect.detectable_since) - first).days
            // (7 if r.freq == "week" else 30)
        )
        + 1
    )


def event_study_chart(r: ImpactResult) -> Any:
    """Altair chart of the effect by period relative to the start with 90 % bands."""
    import altair as alt

    df = r.effect.event_study.dropna(subset=["estimate"]).copy()
    scale = 100.0 if r.metric.unit == "share" else 1.0
    for c in ("estimate", "low", "high"):
        df[c] = df[c] * scale
    df["phase"] = df["e"].map(lambda e: "before start" if e < 0 else "after start")
    unit = " (pp)" if r.metric.unit == "share" else ""
    base = alt.Chart(df).encode(x=alt.X("e:Q", title=f"{r.freq}s relative to the start"))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("low:Q", title=f"effect on {r.metric.name}{unit}"), y2="high:Q", color="phase:N"
    )
    line = base.mark_line(point=True).encode(y="estimate:Q", color="phase:N")
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    return (band + line + zero).properties(
        width=600, height=260, title="Effect by period relative to the start (90 % interval)"
    )


def path_chart(r: ImpactResult) -> Any:
    """Altair chart of the overall estimate as it read with the data up to each week."""
    import altair as alt

    df = r.effect.path.dropna(subset=["estimate"]).copy()
    scale = 100.0 if r.metric.unit == "share" else 1.0
    for c in ("estimate", "low", "high"):
        df[c] = df[c] * scale
    unit = " (pp)" if r.metric.unit == "share" else ""
    base = alt.Chart(df).encode(x=alt.X("period:T", title="data up to"))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("low:Q", title=f"effect on {r.metric.name}{unit}"), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(y="estimate:Q")
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    layers = band + line + zero
    if r.effect.detectable_since is not None:
        mark = pd.DataFrame({"period": [pd.Timestamp(r.effect.detectable_since)]})
        layers = layers + alt.Chart(mark).mark_rule(color="green").encode(x="period:T")
    return layers.properties(
        width=600, height=220, title="The estimate as it read week by week (90 % interval)"
    )


def to_document(r: ImpactResult) -> Document:
    """The report: verdict, headline figures, chart, balance, placebo, method notes."""
    e = r.effect
    doc = Document(
        title=f"Impact of {r.name}",
        subtitle=f"{r.metric.name} · as of {r.as_of} · started {r.started_on}",
    )
    s = doc.section("Verdict")
    s.add(Paragraph(verdict(r)))
    s.add(
        KpiBlock(
            (
                Kpi("Effect", format_effect(e.estimate, r.metric.unit)),
                Kpi(
                    "90 % interval",
                    f"[{format_effect(e.ci90[0], r.metric.unit)}, {format_effect(e.ci90[1], r.metric.unit)}]",
                ),
                Kpi("p-value", _pfmt(e.p_value)),
                Kpi(
                    "Detectable since",
                    e.detectable_since.isoformat() if e.detectable_since else "not yet",
                ),
            )
        )
    )
    for w in r.warnings:
        s.add(Note(f"{w}: {WARNINGS.get(w, w)}"))
    s = doc.section("Effect over time")
    s.add(Chart(path_chart(r), title="Time to signal"))
    s.add(Chart(event_study_chart(r), title="Event study"))
    pct = ("estimate", "se", "low", "high") if r.metric.unit == "share" else ()
    s.add(
        TableBlock(
            "event_study",
            r.effect.event_study,
            title="Effect by period relative to start",
            percent=pct,
        )
    )
    s = doc.section("Comparison group")
    for reason in r.matching.reasons:
        s.add(Note(f"weak comparison: {reason}"))
    s.add(
        TableBlock(
            "balance",
            r.matching.balance,
            title="Balance before the start (standardised differences; |d| > 0.25 is imbalanced)",
        )
    )
    s.add(
        TableBlock(
            "comparison",
            pd.DataFrame({"person_id": sorted(r.matching.comparison)}),
            title="Comparison people",
        )
    )
    s = doc.section("Checks")
    s.add(
        Paragraph(
            f"Pre-trend test (joint, {e.pre_trend_df} df): p = {e.pre_trend_p_value:.3f}."
            if math.isfinite(e.pre_trend_p_value)
            else "Pre-trend test: not enough history."
        )
    )
    s.add(TableBlock("placebo", r.placebo, title="Placebo: fake earlier start dates"))
    s = doc.section("Method")
    s.add(Paragraph(r.method + "."))
    s.add(
        Note(
            "Difference-in-differences: Callaway & Sant'Anna (2021), J. Econometrics 225(2): 200–230; why not two-way fixed effects: Goodman-Bacon (2021), Sun & Abraham (2021), J. Econometrics 225(2). Cluster bootstrap: Cameron, Gelbach & Miller (2008). Matching balance: Stuart (2010).",
            kind="assumption",
        )
    )
    return doc
