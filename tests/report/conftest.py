"""A sample document exercising every block kind, with text that must be escaped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from salesorg.report import Chart, Document, Kpi, KpiBlock, Note, Paragraph, TableBlock
from salesorg.report.charts import bar, histogram, trend, waterfall


def sample_document(n_rows: int = 5) -> Document:
    doc = Document(title="Pipeline review <Team & Co>", subtitle="as of 2026-03-31 · EUR")
    head = doc.section("Headline")
    head.add(
        KpiBlock(
            (
                Kpi(
                    "Open pipeline",
                    Decimal("1234567.89"),
                    "EUR",
                    delta=-1000,
                    delta_label="vs last week",
                ),
                Kpi("Win rate", 0.375, "share", delta=0.05, delta_label="vs last quarter"),
                Kpi("Coverage", 2.5, "x"),
            )
        )
    )
    head.add(Paragraph('Deals said <b>bold</b> & "quoted"'))
    head.add(Note("Only 12 deals; rates are rough.", "warning"))
    charts = doc.section("Charts")
    charts.add(Chart(waterfall([("new", 50), ("won", -30)], start=100, title="Bridge"), "Bridge"))
    charts.add(Chart(histogram([0.5, 0.9, 1.1, 1.3], step=0.25, rule_at=1.0), "Attainment"))
    frame = pd.DataFrame(
        {
            "week": pd.to_datetime(["2026-01-05", "2026-01-12"]),
            "v": [1.0, 2.0],
            "lo": [0.5, 1.5],
            "hi": [1.5, 2.5],
        }
    )
    charts.add(Chart(trend(frame, x="week", y="v", lower="lo", upper="hi"), "Trend"))
    charts.add(
        Chart(bar(pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), x="k", y="v").to_dict(), "Dict")
    )
    table = doc.section("Exceptions")
    table.add(
        TableBlock(
            "Exceptions",
            pd.DataFrame(
                {
                    "opportunity_id": [f"O<{i}>" for i in range(n_rows)],
                    "amount": [Decimal("1000.50") * (i + 1) for i in range(n_rows)],
                    "share": [0.1 * i for i in range(n_rows)],
                    "close_date": [
                        dt.date(2026, 4, 1) + dt.timedelta(days=i) for i in range(n_rows)
                    ],
                    "flags": [["won", "slipped"]] * n_rows,
                }
            ),
            title="Material changes",
            money=("amount",),
            percent=("share",),
            max_rows=3,
        )
    )
    table.add(TableBlock("Exceptions", pd.DataFrame({"x": [1, 2]}), title="Same name twice"))
    return doc


@pytest.fixture
def doc() -> Document:
    return sample_document()


@pytest.fixture
def make_document():
    """The sample document builder, for tests that need more rows."""
    return sample_document
