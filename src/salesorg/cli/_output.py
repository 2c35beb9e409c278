"""Formatting command results as a Rich table, stable JSON or CSV.

JSON is the scripting contract: keys are documented per command in ``docs/``; dates are ISO
strings, money is a number in the reporting currency (exact decimals are rounded to the cent
only here, at the edge), missing values are ``null``.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import enum
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import typer

__all__ = ["DbOption", "Format", "FormatOption", "emit", "jsonable", "records"]


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = typer.Option(Format.table, "--format", "-f", help="table (default), json or csv")
DbOption = typer.Option(
    None, "--db", help="database path or URL (default ./salesorg.duckdb or $SALESORG_DB)"
)


def jsonable(value: Any) -> Any:
    """Turn a value from a result table into plain JSON (dates ISO, decimals as numbers, NaN null)."""
    if value is None:
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return value


def records(data: Any) -> list[dict[str, Any]]:
    """Rows as a list of dicts from a DataFrame, a list of dicts or a list of dataclasses."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        return [dict(r) for r in data.to_dict(orient="records")]
    out = []
    for row in data:
        if hasattr(row, "__dataclass_fields__"):
            import dataclasses

            out.append(dataclasses.asdict(row))
        else:
            out.append(dict(row))
    return out


def _cell(value: Any) -> str:
    v = jsonable(value)
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) >= 100 else f"{v:.4g}"
    return str(v)


def emit(
    data: Any,
    fmt: Format | str = Format.table,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Print ``data`` (rows, or one object for JSON) in the chosen format to stdout."""
    fmt = Format(fmt)
    if fmt is Format.json:
        payload = jsonable(data if isinstance(data, Mapping) else records(data))
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    rows = records(data) if not isinstance(data, Mapping) else [dict(data)]
    cols = list(columns) if columns else _columns(rows)
    if fmt is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if jsonable(r.get(c)) is None else jsonable(r.get(c)) for c in cols])
        return
    from rich.console import Console
    from rich.table import Table

    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(cols)]
    table = Table(title=title, show_lines=False)
    for i, c in enumerate(cols):
        numeric = all(_is_number(r.get(c)) for r in rows) and rows
        table.add_column(
            c,
            justify="right" if numeric else "left",
            no_wrap=bool(numeric),
            min_width=min(widths[i], 40) if numeric else None,
        )
    for row in cells:
        table.add_row(*row)
    Console(width=max(80, sum(min(w, 40) + 3 for w in widths) + 1)).print(table)


def _is_number(value: Any) -> bool:
    v = jsonable(value)
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols
