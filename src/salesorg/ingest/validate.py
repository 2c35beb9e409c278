"""Validation: cast every incoming column to the model's type and check every rule, in SQL.

Each native table's incoming rows (:class:`Staged`) are cast in one pass into a staged table
``_in_<table>`` (held in Arrow, with each row's line number ``_row``) that keeps, next to each
typed column, the raw text of any value that did not parse (``<col>__bad``). Then one
aggregate query per table counts every rule's violations and only rules that fired are
fetched in detail, so a clean 10-million-row file costs a few scans.
All problems are collected (capped per rule, with a count of the rest), never only the first.

Rules (see ``docs/data-format.md``): missing required column; unknown column (``--strict``);
unparseable number/date/timestamp/boolean; empty required value; value below the minimum
(negative amounts); value outside a fixed list; duplicate natural key (duplicate IDs, duplicate
history timestamps); reference to an unknown person, unit, account or opportunity; unknown stage
of the opportunity's pipeline; impossible dates (a change or close date before the opportunity
was created, ranges that end before they start).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from salesorg.errors import Problem
from salesorg.ingest.arrow_stage import next_row, trim_blank
from salesorg.ingest.readers import Source, clear_rejects, csv_structure_problems, typed_csv_sql
from salesorg.model import TABLES, Table

__all__ = [
    "DETAIL_CAP",
    "NEXT_AT",
    "Staged",
    "check_all",
    "drop_staged",
    "history_insert_sql",
    "rule_problems",
]

#: At most this many problems are listed per rule and table; the rest are counted.
DETAIL_CAP = 200

_NUMERIC = ("DECIMAL", "DOUBLE", "INTEGER", "BIGINT")
_WHAT = {
    "DATE": "not a valid date (use YYYY-MM-DD)",
    "TIMESTAMP": "not a valid timestamp (use YYYY-MM-DD HH:MM:SS or ISO 8601)",
    "BOOLEAN": "not a boolean (use true/false)",
    "INTEGER": "not a whole number",
    "BIGINT": "not a whole number",
    "DOUBLE": "not a number",
}


@dataclass
class Staged:
    """Incoming rows of one native table: where they come from and how columns map.

    ``columns`` maps native column → SQL expression over the source (usually a quoted header);
    ``labels`` maps native column → the name to show in problems (the file's header).
    """

    table: str
    source: Source
    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    #: columns whose raw text of unparseable values is kept as ``<col>__bad``
    bad: set[str] = field(default_factory=set)
    #: set by validation: True if the natural key strictly ascends in file order
    keys_ascend: bool = False
    #: the staged rows, held in Arrow (the staged table ``name`` is a view over them)
    arrow: pa.Table | None = None
    #: the staged rows outgrew memory: the folder of the file ``name`` is a view over (:func:`_stage`)
    spill_dir: Path | None = None
    #: set by validation: the value rules are left to the insert (:func:`check_table`)
    rules_deferred: bool = False
    #: text columns staged as read, trimmed and blanks made NULL in Arrow (:func:`_stage`)
    trim_later: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"_in_{self.table}"


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _cast_sql(
    raw: str, type_: str, *, text_source: bool, decimal_comma: bool
) -> tuple[str, str | None]:
    """(typed expression, normalised text expression for error reporting or None)."""
    if type_ == "VARCHAR":
        return (f"nullif(trim({raw}), '')" if text_source else raw), None
    if not text_source:
        return f"TRY_CAST({raw} AS {type_})", f"CAST({raw} AS VARCHAR)"
    norm = f"nullif(trim({raw}), '')"
    if decimal_comma and type_.startswith(_NUMERIC):
        norm = f"replace(replace({norm}, '.', ''), ',', '.')"
    if type_ == "BOOLEAN":
        norm = (
            f"CASE lower({norm}) WHEN 'yes' THEN 'true' WHEN 'no' THEN 'false' "
            f"WHEN 'y' THEN 'true' WHEN 'n' THEN 'false' ELSE lower({norm}) END"
        )
    return f"TRY_CAST({norm} AS {type_})", norm


def _selects(st: Staged, *, text: bool, typed_source: bool = False) -> tuple[list[str], set[str]]:
    """SELECT items casting the source to the model's types, plus ``__bad`` raw-text columns."""
    table = TABLES[st.table]
    src = st.source
    selects = []
    bad: set[str] = set()
    st.trim_later = set()
    if src.has_row:
        selects.append("_row")
    if "_file" in src.columns:
        selects.append("_file")
    for c in table.file_columns:
        raw = st.columns.get(c.name)
        if raw is None:
            default = (
                f"CAST({_q(c.default)} AS {c.type})"
                if c.default is not None
                else f"CAST(NULL AS {c.type})"
            )
            selects.append(f"{default} AS {_ident(c.name)}")
            continue
        header = raw.strip('"').replace('""', '"')
        same_type = (typed_source and raw.startswith('"')) or src.types.get(header) == c.type
        if c.name in st.recode:
            cases = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in st.recode[c.name].items())
            raw = f"CASE trim({raw}) {cases} ELSE {raw} END"
        if same_type:
            typed, norm = (f"nullif(trim({raw}), '')" if c.type == "VARCHAR" else raw), None
            if c.type == "VARCHAR":
                typed = raw  # trimmed in Arrow (_stage)
                st.trim_later.add(c.name)
        else:
            typed, norm = _cast_sql(raw, c.type, text_source=text, decimal_comma=src.decimal_comma)
        if c.default is not None:
            typed = f"coalesce({typed}, {_q(c.default)})"
        selects.append(f"{typed} AS {_ident(c.name)}")
        if norm is not None:
            bad.add(c.name)
            selects.append(
                f"CASE WHEN {norm} IS NOT NULL AND {typed} IS NULL THEN {norm} END "
                f"AS {_ident(c.name + '__bad')}"
            )
    return selects, bad


