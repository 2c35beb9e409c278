"""A :class:`~salesorg.report.document.Document` as an Excel workbook (xlsxwriter).

Sheet 1 is ``Summary``: the title, subtitle and every KPI (label, value, unit, change and what
the change is against), then the notes. Each :class:`~salesorg.report.document.TableBlock`
becomes one sheet named after ``block.name`` (made unique and Excel-safe, at most 31
characters) with the full table (``max_rows`` only limits the HTML), a bold frozen header row,
an autofilter, column widths fitted to the content, ``#,##0.00`` on money columns and ``0.0%``
on percent columns. Numbers stay numbers so the workbook can be summed and pivoted.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from pathlib import Path
from typing import Any

from salesorg.report._format import is_missing
from salesorg.report.document import Document, KpiBlock, Note, TableBlock

__all__ = ["sheet_names", "write_xlsx"]

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_names(doc: Document) -> list[str]:
    """The sheet name of each table of ``doc`` (after ``Summary``), unique and ≤ 31 characters."""
    used = {"summary"}
    names = []
    for block in doc.tables():
        base = _BAD.sub("-", block.name or "Table").strip("'") or "Table"
        base = base[:31]
        name, i = base, 2
        while name.lower() in used:
            suffix = f" ({i})"
            name = base[: 31 - len(suffix)] + suffix
            i += 1
        used.add(name.lower())
        names.append(name)
    return names


def _plain(value: Any) -> Any:
    """A cell value xlsxwriter can write: numbers, text, dates; missing → None."""
    if is_missing(value):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bool):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def _kpi_number(value: Any) -> Any:
    v = _plain(value)
    return v if isinstance(v, (int, float, str)) or v is None else str(v)


def write_xlsx(doc: Document, path: str | Path) -> Path:
    """Write ``doc`` as an ``.xlsx`` workbook at ``path`` (see the module docstring)."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "remove_timezone": True})
    try:
        bold = wb.add_format({"bold": True, "bg_color": "#F0F2F6", "bottom": 1})
        title = wb.add_format({"bold": True, "font_size": 14})
        money = wb.add_format({"num_format": "#,##0.00"})
        percent = wb.add_format({"num_format": "0.0%"})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})

        summary = wb.add_worksheet("Summary")
        summary.write(0, 0, doc.title, title)
        summary.write(1, 0, doc.subtitle)
        row = 3
        header = ["Section", "KPI", "Value", "Unit", "Change", "Change vs", "Note"]
        summary.write_row(row, 0, header, bold)
        summary.freeze_panes(row + 1, 0)
        first = row
        row += 1
        notes: list[tuple[str, str, str]] = []
        for section in doc.sections:
            for block in section.blocks:
                if isinstance(block, KpiBlock):
                    for k in block.kpis:
                        is_share = k.unit in ("share", "%")
                        fmt = percent if is_share else money if len(k.unit) == 3 else None
                        summary.write(row, 0, section.title)
                        summary.write(row, 1, k.label)
                        summary.write(row, 2, _kpi_number(k.value), fmt)
                        summary.write(row, 3, "%" if is_share else k.unit)
                        summary.write(row, 4, _kpi_number(k.delta), fmt)
                        summary.write(row, 5, k.delta_label)
                        summary.write(row, 6, k.note)
                        row += 1
                elif isinstance(block, Note):
                    notes.append((section.title, block.kind, block.text))
        if row > first + 1:
            summary.autofilter(first, 0, row - 1, len(header) - 1)
        for i, width in enumerate((22, 34, 16, 8, 16, 22, 40)):
            summary.set_column(i, i, width)
        if notes:
            row += 1
            summary.write_row(row, 0, ["Section", "Note", "Text"], bold)
            for sec, kind, text in notes:
                row += 1
                summary.write_row(row, 0, [sec, kind, text])
        tables = doc.tables()
        if tables:
            row += 2
            summary.write(row, 0, "Tables", bold)
            for block, name in zip(tables, sheet_names(doc), strict=True):
                row += 1
                summary.write_url(row, 0, f"internal:'{name}'!A1", string=name)
                summary.write(row, 1, block.title or block.name)

        for block, name in zip(tables, sheet_names(doc), strict=True):
            _write_table(wb, name, block, bold, money, percent, date, stamp)
    finally:
        wb.close()
    return path


def _write_table(
    wb: Any,
    name: str,
    block: TableBlock,
    bold: Any,
    money: Any,
    percent: Any,
    date: Any,
    stamp: Any,
) -> None:
    ws = wb.add_worksheet(name)
    frame = block.frame
    columns = [str(c) for c in frame.columns]
    ws.write_row(0, 0, columns, bold)
    widths = [min(max(len(c) + 2, 8), 60) for c in columns]
    formats = [
        money if c in block.money else percent if c in block.percent else None
        for c in frame.columns
    ]
    for r, rec in enumerate(frame.itertuples(index=False, name=None), start=1):
        for c, value in enumerate(rec):
            v = _plain(value)
            fmt = formats[c]
            if v is None:
                ws.write_blank(r, c, None, fmt)
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, stamp)
                text_len = 16
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date)
                text_len = 10
            else:
                ws.write(r, c, v, fmt)
                text_len = len(f"{v:,.2f}") if isinstance(v, float) else len(str(v))
            if r <= 500 and text_len + 2 > widths[c]:
                widths[c] = min(text_len + 2, 60)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))
