"""The review pack: one :class:`~salesorg.report.document.Document` per unit.

Contents, in reading order: headline KPIs (vs last review and vs the same week last quarter),
the pipeline bridge (waterfall), coverage of the remaining quota of this and next quarter,
the exceptions grouped by manager (and what was suppressed), stage conversion and the
win-rate trend, cycle time, attainment (histogram of people, share at or above 100 % and its
year-over-year trend), the forecast roll-up, the reporting-time meter, the full change list
and the settings used. Everything is computed as of D (point in time).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from salesorg.report import Chart, Document, Kpi, KpiBlock, Note, Paragraph, TableBlock
from salesorg.report.charts import bar, histogram, trend, waterfall
from salesorg.review.attainment import current_attainment, share_above_by_year
from salesorg.review.bridge import MOVEMENTS
from salesorg.review.config import next_quarter, quarter_bounds, quarter_label
from salesorg.review.meter import reporting_meter
from salesorg.review.run import Review
from salesorg.review.source import memo
from salesorg.review.trends import quarterly_trend, stage_conversion

__all__ = ["KPI_LABELS", "review_pack"]

#: KPI key → (label, unit kind); unit ``money`` becomes the reporting currency.
KPI_LABELS: dict[str, tuple[str, str]] = {
    "open_pipeline": ("Open pipeline", "money"),
    "quarter_pipeline": ("Pipeline closing this quarter", "money"),
    "booked_qtd": ("Booked this quarter", "money"),
    "attainment_qtd": ("Quarter attainment to date", "share"),
    "coverage": ("Coverage of remaining quota", "x"),
    "next_coverage": ("Coverage of next quarter", "x"),
    "win_rate_90d": ("Win rate (90 days)", "share"),
    "cycle_days_90d": ("Cycle time of won deals (90 days)", "days"),
    "new_pipeline_7d": ("New pipeline (7 days)", "money"),
    "open_deals": ("Open deals", ""),
}

_EXCEPTION_COLS = [
    "manager_id",
    "owner_id",
    "opportunity_id",
    "name",
    "flags",
    "amount_before",
    "amount_after",
    "stage_before",
    "stage_after",
    "close_date_before",
    "close_date_after",
    "slip_days",
    "materiality",
    "reason",
]


def _unit(kind: str, currency: str) -> str:
    return currency if kind == "money" else kind


def _delta(now: Any, then: Any) -> Any:
    if now is None or then is None:
        return None
    return now - then


def _kpi_section(doc: Document, review: Review) -> None:
    cur = review.kpis["current"]
    last = review.kpis.get("last_review", {})
    lq = review.kpis.get("same_week_last_quarter", {})
    sec = doc.section("Headline")
    kpis = []
    for key, (label, kind) in KPI_LABELS.items():
        kpis.append(
            Kpi(
                label,
                cur.get(key),
                _unit(kind, review.currency),
                delta=_delta(cur.get(key), last.get(key)),
                delta_label="vs last review" if last else "",
            )
        )
    sec.add(KpiBlock(tuple(kpis)))
    rows = []
    for key, (label, kind) in KPI_LABELS.items():
        rows.append(
            {
                "kpi": label,
                "now": cur.get(key),
                "last_review": last.get(key),
                "change": _delta(cur.get(key), last.get(key)),
                "same_week_last_quarter": lq.get(key),
                "change_vs_last_quarter": _delta(cur.get(key), lq.get(key)),
                "unit": "%" if kind == "share" else _unit(kind, review.currency),
            }
        )
    sec.add(
        TableBlock(
            "KPIs", pd.DataFrame(rows), title="KPIs now, at the last review and a quarter ago"
        )
    )
    if lq:
        sec.add(
            Paragraph(
                f"Last review: {review.since}; same week last quarter: {lq.get('as_of')}. "
                f"Quarter {cur['quarter']}."
            )
        )


def _bridge_section(doc: Document, review: Review) -> None:
    br = review.bridge
    sec = doc.section("Pipeline bridge")
    steps = [(m.replace("_", " "), float(v)) for m, v in br.movements.items() if v != 0]
    window = (
        f"open deals closing in {quarter_label(review.as_of)}"
        if br.window == "quarter"
        else "all open deals"
    )
    sec.add(
        Chart(
            waterfall(
                steps,
                start=float(br.start),
                end=float(br.end),
                start_label=f"{review.since}",
                end_label=f"{review.as_of}",
                unit=review.currency,
            ),
            f"Pipeline bridge: {window}",
        )
    )
    rows = [{"movement": "start", "amount": br.start}]
    rows += [{"movement": m, "amount": br.movements[m]} for m in MOVEMENTS]
    rows.append({"movement": "end", "amount": br.end})
    sec.add(TableBlock("Bridge", pd.DataFrame(rows), title="Bridge", money=("amount",)))
    sec.add(
        Note(
            f"The bridge follows {window} of the unit's members on {review.as_of}; "
            "won and lost are taken at last week's amount; start + movements = end to the cent.",
            "assumption",
        )
    )


def _coverage_section(doc: Document, review: Review) -> None:
    cur = review.kpis["current"]
    q0, _ = quarter_bounds(review.as_of)
    n0, _ = next_quarter(review.as_of)
    sec = doc.section("Coverage")
    rows = [
        {
            "quarter": quarter_label(q0),
            "quota": cur.get("quarter_quota"),
            "booked": cur.get("booked_qtd"),
            "remaining_quota": cur.get("remaining_quota"),
            "open_pipeline": cur.get("quarter_pipeline"),
            "coverage": cur.get("coverage"),
        },
        {
            "quarter": quarter_label(n0),
            "quota": cur.get("next_quarter_quota"),
            "booked": 0.0,
            "remaining_quota": cur.get("next_quarter_quota"),
            "open_pipeline": cur.get("next_quarter_pipeline"),
            "coverage": cur.get("next_coverage"),
        },
    ]
    sec.add(
        TableBlock(
            "Coverage",
            pd.DataFrame(rows),
            title="Open pipeline against the quota still to win",
            money=("quota", "booked", "remaining_quota", "open_pipeline"),
        )
    )
    if cur.get("quarter_quota") is None:
        sec.add(Note("No quota found for this unit: coverage cannot be computed.", "warning"))


def _exceptions_section(doc: Document, review: Review) -> None:
    ex = review.exceptions
    sec = doc.section("Exceptions")
    sup = review.suppressed
    sec.add(
        Paragraph(
            f"{len(ex)} material change(s) of {len(review.changes)} shown, grouped by manager. "
            f"{sup['count']} change(s) suppressed: {sup['rule']}."
        )
    )
    if sup["by_flag"]:
        sec.add(
            Paragraph(
                "Suppressed by flag: "
                + ", ".join(f"{k} {v}" for k, v in sup["by_flag"].items())
                + "."
            )
        )
    frame = ex.sort_values(
        ["manager_id", "materiality"], ascending=[True, False], na_position="last"
    )
    sec.add(
        TableBlock(
            "Exceptions",
            frame[_EXCEPTION_COLS].reset_index(drop=True),
            title="Material changes by manager",
            money=("amount_before", "amount_after"),
            max_rows=80,
        )
    )


def _trend_section(doc: Document, review: Review, owners: Any) -> None:
    q = quarterly_trend(review.extras["source"], review.as_of, owners=owners)
    src = review.extras["source"]
    key = ("stage_conversion", review.as_of, None if owners is None else frozenset(owners))
    conv = memo(src, key, lambda: stage_conversion(src, review.as_of, owners=owners))
    sec = doc.section("Conversion and win rate")
    plot = q.dropna(subset=["win_rate"])
    if len(plot):
        sec.add(
            Chart(
                trend(
                    plot, x="quarter", y="win_rate", x_type="O", y_format="%", y_title="win rate"
                ),
                "Win rate by quarter (by count)",
            )
        )
    sec.add(
        TableBlock(
            "Win rate by quarter",
            q.drop(columns=["quarter_start"]),
            money=("booked",),
            percent=("win_rate", "win_rate_value"),
        )
    )
    sec.add(
        TableBlock(
            "Stage conversion",
            conv[["stage", "reached", "won", "win_rate", "default_probability"]],
            title="Stage to win, deals closed in the last 365 days",
            percent=("win_rate", "default_probability"),
        )
    )
    sec2 = doc.section("Cycle time")
    cyc = q.dropna(subset=["cycle_days"])
    if len(cyc):
        sec2.add(Chart(bar(cyc, x="quarter", y="cycle_days", y_title="days"), "Median days to win"))
    else:
        sec2.add(Paragraph("No won deals in the last eight quarters."))
    review.extras["trend"] = q
    review.extras["conversion"] = conv


def _attainment_section(doc: Document, review: Review, owners: Any) -> None:
    src = review.extras["source"]
    att = current_attainment(src, review.as_of, owners=owners)
    years = share_above_by_year(src, review.as_of, owners=owners)
    sec = doc.section("Attainment")
    if len(att):
        share = float((att["attainment"] >= 1).mean())
        sec.add(
            KpiBlock(
                (
                    Kpi("People with a quota", len(att)),
                    Kpi("At or above 100 % (year to date)", share, "share"),
                    Kpi("Median attainment", float(att["attainment"].median()), "share"),
                )
            )
        )
        sec.add(
            Chart(
                histogram(
                    list(att["attainment"]),
                    step=0.1,
                    rule_at=1.0,
                    x_title="attainment",
                    x_format="%",
                ),
                "Year-to-date attainment of people (quota pro rata)",
            )
        )
    else:
        sec.add(Note("No individual quotas for this unit's people this year.", "warning"))
    plot = years.dropna(subset=["share_above"])
    if len(plot) > 1:
        sec.add(
            Chart(
                trend(
                    plot.assign(year=plot["year"].astype(str)),
                    x="year",
                    y="share_above",
                    x_type="O",
                    y_format="%",
                ),
                "Share of people at or above 100 %, by year",
            )
        )
    sec.add(
        TableBlock(
            "Attainment by year",
            years,
            percent=("share_above", "median_attainment"),
        )
    )
    sec.add(
        TableBlock(
            "Attainment",
            att,
            title="People, year to date",
            money=("booked", "quota"),
            percent=("attainment",),
            max_rows=40,
        )
    )
    sec.add(
        Note(
            "Published reference: 52–59 % of reps at or above quota (CSO Insights 2009–2015, "
            "DOMAIN.md #6a, medium confidence).",
            "assumption",
        )
    )
    review.extras["attainment"] = att


def _forecast_section(doc: Document, review: Review, owners: Any) -> None:
    """The forecast of the quarter in progress, by the best backtested method, with its range.

    See :func:`salesorg.forecast.pack.forecast_rollup_for_pack`.
    """
    from salesorg.forecast.pack import forecast_rollup_for_pack

    # the review's source: the forecast's cache entry shares its data fingerprint
    source = review.extras["source"]
    fr = forecast_rollup_for_pack(source, as_of=review.as_of, unit_id=review.scope.unit_id)
    sec = doc.section(f"Forecast {fr.period}")
    for block in fr.as_blocks():
        sec.add(block)
    review.extras["forecast"] = fr


def _meter_section(doc: Document, review: Review) -> None:
    scope = review.scope
    members = scope.people if scope.people is not None else set(scope.managers)
    spans: dict[str, int] = {}
    for p in members:
        m = scope.managers.get(p)
        if m is not None:
            spans[m] = spans.get(m, 0) + 1
    ex_by_manager = review.exceptions["manager_id"].value_counts().to_dict()
    rows = []
    for m, span in sorted(spans.items()):
        meter = reporting_meter(span, int(ex_by_manager.get(m, 0)))
        rows.append(
            {
                "manager_id": m,
                "span": span,
                "exceptions": meter["exceptions_per_week"],
                "by_hand_hours_month": meter["by_hand_hours_month"],
                "with_salesorg_hours_month": meter["with_salesorg_hours_month"],
                "saved_hours_month": meter["saved_hours_month"],
            }
        )
    sec = doc.section("Reporting time")
    if not rows:
        sec.add(Paragraph("No managers in this unit."))
        return
    df = pd.DataFrame(rows)
    total_hand = float(df["by_hand_hours_month"].sum())
    total_tool = float(df["with_salesorg_hours_month"].sum())
    sec.add(
        KpiBlock(
            (
                Kpi("Managers", len(df)),
                Kpi("Hours a month by hand", total_hand, "h"),
                Kpi("Hours a month with salesorg", total_tool, "h"),
            )
        )
    )
    sec.add(TableBlock("Reporting time", df, title="Per manager"))
    for a in meter["assumptions"]:
        sec.add(Note(a, "assumption"))
    review.extras["meter"] = {
        "managers": len(df),
        "by_hand_hours_month": round(total_hand, 1),
        "with_salesorg_hours_month": round(total_tool, 1),
        "source": meter["source"],
    }


def review_pack(review: Review, source: Any = None) -> Document:
    """The pack of ``review`` as a :class:`Document`.

    The trend, attainment and forecast sections query ``source`` (default: the source the
    review was computed from, whose point-in-time states are already cached).
    """
    review.extras["source"] = (
        review.source if source is None or review.source is not None else source
    )
    owners = review.scope.people
    scope = review.scope
    title = f"Pipeline review — {scope.name}"
    doc = Document(
        title=title,
        subtitle=f"as of {review.as_of} · since {review.since} · {review.currency}",
        footer=f"salesorg · {scope.name} · as of {review.as_of}",
    )
    _kpi_section(doc, review)
    _bridge_section(doc, review)
    _coverage_section(doc, review)
    _exceptions_section(doc, review)
    _trend_section(doc, review, owners)
    _attainment_section(doc, review, owners)
    _forecast_section(doc, review, owners)
    _meter_section(doc, review)
    all_changes = review.changes.sort_values("materiality", ascending=False)
    sec = doc.section("All changes")
    sec.add(
        TableBlock(
            "Changes",
            all_changes[[*_EXCEPTION_COLS, "stale_threshold", "days_unchanged"]].reset_index(
                drop=True
            ),
            title="Every change since the last review",
            money=("amount_before", "amount_after"),
            max_rows=50,
        )
    )
    settings = doc.section("Settings")
    settings.add(
        TableBlock(
            "Settings",
            pd.DataFrame(
                [{"setting": k, "value": str(v)} for k, v in review.config.as_dict().items()]
            ),
        )
    )
    review.extras.pop("source", None)
    return doc