#: Columns of ``_in_opportunity_history``, from the next row in file order: ``_next_at`` is
#: its ``changed_at`` if it is the same opportunity's, else open (the row's ``valid_to`` if the
#: file is sorted by opportunity and time, :func:`salesorg.ingest.load._first_history_load`);
#: ``_key_up`` says whether its key sorts after this row's (:func:`keys_ascend`). Both come
#: from :func:`salesorg.ingest.arrow_stage.next_row`.
NEXT_AT = "_next_at"
KEY_UP = "_key_up"


def _staging_sql(selects: list[str], from_sql: str) -> str:
    """``SELECT`` of the staged table: ``selects`` over the source, in file order."""
    return f"SELECT {', '.join(selects)} FROM {from_sql}"


#: Staged rows are held in memory, in Arrow, up to this many bytes (a quarter of the machine's
#: memory, at least 1 GiB; the benchmark's 10-million-row history takes about 1 GB); the rows
#: of a larger file go batch by batch to a Parquet file on disk (:func:`_stage_spilling`).
STAGE_MEMORY_BYTES = max(1 << 30, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4)
#: What a failed read raises: DuckDB's error, or the same error re-raised by pyarrow (as
#: ``OSError``) when the rows stream from DuckDB as Arrow batches.
READ_ERRORS = (duckdb.Error, pa.ArrowException, OSError)
#: Rows per Arrow batch read from DuckDB (a hint; DuckDB may send smaller ones).
_BATCH_ROWS = 1 << 20


def _stage(con: duckdb.DuckDBPyConnection, st: Staged, sql: str) -> None:
    """Create the staged table ``_in_<table>`` from ``sql`` (its rows in file order).

    DuckDB reads and casts the file on every core into Arrow (``preserve_insertion_order``
    keeps the file's order), and the Arrow table itself is the staged table (a view, numbered
    by ``_row`` as the file's lines are). Text columns read as text are trimmed there
    (:func:`~salesorg.ingest.arrow_stage.trim_blank`, which copies a column only if some value
    needs it; SQL's ``trim`` copied every string: 1.1 CPU s on the benchmark's history).

    The history's rows are also compared with their next row (:data:`NEXT_AT`,
    :data:`KEY_UP`, :func:`~salesorg.ingest.arrow_stage.next_row`). As ``lead() OVER ()`` in
    SQL this made the whole read single-threaded: 6.1 of the 12.7 s the benchmark's CSV import
    took (issue #3).

    A file whose rows outgrow :data:`STAGE_MEMORY_BYTES` is staged the same way batch by
    batch into a file on disk instead (:func:`_stage_spilling`).
    """
    drop_staged(con, st)
    reader = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
    held: list[pa.RecordBatch] = []
    size = 0
    try:
        for batch in reader:
            held.append(batch)
            size += batch.nbytes
            if size > STAGE_MEMORY_BYTES:
                _stage_spilling(con, st, itertools.chain(held, reader), reader.schema)
                return
    finally:
        reader.close()
    rows = _prepared(pa.Table.from_batches(held, reader.schema), st, 2, None)
    st.arrow = rows
    con.register(st.name, rows)


