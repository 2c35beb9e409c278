from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from salesorg.report import Document, write
from salesorg.report.xlsx import sheet_names


def test_workbook_has_summary_then_one_sheet_per_table(doc: Document, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write(doc, tmp_path / "pack.xlsx"))
    assert wb.sheetnames == ["Summary", "Exceptions", "Exceptions (2)"]


def test_table_sheets_freeze_the_header_and_filter(doc: Document, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write(doc, tmp_path / "pack.xlsx"))
    ws = wb["Exceptions"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E6"
    assert [c.value for c in ws[1]] == ["opportunity_id", "amount", "share", "close_date", "flags"]


def test_table_sheets_keep_every_row_as_numbers_with_formats(doc: Document, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(doc, tmp_path / "pack.xlsx"))["Exceptions"]
    amounts = [ws.cell(r, 2).value for r in range(2, 7)]
    assert amounts == [1000.5, 2001.0, 3001.5, 4002.0, 5002.5]  # max_rows only limits HTML
    assert ws.cell(2, 2).number_format == "#,##0.00"
    assert ws.cell(3, 3).number_format == "0.0%"
    assert ws.cell(3, 3).value == 0.1
    assert ws.cell(2, 4).value == dt.datetime(2026, 4, 1)
    assert ws.cell(2, 5).value == "won, slipped"
    assert ws.column_dimensions["A"].width >= len("opportunity_id")


def test_summary_sheet_lists_the_kpis(doc: Document, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(doc, tmp_path / "pack.xlsx"))["Summary"]
    assert ws["A1"].value == "Pipeline review <Team & Co>"
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, max_row=7, values_only=True)}
    assert rows["Open pipeline"][2] == 1234567.89
    assert rows["Open pipeline"][4] == -1000
    assert rows["Win rate"][2] == 0.375 and rows["Win rate"][3] == "%"
    assert ws.freeze_panes == "A5"


def test_sheet_names_are_excel_safe_and_unique() -> None:
    import pandas as pd

    from salesorg.report import TableBlock

    d = Document(title="t")
    s = d.section("s")
    for name in ["a/b:c", "x" * 40, "x" * 40, "Summary"]:
        s.add(TableBlock(name, pd.DataFrame({"v": [1]})))
    names = sheet_names(d)
    assert names[0] == "a-b-c"
    assert len(set(n.lower() for n in names)) == 4
    assert all(len(n) <= 31 for n in names)
    assert "summary" not in [n.lower() for n in names]
