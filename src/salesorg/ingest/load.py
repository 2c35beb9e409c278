"""Running an import: prepare (preset), validate, then apply in ONE transaction.

:func:`import_files` is what ``salesorg import`` calls. The steps:

1. the preset turns the input files into :class:`~salesorg.ingest.validate.Staged` native
   tables (``native`` reads them as they are; other presets map their export first);
2. if every input file's SHA-256 was already imported by the same preset, nothing changes and
   the import is recorded with status ``unchanged``;
3. every rule is checked (:func:`~salesorg.ingest.validate.check_all`); any problem raises
   :class:`~salesorg.errors.InputError` with all of them and nothing is written;
4. inside one ``store.transaction()``: rows are upserted by the table's natural key (a row
   with a known key replaces the stored one, so re-importing a corrected file updates it),
   the derived columns of ``opportunity_history`` are computed in bulk (on the way in for a
   first load: ``valid_to`` by a streaming window, the header copies ``currency``,
   ``pipeline``, ``header_owner_id`` by one join with the header; else
   :meth:`~salesorg.store.Store.refresh_derived` over the opportunities touched, also when
   only their header was imported) and one ``imports`` row per file is written.

Keys stay unique without a PRIMARY KEY on the bulk tables (``Table.indexed``): step 3 refuses
a file that repeats a key, and step 4 deletes the stored rows whose key comes in before
inserting (``INSERT OR REPLACE`` where the table has its key index).

``validate`` (``dry_run=True``) runs steps 1-3 and writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesorg.errors import ConfigError, InputError
from salesorg.ingest.mapping import Mapping
from salesorg.ingest.readers import file_sha256
from salesorg.ingest.validate import (
    NEXT_AT,
    Staged,
    check_all,
    drop_staged,
    history_insert_sql,
    rule_problems,
)
from salesorg.model import HEADER_COPIES, IMPORT_ORDER, OPEN_END, TABLES
from salesorg.store import Store

__all__ = ["ImportResult", "Options", "Prepared", "import_files"]


@dataclass(frozen=True)
class Options:
    """What the user asked for on the command line (``--as-of``, ``--mapping``, ...)."""

    mapping: Mapping = field(default_factory=Mapping)
    strict: bool = False
    encoding: str | None = None
    as_of: dt.date | None = None


@dataclass
class Prepared:
    """A preset's output: native staged tables plus what it mapped or dropped."""

    staged: list[Staged]
    files: list[Path]
    report: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    message: str | None = None


@dataclass
class ImportResult:
    """What an import did: ``status`` (ok | unchanged | valid), rows per table, preset report."""

    preset: str
    status: str
    rows: dict[str, int]
    files: list[str]
    report: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "status": self.status,
            "files": self.files,
            "rows": self.rows,
            "report": self.report,
        }


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _imported_before(store: Store, preset: str, message: str | None) -> bool:
    """True if ``preset`` (with the same ``--as-of``) ever imported files successfully: only
    then can the files be the same as before, so only then must their hashes come first."""
    return bool(
        store.con.execute(
            "SELECT 1 FROM imports WHERE source = ? AND status = 'ok' "
            "AND message IS NOT DISTINCT FROM ? LIMIT 1",
            [preset, message],
        ).fetchall()
    )


def _already_imported(store: Store, preset: str, shas: list[str], message: str | None) -> bool:
    """True if every file was imported before by ``preset`` (with the same ``--as-of``)."""
    if not shas:
        return False
    got = store.con.execute(
        "SELECT count(DISTINCT sha256) FROM imports WHERE source = ? AND status = 'ok' "
        "AND message IS NOT DISTINCT FROM ? AND sha256 IN (SELECT unnest(?::VARCHAR[]))",
        [preset, message, shas],
    ).fetchall()[0][0]
    return int(got) == len(set(shas))


def _record(
    store: Store,
    preset: str,
    files: list[Path],
    shas: list[str],
    rows: int,
    started: dt.datetime,
    status: str,
    message: str | None,
) -> None:
    now = dt.datetime.now()
    for f, sha in zip(files, shas, strict=True):
        store.con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), preset, str(f), sha, rows, started, now, status, message],
        )


def _upsert(store: Store, name: str, staged: str, collist: str) -> None:
    """Insert ``staged`` rows into ``name``; a stored row with an incoming key is replaced.

    Tables with a key index use ``INSERT OR REPLACE``; the bulk tables without one
    (``Table.indexed``) first delete the stored rows whose key comes in. Incoming keys are
    unique (validated), so either way the key stays unique.
    """
    table = TABLES[name]
    con = store.con
    empty = not con.execute(f"SELECT 1 FROM {_ident(name)} LIMIT 1").fetchall()
    if not empty and not table.indexed:
        match = " AND ".join(f"s.{_ident(k)} = t.{_ident(k)}" for k in table.key)
        con.execute(
            f"DELETE FROM {_ident(name)} AS t WHERE EXISTS (SELECT 1 FROM {staged} s WHERE {match})"
        )
    verb = "INSERT OR REPLACE" if table.indexed and not empty else "INSERT"
    con.execute(f"{verb} INTO {_ident(name)} ({collist}) SELECT {collist} FROM {staged}")