def _prepared(rows: pa.Table, st: Staged, first_row: int, following: pa.Table | None) -> pa.Table:
    """``rows`` as read, made staged rows: the text columns of ``st.trim_later`` trimmed and
    blanks NULL, ``_row`` numbered from ``first_row`` unless the source numbers its rows, and
    for the history :data:`NEXT_AT` and :data:`KEY_UP`, where ``following`` holds the rows
    after these in the file (as read; None: these are the last).

    Two threads (Arrow and numpy release the GIL): the history's opportunity IDs are trimmed
    and compared with the next row's while the other text columns are trimmed.
    """
    history = st.table == "opportunity_history"
    later = sorted(st.trim_later - {"opportunity_id"}) if history else sorted(st.trim_later)

    def ids_and_next() -> tuple[pa.ChunkedArray, np.ndarray, np.ndarray]:
        ids, at = rows["opportunity_id"], rows["changed_at"]
        more_ids = None if following is None else following["opportunity_id"][:1]
        if "opportunity_id" in st.trim_later:
            ids = trim_blank(ids)
            more_ids = None if more_ids is None else trim_blank(more_ids)
        if following is not None and more_ids is not None:  # the last row's next row
            nxt = next_row(
                pa.chunked_array(ids.chunks + more_ids.chunks, ids.type),
                pa.chunked_array(at.chunks + following["changed_at"][:1].chunks, at.type),
            )
        else:
            nxt = next_row(ids, at)
        n = rows.num_rows
        return ids, nxt.next_at[:n], nxt.key_up[:n]

    with ThreadPoolExecutor(max_workers=2) as pool:
        chain = pool.submit(ids_and_next) if history else None
        done = {n: pool.submit(trim_blank, rows[n]) for n in later}
        columns = {n: f.result() for n, f in done.items()}
        if chain is not None:
            columns["opportunity_id"], next_at, key_up = chain.result()
    for name, column in columns.items():
        rows = rows.set_column(rows.schema.get_field_index(name), name, column)
    if chain is not None:
        rows = rows.append_column(
            NEXT_AT, pa.array(next_at, type=pa.timestamp("us"), from_pandas=True)
        ).append_column(KEY_UP, pa.array(key_up))
    if not st.source.has_row:
        rows = rows.append_column(
            "_row", pa.array(np.arange(first_row, first_row + rows.num_rows, dtype=np.int64))
        )
    return rows


def _stage_spilling(
    con: duckdb.DuckDBPyConnection,
    st: Staged,
    batches: Iterator[pa.RecordBatch],
    schema: pa.Schema,
) -> None:
    """Stage ``batches`` through a Parquet file on disk, one batch at a time (each batch is
    numbered once the next one is read: the history's last row of a batch needs the next
    row), and make the staged table a view over that file.

    The file, not a DuckDB table: the batches stream from the same connection, which can run
    no other statement until they are all read.
    """
    folder = Path(tempfile.mkdtemp(prefix="salesorg-staging-"))
    st.spill_dir = folder
    path = folder / f"{st.name}.parquet"
    writer: pq.ParquetWriter | None = None
    first_row = 2

    def write(rows: pa.Table) -> None:
        nonlocal writer
        if writer is None:
            writer = pq.ParquetWriter(path, rows.schema, compression="lz4")
        writer.write_table(rows)

    pending: pa.Table | None = None
    try:
        for batch in batches:
            if not batch.num_rows:
                continue
            current = pa.Table.from_batches([batch])
            if pending is not None:
                write(_prepared(pending, st, first_row, current))
                first_row += pending.num_rows
            pending = current
        if pending is None:  # no rows: the file still needs the staged table's columns
            pending = schema.empty_table()
        write(_prepared(pending, st, first_row, None))
    finally:
        if writer is not None:
            writer.close()
    con.execute(f"CREATE TEMP VIEW {st.name} AS SELECT * FROM read_parquet({_q(str(path))})")


