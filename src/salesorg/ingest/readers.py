"""Reading input files (CSV, Excel ``.xlsx``, Parquet) into DuckDB, with located problems.

A file becomes a :class:`Source`: a SQL ``FROM`` expression over the file whose columns are the
file's own headers (as text for CSV and Excel), plus what the reader learned (delimiter,
decimal comma, problems found while reading). Validation (:mod:`salesorg.ingest.validate`) then
casts and checks every column in one vectorised pass, so a 10-million-row file is never
iterated in Python.

CSV rules (``docs/data-format.md``):

- encoding: UTF-8, with or without a byte-order mark. Anything else is reported with the line of
  the first undecodable byte and a hint to pass ``--encoding`` (e.g. ``cp1252``, ``latin-1``);
  with ``--encoding`` the file is transcoded to UTF-8 first.
- delimiter: ``,`` or ``;``, sniffed from the header line. A ``;`` file is read as a German /
  European export: numbers may use a decimal comma and ``.`` as thousands separator.
- line endings LF or CRLF; fields quoted with ``"``.
- a zero-byte or blank file is an error; a row with too few or too many fields is reported at
  its line, and then only such structural problems are reported for that file (the rows after
  it cannot be trusted to be aligned).

Row numbers are the spreadsheet row: the header is row 1, the first data row row 2.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from salesorg.errors import Problem

__all__ = ["Source", "derived_source", "file_sha256", "load_raw", "open_source", "sniff_delimiter"]

#: Files at most this large are fully checked for UTF-8 in Python before DuckDB reads them;
#: larger files are checked by DuckDB while reading (a bad byte sends the file down the
#: careful path, which reports its line).
_FULL_CHECK_BYTES = 4 * 1024 * 1024
_ENCODING_HINT = (
    "not valid UTF-8 — save the file as UTF-8, or pass --encoding (e.g. --encoding cp1252 "
    "or --encoding latin-1)"
)


@dataclass
class Source:
    """One input file opened for SQL: ``from_sql`` selects its rows, ``columns`` its headers.

    ``has_row``: the rows carry their spreadsheet row number as ``_row`` (otherwise staging
    numbers them in file order from 2, the first line after the header).
    """

    path: Path
    display: str
    from_sql: str
    columns: list[str]
    kind: str  # csv | xlsx | parquet | frame
    decimal_comma: bool = False
    problems: list[Problem] = field(default_factory=list)
    has_row: bool = False
    sha256: str = ""
    temp_files: list[Path] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the import's identity for idempotence)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sniff_delimiter(header: str) -> str:
    """``;`` if the header line has more semicolons than commas (outside quotes), else ``,``."""
    depth = False
    commas = semis = 0
    for ch in header:
        if ch == '"':
            depth = not depth
        elif not depth:
            commas += ch == ","
            semis += ch == ";"
    return ";" if semis > commas else ","


def _first_bad_line(data: bytes, encoding: str) -> int | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    return None


def _open_csv(path: Path, display: str, encoding: str | None) -> Source:
    src = Source(path, display, "", [], "csv")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(min(size, _FULL_CHECK_BYTES))
    read_path = path
    enc = (encoding or "utf-8").lower().replace("_", "-")
    if enc in ("utf-8", "utf8", "utf-8-sig"):
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            src.problems.append(
                Problem(display, None, None, None, "file is UTF-16 — pass --encoding utf-16")
            )
            return src
        # a larger file is checked by DuckDB while reading (reported as INVALID ENCODING)
        bad = _first_bad_line(head, "utf-8") if size <= _FULL_CHECK_BYTES else None
        if bad is not None:
            src.problems.append(Problem(display, bad, None, None, _ENCODING_HINT))
            return src
    else:
        try:
            text = path.read_bytes().decode(enc)
        except LookupError:
            src.problems.append(
                Problem(display, None, None, None, f"unknown encoding {encoding!r}")
            )
            return src
        except UnicodeDecodeError as exc:
            line = path.read_bytes().count(b"\n", 0, exc.start) + 1
            src.problems.append(
                Problem(display, line, None, None, f"not valid {encoding} — check --encoding")
            )
            return src
        tmp = Path(tempfile.mkstemp(suffix=".csv", prefix="salesorg-")[1])
        tmp.write_text(text, encoding="utf-8")
        src.temp_files.append(tmp)
        read_path = tmp
        head = text[:65536].encode("utf-8")
    text_head = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text_head.strip():
        src.problems.append(
            Problem(display, None, None, None, "empty file — expected a header row and data rows")
        )
        return src
    header_line = text_head.splitlines()[0]
    delim = sniff_delimiter(header_line)
    src.decimal_comma = delim == ";"
    src.delimiter = delim
    src.read_path = read_path  # type: ignore[attr-defined]
    src.from_sql = (
        f"read_csv({_q(str(read_path))}, all_varchar=true, header=true, delim={_q(delim)}, "
        "quote='\"', escape='\"', auto_detect=false, store_rejects=true, "
        "rejects_scan='_salesorg_rejects_scan', rejects_table='_salesorg_rejects')"
    )
    # headers: parsed by the csv module from the first line (DuckDB would rename duplicates)
    import csv

    names = next(csv.reader([header_line], delimiter=delim))
    src.columns = [n.strip() for n in names]
    seen: set[str] = set()
    for i, n in enumerate(src.columns):
        if n == "":
            src.problems.append(Problem(display, 1, f"#{i + 1}", None, "column has no header"))
        elif n in seen:
            src.problems.append(Problem(display, 1, n, None, "duplicate column header"))
        seen.add(n)
    # DuckDB needs explicit column names/types when auto_detect is off
    cols = ", ".join(f"{_q(n)}: 'VARCHAR'" for n in src.columns)
    src.from_sql = src.from_sql[:-1] + f", columns={{{cols}}})"
    return src


def csv_structure_problems(con: duckdb.DuckDBPyConnection, src: Source) -> list[Problem]:
    """Rows DuckDB rejected while reading (too few/many fields, bad encoding), as problems."""
    try:
        rows = con.execute(
            "SELECT line, error_type::VARCHAR, csv_line FROM _salesorg_rejects ORDER BY line"
        ).fetchall()
    except duckdb.Error:
        return []
    out = []
    for line, kind, text in rows:
        rule = {
            "MISSING COLUMNS": "truncated row: fewer fields than the header",
            "TOO MANY COLUMNS": "more fields than the header (unquoted delimiter?)",
            "INVALID ENCODING": _ENCODING_HINT,
            "UNQUOTED VALUE": "badly quoted field",
        }.get(kind, f"unreadable row ({kind.lower()})")
        value = None if kind == "INVALID ENCODING" else (text or "").strip()[:80]
        out.append(Problem(src.display, int(line), None, value, rule))
    return out


def _open_xlsx(path: Path, display: str) -> Source:
    import openpyxl
    import pyarrow as pa

    src = Source(path, display, "", [], "xlsx", has_row=True)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        src.problems.append(
            Problem(display, None, None, None, f"not a readable .xlsx file ({exc})")
        )
        return src
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or all(h is None for h in header):
        src.problems.append(
            Problem(display, None, None, None, "empty sheet — expected a header row")
        )
        wb.close()
        return src
    names = [("" if h is None else str(h).strip()) for h in header]
    while names and names[-1] == "":
        names.pop()
    data: dict[str, list[str | None]] = {n: [] for n in names}
    row_nos: list[int] = []
    for i, row in enumerate(rows, start=2):
        cells = list(row[: len(names)])
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        cells += [None] * (len(names) - len(cells))
        for n, v in zip(names, cells, strict=True):
            data[n].append(_cell_text(v))
        row_nos.append(i)
    wb.close()
    frame = pa.table(
        {
            "_row": pa.array(row_nos, pa.int64()),
            **{n: pa.array(v, pa.string()) for n, v in data.items()},
        }
    )
    src.columns = names
    src.frame = frame  # type: ignore[attr-defined]
    return src


def _cell_text(v: object) -> str | None:
    import datetime as dt

    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return (
            v.isoformat(sep=" ")
            if (v.hour, v.minute, v.second) != (0, 0, 0)
            else v.date().isoformat()
        )
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v).strip()
    return s or None


def open_source(
    con: duckdb.DuckDBPyConnection, path: Path, *, encoding: str | None = None, name: str
) -> Source:
    """Open ``path`` (``.csv``, ``.xlsx``, ``.parquet``) for SQL as view-like ``Source``.

    ``name`` is used for a registered in-memory relation (Excel) so it is unique per import.
    """
    display = path.name
    suffix = path.suffix.lower()
    if not path.exists():
        return Source(
            path,
            display,
            "",
            [],
            "missing",
            problems=[Problem(display, None, None, None, "no such file")],
        )
    if path.stat().st_size == 0:
        return Source(
            path,
            display,
            "",
            [],
            suffix.lstrip("."),
            problems=[
                Problem(
                    display, None, None, None, "empty file — expected a header row and data rows"
                )
            ],
        )
    if suffix in (".csv", ".txt", ".tsv"):
        src = _open_csv(path, display, encoding)
    elif suffix == ".xlsx":
        src = _open_xlsx(path, display)
        if not src.problems:
            con.register(name, src.frame)  # type: ignore[attr-defined]
            src.from_sql = name
    elif suffix == ".parquet":
        src = Source(path, display, f"read_parquet({_q(str(path))})", [], "parquet")
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {src.from_sql}").fetchall()
            src.columns = [r[0] for r in described]
            src.types = {r[0]: r[1] for r in described}
        except duckdb.Error as exc:
            src.problems.append(
                Problem(display, None, None, None, f"not a readable Parquet file ({exc})")
            )
    else:
        return Source(
            path,
            display,
            "",
            [],
            suffix,
            problems=[
                Problem(
                    display, None, None, None, "unsupported file type — use .csv, .xlsx or .parquet"
                )
            ],
        )

    return src


def load_raw(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, *, encoding: str | None = None
) -> Source:
    """Read a (small) export file into temp table ``name`` as text with ``_row`` and ``_file``.

    Presets that reshape an export (``maven-crm``, ``salesforce``, ...) read each file with this
    and build native tables with SQL that carries ``_row``/``_file`` along, so a problem in a
    derived row still points at the line of the export it came from.
    """
    src = open_source(con, path, encoding=encoding, name=f"{name}_src")
    if src.problems:
        return src
    text = src.kind in ("csv", "xlsx")
    idents = ['"' + c.replace('"', '""') + '"' for c in src.columns]
    cols = ", ".join((i if text else f"CAST({i} AS VARCHAR) AS {i}") for i in idents)
    row = "_row" if src.has_row else "NULL::BIGINT AS _row"
    con.execute(f"DROP TABLE IF EXISTS {name}_tmp")
    clear_rejects(con)
    try:
        con.execute(f"CREATE TEMP TABLE {name}_tmp AS SELECT {row}, {cols} FROM {src.from_sql}")
    except duckdb.Error as exc:
        src.problems.append(
            Problem(src.display, None, None, None, f"cannot read file — {str(exc).splitlines()[0]}")
        )
        return src
    if src.kind == "csv":
        structural = csv_structure_problems(con, src)
        if structural:
            src.problems += structural
            return src
    con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT coalesce(_row, rowid + 2) AS _row, "
        f"{_q(src.display)} AS _file, * EXCLUDE (_row) FROM {name}_tmp"
    )
    con.execute(f"DROP TABLE {name}_tmp")
    return Source(
        path,
        src.display,
        name,
        [*src.columns, "_file"],
        "frame",
        has_row=True,
        sha256=src.sha256,
        temp_files=src.temp_files,
    )


def derived_source(con: duckdb.DuckDBPyConnection, name: str, sql: str, display: str) -> Source:
    """A temp table ``name`` built by ``sql`` (with ``_row``/``_file``) as a :class:`Source`."""
    con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
    columns = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
    return Source(
        Path(display), display, name, [c for c in columns if c != "_row"], "frame", has_row=True
    )


def drop_temps(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Drop the temp tables a preset created (after the import, whatever its outcome)."""
    for n in names:
        if n.isidentifier():
            con.execute(f"DROP TABLE IF EXISTS {n}")


def typed_csv_sql(src: Source, types: dict[str, str]) -> str:
    """``read_csv`` of a CSV source with DuckDB parsing each header as the given type.

    The fast path for clean files: values are parsed once, as DuckDB's own ``read_csv`` would,
    and any value that does not parse, or a row of the wrong width, fails the read (then the
    careful text path runs and locates every problem). No ``store_rejects``: a scan that keeps
    its rejects runs on one thread (4.2 s instead of 2.7 s on the benchmark's history).
    """
    cols = ", ".join(f"{_q(n)}: {_q(types.get(n, 'VARCHAR'))}" for n in src.columns)
    path = getattr(src, "read_path", src.path)
    return (
        f"read_csv({_q(str(path))}, header=true, delim={_q(src.delimiter)}, quote='\"', "
        "escape='\"', auto_detect=false, "
        f"dateformat='%Y-%m-%d', columns={{{cols}}})"
    )


def clear_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Forget rows rejected by an earlier ``read_csv`` (DuckDB keeps them across scans)."""
    con.execute("DROP TABLE IF EXISTS _salesorg_rejects")
    con.execute("DROP TABLE IF EXISTS _salesorg_rejects_scan")