def _apply(store: Store, staged: list[Staged]) -> dict[str, int]:
    """Upsert every staged table into the store (inside the caller's transaction)."""
    con = store.con
    present = {st.table for st in staged}
    rows: dict[str, int] = {}
    by_table = {st.table: st for st in staged}
    for name in IMPORT_ORDER:
        st = by_table.get(name)
        if st is None:
            continue
        collist = ", ".join(_ident(c.name) for c in TABLES[name].file_columns)
        n = int(con.execute(f"SELECT count(*) FROM {st.name}").fetchall()[0][0])
        rows[name] = n
        if n == 0:
            continue
        if name == "opportunity_history":
            if not con.execute("SELECT 1 FROM opportunity_history LIMIT 1").fetchall():
                _first_history_load(store, st, collist, present, n)
                continue
            _upsert(store, name, st.name, collist)
            store.refresh_derived(f"SELECT DISTINCT opportunity_id FROM {st.name}")
            continue
        _upsert(store, name, st.name, collist)
        if (
            name == "opportunities"
            and con.execute("SELECT 1 FROM opportunity_history LIMIT 1").fetchall()
        ):
            # a re-imported header may change the currency, pipeline or owner its history copies
            store.refresh_derived(f"SELECT opportunity_id FROM {st.name}", intervals=False)
    return rows


def _first_history_load(
    store: Store, st: Staged, collist: str, present: set[str], staged_rows: int
) -> None:
    """Load history into an empty table with its derived columns computed on the way in.

    The header copies (``currency``, ``pipeline``, ``header_owner_id``) come from one join
    with the (already imported) header; ``valid_to`` as follows.

    Exports are usually sorted by opportunity and time. Then each row's ``valid_to`` is the
    next row's ``changed_at``, computed while staging (:data:`~salesorg.ingest.validate.NEXT_AT`:
    no sort of the whole history, and this insert runs on every core).
    Validation found whether the key ascends (``st.keys_ascend``), which proves that order;
    otherwise the rows may still come grouped by opportunity in time order (checked here, in
    file order: ``_row``, since the import's writes run with any row order allowed), and
    the result is verified afterwards (one open row per opportunity, every interval
    positive). Any other order: one window function partitioned by opportunity.

    When the keys ascend, validation left the rows' value rules to this insert
    (``st.rules_deferred``): :func:`_checked_insert` joins the header once for both the rules
    and the copies.
    """
    con = store.con
    staged = st.name
    if st.keys_ascend:
        in_order = True
    else:
        runs, opps, disorder = con.execute(
            f"""SELECT count_if(prev_opp IS DISTINCT FROM opportunity_id),
                       count(DISTINCT opportunity_id),
                       count_if(prev_opp = opportunity_id AND prev_at >= changed_at)
                FROM (SELECT opportunity_id, changed_at,
                             lag(opportunity_id) OVER (ORDER BY _row) AS prev_opp,
                             lag(changed_at) OVER (ORDER BY _row) AS prev_at FROM {staged})"""
        ).fetchall()[0]
        in_order = runs == opps and not disorder
    if st.rules_deferred:  # keys ascend; the insert checks the rules (check_table)
        _checked_insert(store, st, collist, present, staged_rows)
        return
    if in_order:
        con.execute(
            _insert_with_header(collist, f"SELECT {collist}, {NEXT_AT} AS valid_to FROM {staged}")
        )
        if st.keys_ascend:
            return  # strictly ascending keys: each next row is the same deal's next change
        open_rows, opps, bad = con.execute(
            f"SELECT count_if(valid_to = TIMESTAMP '{OPEN_END}'), count(DISTINCT opportunity_id), "
            "count_if(valid_to <= changed_at) FROM opportunity_history"
        ).fetchall()[0]
        if open_rows != opps or bad:
            store.refresh_derived(header=False)
        return
    con.execute(
        _insert_with_header(
            collist,
            f"SELECT {collist}, coalesce(lead(changed_at) OVER (PARTITION BY opportunity_id "
            f"ORDER BY changed_at), TIMESTAMP '{OPEN_END}') AS valid_to FROM {staged}",
        )
    )


def _checked_insert(
    store: Store, st: Staged, collist: str, present: set[str], staged_rows: int
) -> None:
    """Insert the staged history rows that break no rule; if that is not every one of the
    ``staged_rows``, list the problems (:func:`~salesorg.ingest.validate.rule_problems`) and
    fail, which rolls the import back. The tables imported before the history are already
    written (``settled``).
    """
    con = store.con
    settled = frozenset(IMPORT_ORDER[: IMPORT_ORDER.index(st.table)])
    columns = [c.name for c in TABLES[st.table].file_columns]
    copies = ", ".join(f'"{h}"' for h in HEADER_COPIES)
    select = history_insert_sql(st, present, settled, columns)
    inserted = con.execute(
        f"INSERT INTO opportunity_history ({collist}, valid_to, {copies}) {select}"
    ).fetchall()[0][0]
    if inserted != staged_rows:
        problems = rule_problems(con, st, present)
        if not problems:  # every row broke no rule: the count cannot fall short
            raise RuntimeError(
                f"history insert wrote {inserted} of {staged_rows} rows with no rule broken"
            )
        raise InputError(problems)