def drop_staged(con: duckdb.DuckDBPyConnection, st: Staged) -> None:
    """Drop the staged table (the view over its Arrow rows, or over its spilled file)."""
    if st.arrow is not None:
        con.unregister(st.name)
        st.arrow = None
    if st.spill_dir is not None:
        con.execute(f"DROP VIEW IF EXISTS {st.name}")
        shutil.rmtree(st.spill_dir, ignore_errors=True)
        st.spill_dir = None


def _materialise_typed_csv(con: duckdb.DuckDBPyConnection, st: Staged) -> bool:
    """Fast path: let DuckDB parse the CSV as typed columns; False if any row was rejected.

    On a clean file this costs what DuckDB's own ``read_csv`` costs. Any row DuckDB rejects
    (a value that does not parse, a broken row) makes the read fail and sends the file down
    the careful text path, which locates every problem.
    """
    table = TABLES[st.table]
    src = st.source
    types = {}
    for c in table.file_columns:
        raw = st.columns.get(c.name)
        if raw is not None and raw.startswith('"'):
            types[raw.strip('"').replace('""', '"')] = c.type
    selects, bad = _selects(st, text=False, typed_source=True)
    try:
        _stage(con, st, _staging_sql(selects, typed_csv_sql(src, types)))
    except READ_ERRORS:
        drop_staged(con, st)
        return False
    st.bad = bad
    return True


def materialise(con: duckdb.DuckDBPyConnection, st: Staged) -> tuple[list[Problem], bool]:
    """Create ``_in_<table>`` from the source in one pass; return (problems, readable)."""
    table = TABLES[st.table]
    src = st.source
    text = src.kind in ("csv", "xlsx") or src.kind == "frame"
    problems: list[Problem] = []
    for c in table.file_columns:
        if c.name not in st.columns and c.required and c.default is None:
            problems.append(
                Problem(
                    src.display, 1, st.labels.get(c.name, c.name), None, "missing required column"
                )
            )
    fast = src.kind == "csv" and not src.decimal_comma and not st.recode
    if fast and _materialise_typed_csv(con, st):
        return problems, True
    selects, st.bad = _selects(st, text=text)
    clear_rejects(con)
    try:
        _stage(con, st, _staging_sql(selects, src.from_sql))
    except READ_ERRORS as exc:
        msg = str(exc).splitlines()[0]
        problems.append(Problem(src.display, None, None, None, f"cannot read file — {msg}"))
        return problems, False
    if src.kind == "csv":
        structural = csv_structure_problems(con, src)
        if structural:
            # rows after a broken one may be misaligned: report only the structure
            return structural, False
    return problems, True


@dataclass
class _Rule:
    column: str | None
    rule: str
    cond: str
    value: str


