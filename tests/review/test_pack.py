from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest

from salesorg.report import write
from salesorg.report.html import render_html
from salesorg.review import review_pack, run_review
from salesorg.store import Store


@pytest.fixture
def review_and_doc(tiny: Store):
    review = run_review(tiny, "2026-03-31", "2026-03-17")
    return review, review_pack(review, tiny)


def test_pack_html_has_every_section_and_inline_charts(review_and_doc) -> None:
    _, doc = review_and_doc
    html = render_html(doc)
    for title in (
        "Headline",
        "Pipeline bridge",
        "Coverage",
        "Exceptions",
        "Conversion and win rate",
        "Cycle time",
        "Attainment",
        "Forecast roll-up 2026Q1",
        "Reporting time",
        "All changes",
    ):
        assert f">{title}</h2>" in html
    assert html.count("<svg") >= 4
    assert "O4" in html and "won, amount_up" in html


def test_pack_pdf_pages_render_and_carry_the_title(review_and_doc, tmp_path: Path) -> None:
    _, doc = review_and_doc
    pdf = write(doc, tmp_path / "pack.pdf")
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 3
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Pipeline review — Company" in text
    assert f"Page {len(pages)} of {len(pages)}" in text


def test_pack_xlsx_totals_equal_the_json(review_and_doc, tmp_path: Path) -> None:
    review, doc = review_and_doc
    data = review.to_json()
    wb = openpyxl.load_workbook(write(doc, tmp_path / "pack.xlsx"))
    bridge = {r[0]: r[1] for r in wb["Bridge"].iter_rows(min_row=2, values_only=True)}
    assert bridge == pytest.approx(data["bridge"])
    ws = wb["Changes"]
    header = [c.value for c in ws[1]]
    col = header.index("amount_after")
    total = sum(r[col] or 0 for r in ws.iter_rows(min_row=2, values_only=True))
    assert total == pytest.approx(sum(c["amount_after"] or 0 for c in data["changes"]))
    assert ws.max_row - 1 == len(data["changes"])
    ex = wb["Exceptions"]
    assert ex.max_row - 1 == len(data["exceptions"]) and ex.freeze_panes == "A2"


def test_team_pack_counts_only_the_team(tiny: Store) -> None:
    review = run_review(tiny, "2026-03-31", "2026-03-24", unit_id="T1")
    assert [c["opportunity_id"] for c in review.to_json()["changes"]] == ["O5"]
    html = render_html(review_pack(review, tiny))
    assert "Pipeline review — Team 1" in html