def _insert_with_header(collist: str, rows_sql: str) -> str:
    """``INSERT`` of ``rows_sql`` (file columns and ``valid_to``) into the history, with the
    header copies taken from ``opportunities`` by one join.

    ``valid_to`` is computed in the subquery, on the rows in file order, before the join. A
    LEFT join keeps every row even if a header were missing (validation refuses that).
    """
    copies = ", ".join(f'"{h}"' for h in HEADER_COPIES)
    taken = ", ".join(f'o."{c}"' for c in HEADER_COPIES.values())
    cols = ", ".join(f"s.{c.strip()}" for c in collist.split(","))
    return (
        f"INSERT INTO opportunity_history ({collist}, valid_to, {copies}) "
        f"SELECT {cols}, s.valid_to, {taken} FROM ({rows_sql}) AS s "
        "LEFT JOIN opportunities AS o ON o.opportunity_id = s.opportunity_id"
    )


@contextlib.contextmanager
def _rows_in_any_order(store: Store) -> Iterator[None]:
    """Let DuckDB write the imported rows in any order (``preserve_insertion_order``).

    Keeping the file's order makes every insert funnel its rows through one ordered merge: on
    the benchmark's 10-million-row history the insert took 6.8–10.9 s of wall time against
    4.1–5.4 s without, for the same CPU time (issue #3). Nothing reads the stored rows in
    their physical order (the forecast's loader sorts what it reads when it must). The staged
    rows, which must stay in file order, are read before this; the setting is restored after
    the transaction ends, committed or rolled back.
    """
    con = store.con
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


def _drop_temps(store: Store, staged: list[Staged]) -> None:
    for st in staged:
        drop_staged(store.con, st)


def import_files(
    store: Store,
    preset: str,
    paths: Sequence[str | Path],
    *,
    options: Options | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import (or with ``dry_run`` only validate) ``paths`` with ``preset``.

    Raises :class:`~salesorg.errors.InputError` listing every problem; the store is then
    exactly as before (no rows, no ``imports`` entry).
    """
    from salesorg.ingest.presets import PRESETS

    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r} — use one of {', '.join(PRESETS)}")
    options = options or Options()
    started = dt.datetime.now()
    prepared: Prepared = PRESETS[preset](store, [Path(p) for p in paths], options)
    # The files' SHA-256 (the import's identity) is needed first only if this preset imported
    # before; otherwise it is computed in a thread while DuckDB validates and writes (hashing
    # releases the GIL; about 1 s for the 700 MB benchmark history, issue #3).
    hashing = ThreadPoolExecutor(max_workers=1)
    try:
        names = [str(f) for f in prepared.files]
        pending = None
        if dry_run:
            shas: list[str] = []
        elif _imported_before(store, preset, prepared.message):
            shas = [file_sha256(f) for f in prepared.files]
        else:
            pending = hashing.submit(lambda: [file_sha256(f) for f in prepared.files])
            shas = []
        if shas and _already_imported(store, preset, shas, prepared.message):
            with store.transaction():
                _record(
                    store,
                    preset,
                    prepared.files,
                    shas,
                    0,
                    started,
                    "unchanged",
                    "same file(s) already imported; nothing changed",
                )
            return ImportResult(preset, "unchanged", {}, names, prepared.report)
        # the history's first load checks its value rules while it inserts (check_table)
        first_history = (
            not dry_run
            and not store.con.execute("SELECT 1 FROM opportunity_history LIMIT 1").fetchall()
        )
        problems = check_all(
            store.con,
            prepared.staged,
            strict=options.strict,
            defer_history_rules=first_history,
        )
        if problems:
            raise InputError(problems)
        if dry_run:
            rows = {
                st.table: int(store.con.execute(f"SELECT count(*) FROM {st.name}").fetchall()[0][0])
                for st in prepared.staged
            }
            return ImportResult(preset, "valid", rows, names, prepared.report)
        with _rows_in_any_order(store), store.transaction():
            rows = _apply(store, prepared.staged)
            for k, v in prepared.settings.items():
                store.set_setting(k, v)
            if pending is not None:
                shas = pending.result()
            _record(
                store,
                preset,
                prepared.files,
                shas,
                sum(rows.values()),
                started,
                "ok",
                prepared.message,
            )
            store.audit("cli", f"import {preset}", ", ".join(names), f"rows={rows}")
        return ImportResult(preset, "ok", rows, names, prepared.report)
    finally:
        hashing.shutdown(wait=False)
        _drop_temps(store, prepared.staged)
        for fn in prepared.cleanup:
            fn()