def _rules(
    st: Staged, present: set[str], settled: frozenset[str] = frozenset()
) -> tuple[list[str], list[_Rule]]:
    """(joins, rules) for one staged table; ``present`` are the tables being imported,
    ``settled`` those of them already written to the store (see :func:`_known`)."""
    table: Table = TABLES[st.table]
    joins: list[str] = []
    rules: list[_Rule] = []
    for c in table.file_columns:
        col = f"t.{_ident(c.name)}"
        label = st.labels.get(c.name, c.name)
        if c.name in st.bad:
            bad = f"t.{_ident(c.name + '__bad')}"
            what = (
                "not a number"
                if c.type.startswith("DECIMAL")
                else _WHAT.get(c.type, f"not a {c.type}")
            )
            rules.append(_Rule(label, what, f"{bad} IS NOT NULL", bad))
        if c.required and c.name in st.columns:
            bad_null = f" AND t.{_ident(c.name + '__bad')} IS NULL" if c.name in st.bad else ""
            rules.append(_Rule(label, "required value is empty", f"{col} IS NULL{bad_null}", "''"))
        if c.minimum is not None and c.name in st.columns:
            rules.append(
                _Rule(label, f"must not be below {c.minimum:g}", f"{col} < {c.minimum}", col)
            )
        if c.choices is not None and c.name in st.columns:
            opts = ", ".join(_q(x) for x in c.choices)
            rules.append(
                _Rule(label, f"not one of {', '.join(c.choices)}", f"{col} NOT IN ({opts})", col)
            )
        own_opp = st.table == "opportunity_history" and c.name == "opportunity_id"
        if c.references and c.name in st.columns and not own_opp:
            ref_table, ref_col = c.references.split(".")
            alias = f"r_{c.name}"
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT {_ident(ref_col)} AS k FROM {_known(ref_table, present, settled)}) "
                f"{alias} ON {col} = {alias}.k"
            )
            rules.append(
                _Rule(
                    label,
                    f"unknown {ref_table}.{ref_col} — import it first or fix the ID",
                    f"{col} IS NOT NULL AND {alias}.k IS NULL",
                    col,
                )
            )
    for holder in ("holder_id",):
        if holder in table.names and holder in st.columns:
            joins.append(
                "LEFT JOIN (SELECT person_id AS k FROM "
                + _known("people", present, settled)
                + " UNION SELECT unit_id FROM "
                + _known("units", present, settled)
                + ") r_holder ON t.holder_id = r_holder.k"
            )
            rules.append(
                _Rule(
                    st.labels.get(holder, holder),
                    "unknown person_id or unit_id",
                    "t.holder_id IS NOT NULL AND r_holder.k IS NULL",
                    "t.holder_id",
                )
            )
    lab = st.labels.get
    if st.table == "opportunity_history":
        joins.append(
            # currency and owner_id: the header copies of a checked insert (history_insert_sql)
            "LEFT JOIN (SELECT opportunity_id AS k, created_on, pipeline, currency, owner_id "
            f"FROM {_known('opportunities', present, settled)}) o ON t.opportunity_id = o.k"
        )
        joins.append(
            f"LEFT JOIN {_known('stages', present, settled)} s "
            "ON s.pipeline = o.pipeline AND s.stage = t.stage"
        )
        rules.append(
            _Rule(
                lab("opportunity_id", "opportunity_id"),
                "unknown opportunities.opportunity_id — history for an opportunity not in opportunities",
                "t.opportunity_id IS NOT NULL AND o.k IS NULL",
                "t.opportunity_id",
            )
        )
        rules.append(
            _Rule(
                lab("stage", "stage"),
                "unknown stage for the opportunity's pipeline — add it to stages",
                "o.k IS NOT NULL AND t.stage IS NOT NULL AND s.stage IS NULL",
                "t.stage",
            )
        )
        rules.append(
            _Rule(
                lab("changed_at", "changed_at"),
                "change dated before the opportunity was created (out of order)",
                "CAST(t.changed_at AS DATE) < o.created_on",
                "CAST(t.changed_at AS VARCHAR)",
            )
        )
        rules.append(
            _Rule(
                lab("close_date", "close_date"),
                "close date before the opportunity was created",
                "t.close_date < o.created_on",
                "CAST(t.close_date AS VARCHAR)",
            )
        )
    spans = {
        "assignments": ("valid_from", "valid_to", "valid_to must be after valid_from"),
        "quotas": ("period_start", "period_end", "period_end must not be before period_start"),
        "people": ("hired_on", "left_on", "left_on must not be before hired_on"),
    }
    if st.table in spans:
        a, b, msg = spans[st.table]
        op = "<=" if st.table == "assignments" else "<"
        rules.append(_Rule(lab(b, b), msg, f"t.{b} {op} t.{a}", f"CAST(t.{b} AS VARCHAR)"))
    if st.table == "fx_rates":
        rules.append(_Rule(lab("rate", "rate"), "rate must be above 0", "t.rate <= 0", "t.rate"))
    return joins, rules


def _known(table: str, present: set[str], settled: frozenset[str] = frozenset()) -> str:
    """SQL of the rows of ``table`` after the import: incoming rows win over stored ones.

    A ``settled`` table is already written (the import's transaction has upserted it): its
    stored rows are the rows after the import.
    """
    t = TABLES[table]
    cols = ", ".join(_ident(c.name) for c in t.file_columns)
    if table not in present or table in settled:
        return f"(SELECT {cols} FROM main.{_ident(table)})"
    key = " AND ".join(f"m.{_ident(k)} = i.{_ident(k)}" for k in t.key)
    return (
        f"(SELECT {cols} FROM _in_{table} UNION ALL SELECT {cols} FROM main.{_ident(table)} m "
        f"WHERE NOT EXISTS (SELECT 1 FROM _in_{table} i WHERE {key}))"
    )


def _ascends(prev: list[str], cur: list[str]) -> str:
    """SQL: the key ``prev`` sorts strictly before ``cur`` (lexicographically; NULL = unknown)."""
    if len(prev) == 1:
        return f"{prev[0]} < {cur[0]}"
    return f"({prev[0]} < {cur[0]} OR ({prev[0]} = {cur[0]} AND {_ascends(prev[1:], cur[1:])}))"


def keys_ascend(con: duckdb.DuckDBPyConnection, st: Staged) -> bool:
    """True if every row's natural key sorts strictly after the previous row's (file order).

    Then no key repeats, proven by one streaming pass over the key columns (``lag``), which
    costs a fraction of grouping by the key: on the 11-million-row benchmark history 0.3 s
    against 2.2 s. Exports are usually sorted by their key (history by opportunity and time),
    so the GROUP BY of :func:`duplicate_key_problems` runs only for files that are not. A NULL
    key anywhere past the first row, or an empty table, counts as not proven. The history
    compares each key with the next one instead, while it is staged (:data:`KEY_UP`; then a
    NULL key anywhere before the last row counts as not proven).
    """
    if st.table == "opportunity_history":  # staged with KEY_UP (the next row's key is larger)
        rows, unproven = con.execute(
            f"SELECT count(*), count_if(NOT coalesce({KEY_UP}, false)) FROM {st.name}"
        ).fetchall()[0]
        return bool(rows) and unproven == 1  # the last row has no next row
    keys = [_ident(k) for k in TABLES[st.table].key]
    prev = [f"_p{i}" for i in range(len(keys))]
    lags = ", ".join(f"lag({k}) OVER () AS {p}" for k, p in zip(keys, prev, strict=True))
    rows, unproven = con.execute(
        f"SELECT count(*), count_if(NOT coalesce({_ascends(prev, keys)}, false)) "
        f"FROM (SELECT {', '.join(keys)}, {lags} FROM {st.name})"
    ).fetchall()[0]
    return bool(rows) and unproven == 1  # the first row has no previous row


def duplicate_key_problems(con: duckdb.DuckDBPyConnection, st: Staged) -> list[Problem]:
    """Rows whose natural key repeats an earlier row of the same file (duplicate IDs)."""
    table = TABLES[st.table]
    src = st.source
    problems: list[Problem] = []
    if not table.key or not all(k in st.columns or table.column(k).default for k in table.key):
        return problems
    keys = ", ".join(_ident(k) for k in table.key)
    key_label = (
        "duplicate timestamp for this opportunity"
        if st.table == "opportunity_history"
        else "duplicate ID"
    )
    rows_sql = "_row"
    not_null = " AND ".join(_ident(k) + " IS NOT NULL" for k in table.key)
    # count first (cheap); collect row lists only for the keys that repeat
    n_dup = con.execute(
        f"SELECT count(*) FROM (SELECT {keys} FROM {st.name} WHERE {not_null} "
        f"GROUP BY {keys} HAVING count(*) > 1)"
    ).fetchall()[0][0]
    dup = []
    if n_dup:
        dup = con.execute(
            f"SELECT {keys}, list({rows_sql} ORDER BY {rows_sql}) AS rs FROM {st.name} "
            f"WHERE {not_null} GROUP BY {keys} HAVING count(*) > 1 ORDER BY rs[2] "
            f"LIMIT {DETAIL_CAP}"
        ).fetchall()
    label = st.labels.get(table.key[-1], table.key[-1])
    for d in dup:
        *vals, rs = d
        value = "/".join(str(v) for v in vals)
        for r in rs[1:]:
            problems.append(
                Problem(src.display, int(r), label, value, f"{key_label} (first on row {rs[0]})")
            )
    return problems


def check_table(
    con: duckdb.DuckDBPyConnection, st: Staged, present: set[str], *, defer_rules: bool = False
) -> list[Problem]:
    """Every rule of one materialised staged table, as located problems.

    The duplicate-key check is always made here, never left to the store: the bulk tables
    have no PRIMARY KEY (``Table.indexed``). A file whose keys ascend needs no grouping
    (:func:`keys_ascend`); the result is kept on ``st`` for the import's ``valid_to``.

    ``defer_rules`` (the history's first load, keys ascending): the value rules are not
    checked here but by the insert itself (:func:`history_insert_sql`), which saves a scan of
    every row and a join with the header (about 1.4 CPU seconds on the benchmark's
    11-million-row history, issue #3); ``st.rules_deferred`` says so.
    """
    problems: list[Problem] = []
    table = TABLES[st.table]
    if table.key and all(k in st.columns or table.column(k).default for k in table.key):
        st.keys_ascend = keys_ascend(con, st)
        if not st.keys_ascend:
            problems += duplicate_key_problems(con, st)
    if defer_rules and st.keys_ascend and not problems:
        st.rules_deferred = True
        return problems
    return rule_problems(con, st, present) + problems


def rule_problems(con: duckdb.DuckDBPyConnection, st: Staged, present: set[str]) -> list[Problem]:
    """The value and reference rules of one staged table (:func:`_rules`), located."""
    src = st.source
    joins, rules = _rules(st, present)
    row = "t._row"
    file_expr = "t._file" if "_file" in src.columns else _q(src.display)
    base = f"{st.name} t " + " ".join(joins)
    problems: list[Problem] = []
    if not rules:
        return problems
    counts = con.execute(
        "SELECT " + ", ".join(f"count_if({r.cond})" for r in rules) + f" FROM {base}"
    ).fetchall()[0]
    for r, n in zip(rules, counts, strict=True):
        if not n:
            continue
        rows = con.execute(
            f"SELECT {file_expr}, {row}, CAST({r.value} AS VARCHAR) FROM {base} WHERE {r.cond} "
            f"ORDER BY 2 LIMIT {DETAIL_CAP}"
        ).fetchall()
        problems += [
            Problem(f, None if rw is None else int(rw), r.column, v, r.rule) for f, rw, v in rows
        ]
        if n > len(rows):
            problems.append(
                Problem(
                    src.display,
                    None,
                    r.column,
                    None,
                    f"... and {n - len(rows)} more row(s): {r.rule}",
                )
            )
    return problems


def history_insert_sql(
    st: Staged, present: set[str], settled: frozenset[str], columns: list[str]
) -> str:
    """``SELECT`` of the staged history rows that break no rule, with ``valid_to`` (the next
    row's time, :data:`NEXT_AT`) and the header copies ``currency``, ``pipeline`` and
    ``header_owner_id`` taken from the join the rules need anyway.

    The caller compares the rows inserted with the rows staged: fewer means some row broke a
    rule, and :func:`rule_problems` then lists which (the insert is rolled back).
    """
    joins, rules = _rules(st, present, settled)
    broken = " OR ".join(f"({r.cond})" for r in rules) or "false"
    cols = ", ".join(f"t.{_ident(c)}" for c in columns)
    return (
        f"SELECT {cols}, t.{NEXT_AT} AS valid_to, o.currency, o.pipeline, "
        f"o.owner_id AS header_owner_id FROM {st.name} t {' '.join(joins)} "
        f"WHERE NOT coalesce({broken}, false)"
    )


def check_all(
    con: duckdb.DuckDBPyConnection,
    staged: list[Staged],
    *,
    strict: bool = False,
    defer_history_rules: bool = False,
) -> list[Problem]:
    """Materialise and check every staged table; return all problems (empty = clean).

    ``defer_history_rules``: leave the history's value rules to its insert when its keys
    ascend (:func:`check_table`); they are still checked here if another problem was found,
    so that the report lists every problem.
    """
    problems: list[Problem] = []
    for st in staged:
        problems += st.source.problems
    if problems:
        return problems
    by_table: dict[str, Staged] = {}
    for st in staged:
        if st.table in by_table:
            problems.append(
                Problem(
                    st.source.display,
                    None,
                    None,
                    None,
                    f"second file for table {st.table} (also {by_table[st.table].source.display})",
                )
            )
        by_table[st.table] = st
        if strict:
            problems += [
                Problem(
                    st.source.display, 1, u, None, "unknown column (--strict) — remove it or map it"
                )
                for u in st.unknown
            ]
    readable = True
    for st in staged:
        found, ok = materialise(con, st)
        readable &= ok
        problems += found
    if not readable:
        # a file could not be read row by row: cross-file checks would only add noise
        return problems
    present = {st.table for st in staged}
    for st in staged:
        defer = defer_history_rules and st.table == "opportunity_history"
        problems += check_table(con, st, present, defer_rules=defer)
    for st in staged:
        if problems and st.rules_deferred:
            problems += rule_problems(con, st, present)
            st.rules_deferred = False
    return problems
