"""Opening a salesorg database: schema, migrations, transactions, Ibis tables.

The default store is one DuckDB file (``./salesorg.duckdb`` or ``$SALESORG_DB``). Metric code
never talks SQL to it directly: it asks :meth:`Store.table` for Ibis tables, so the same code
runs on any Ibis backend (see ``docs/scale.md``). Writes (imports, users, overrides) go through
:meth:`Store.transaction`, so that an import lands whole or not at all.

The DDL is generated from :mod:`salesorg.model`; ``settings.schema_version`` records the
version a file was written with and :data:`MIGRATIONS` moves older files forward.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis

from salesorg.errors import ReadOnlyError, StoreError
from salesorg.model import HEADER_COPIES, OPEN_END, SCHEMA_VERSION, TABLES, Table

__all__ = ["DEFAULT_DB", "MIGRATIONS", "Store", "default_db", "table_ddl"]

DEFAULT_DB = "salesorg.duckdb"


def _unindex_bulk_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 1 → 2: drop the PRIMARY KEY of ``opportunities`` and ``opportunity_history``.

    DuckDB cannot drop a key in place, so each table is rebuilt from its own stored DDL less
    the key (whose columns stay NOT NULL) and its rows copied over. The key stays unique: it
    was enforced until now, and every writer checks it from now on (``Table.indexed``).
    """
    for name in ("opportunities", "opportunity_history"):
        rows = con.execute(
            "SELECT sql FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [name]
        ).fetchall()
        key = re.search(r",\s*PRIMARY KEY\s*\(([^)]*)\)", rows[0][0]) if rows else None
        if key is None:
            continue
        tmp = f'"_v2_{name}"'
        ddl = re.sub(r"^CREATE TABLE [^(]+\(", f"CREATE TABLE {tmp}(", rows[0][0])
        con.execute(ddl.replace(key.group(0), ""))
        for col in key.group(1).split(","):
            con.execute(f"ALTER TABLE {tmp} ALTER COLUMN {col.strip()} SET NOT NULL")
        con.execute(f'INSERT INTO {tmp} SELECT * FROM "{name}"')
        con.execute(f'DROP TABLE "{name}"')
        con.execute(f'ALTER TABLE {tmp} RENAME TO "{name}"')


def _header_copies_sql(opportunity_ids_sql: str | None = None) -> str:
    """``UPDATE`` setting the history's copies of header columns (:data:`HEADER_COPIES`).

    Only rows whose copy differs are written, so a refresh after an import that changed no
    header costs one join and no writes. ``opportunity_ids_sql`` limits it to some
    opportunities (a query returning one column of IDs).
    """
    sets = ", ".join(f'"{h}" = o."{o}"' for h, o in HEADER_COPIES.items())
    differs = " OR ".join(f'h."{h}" IS DISTINCT FROM o."{o}"' for h, o in HEADER_COPIES.items())
    only = "" if opportunity_ids_sql is None else f"AND o.opportunity_id IN ({opportunity_ids_sql})"
    return (
        f"UPDATE opportunity_history AS h SET {sets} FROM opportunities AS o "
        f"WHERE h.opportunity_id = o.opportunity_id {only} AND ({differs})"
    )


def _copy_header_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 2 → 3: add the derived header copies to ``opportunity_history`` and fill them.

    ``currency``, ``pipeline`` and ``header_owner_id`` (:data:`HEADER_COPIES`) let the
    point-in-time state skip the join with the header (issue #3). Added at the end of the
    table, the order :func:`table_ddl` gives a new store.
    """
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = 'opportunity_history'"
        ).fetchall()
    }
    if not have:
        return
    for name in HEADER_COPIES:
        if name not in have:
            con.execute(f'ALTER TABLE opportunity_history ADD COLUMN "{name}" VARCHAR')
    con.execute(_header_copies_sql())


#: Forward migrations: ``MIGRATIONS[v]`` takes a connection at schema ``v`` to ``v + 1``.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _unindex_bulk_tables,
    2: _copy_header_columns,
}


def default_db() -> str:
    """The database a command uses when ``--db`` is not given: ``$SALESORG_DB`` or the default."""
    return os.environ.get("SALESORG_DB") or DEFAULT_DB


def table_ddl(table: Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one table of the model, with checks (and key if indexed)."""
    cols = []
    for c in table.columns:
        line = f'"{c.name}" {c.type}'
        if c.required and not c.derived:
            line += " NOT NULL"
        if c.default is not None:
            line += f" DEFAULT '{c.default}'"
        if c.minimum is not None:
            line += f' CHECK ("{c.name}" >= {c.minimum})'
        if c.choices is not None:
            opts = ", ".join(f"'{x}'" for x in c.choices)
            line += f' CHECK ("{c.name}" IN ({opts}))'
        cols.append(line)
    if table.key and table.indexed:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in table.key) + ")")
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


class Store:
    """An open salesorg database.

    Use :meth:`open`; ``store.table("people")`` gives an Ibis table, ``store.con`` the raw
    DuckDB connection (DuckDB stores only), ``with store.transaction():`` an all-or-nothing
    write. A store is a context manager that closes itself.

    >>> with Store.open(":memory:") as store:
    ...     store.table("people").count().execute()
    0
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, path: str, read_only: bool = False):
        self.con = con
        self.path = path
        self.read_only = read_only
        self.ibis = ibis.duckdb.from_connection(con)
        self._in_transaction = False
        self._tables: dict[str, ibis.Table] = {}

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
        """Open (and create or migrate, unless ``read_only``) the database at ``db``.

        ``db`` is a file path, ``:memory:``, or a ``duckdb://PATH`` URL; ``None`` means
        :func:`default_db`. Other Ibis URLs are handled by :mod:`salesorg.backends`.
        """
        target = str(db) if db is not None else default_db()
        from salesorg.backends import is_warehouse_url, open_warehouse

        if is_warehouse_url(target):
            return open_warehouse(target, read_only=read_only)  # type: ignore[no-any-return]
        if target.startswith("duckdb://"):
            target = target.removeprefix("duckdb://") or ":memory:"
        if target != ":memory:":
            parent = Path(target).expanduser().parent
            if read_only and not Path(target).exists():
                raise StoreError(
                    f"{target}: no such database — build one with `salesorg demo` or "
                    "`salesorg import ...`, or pass --db"
                )
            parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(target, read_only=read_only and target != ":memory:")
            # no progress bars on stdout: they interleave with command output and JSON
            con.execute("SET enable_progress_bar = false")
        except duckdb.Error as exc:
            raise StoreError(f"{target}: cannot open database — {exc}") from exc
        store = cls(con, path=target, read_only=read_only)
        if not read_only:
            store._create_or_migrate()
        return store

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- schema
    def _create_or_migrate(self) -> None:
        """Create missing tables and migrate an older file forward, all in one transaction."""
        existing = {
            r[0]
            for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        version = SCHEMA_VERSION
        if "settings" in existing:
            version = int(self.setting("schema_version", "1") or 1)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: written by a newer salesorg (schema {version} > "
                    f"{SCHEMA_VERSION}) — upgrade salesorg to read it"
                )
        with self.transaction():
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](self.con)
            for table in TABLES.values():
                self.con.execute(table_ddl(table))
            self.set_setting("schema_version", str(SCHEMA_VERSION))

    @property
    def schema_version(self) -> int:
        return int(self.setting("schema_version", "0") or 0)

    # ---------------------------------------------------------------- settings
    def setting(self, key: str, default: str | None = None) -> str | None:
        # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection
        rows = self.con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        self._check_writable()
        self.con.execute(
            "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    @property
    def reporting_currency(self) -> str:
        """The currency totals are reported in (``settings.reporting_currency``, default EUR)."""
        return self.setting("reporting_currency", "EUR") or "EUR"

    # ---------------------------------------------------------------- reading
    def table(self, name: str) -> ibis.Table:
        """The Ibis table ``name`` of the model (backend-neutral metric code starts here).

        Kept per store after the first call: Ibis asks the database for the schema each time
        (about 5 ms), and a point-in-time state uses several tables (issue #3). The schema of a
        model table does not change while a store is open (migrations run in :meth:`open`).
        """
        if name not in TABLES:
            raise StoreError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
        if name not in self._tables:
            self._tables[name] = self.ibis.table(name)
        return self._tables[name]

    def count(self, name: str) -> int:
        return int(self.con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0])

    def query(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run a read-only SQL statement; refuses anything but SELECT-like statements.

        Returns a DuckDB relation result as a pandas DataFrame.
        """
        statements = self.con.extract_statements(sql)
        allowed = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
        for st in statements:
            if st.type not in allowed:
                raise ReadOnlyError(
                    f"refused: {st.type.name} statement — `salesorg sql` is read-only; "
                    "change data with `salesorg import`"
                )
        if len(statements) != 1:
            raise ReadOnlyError("give exactly one SELECT statement")
        return self.con.execute(sql, params or []).df()

    # ---------------------------------------------------------------- writing
    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"{self.path} is open read-only")

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing writes: commits on success, rolls back on any exception.

        Nested use joins the outer transaction.
        """
        self._check_writable()
        if self._in_transaction:
            yield self.con
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_transaction = False

    def refresh_derived(
        self,
        opportunity_ids_sql: str | None = None,
        *,
        intervals: bool = True,
        header: bool = True,
    ) -> None:
        """Recompute the derived columns of ``opportunity_history`` (all rows, or some).

        ``opportunity_ids_sql`` is a SQL query returning one column of opportunity IDs whose
        history or header changed. ``intervals``: ``valid_to`` (each row is valid until the
        next change of the same opportunity). ``header``: the copies of the header's
        ``currency``, ``pipeline`` and ``owner_id`` (:data:`~salesorg.model.HEADER_COPIES`).
        Every write path calls this: imports (:mod:`salesorg.ingest.load`, also after a
        header-only import) and :meth:`insert_frame`.
        """
        if header:
            self.con.execute(_header_copies_sql(opportunity_ids_sql))
        if not intervals:
            return
        where = (
            ""
            if opportunity_ids_sql is None
            else f"WHERE opportunity_id IN ({opportunity_ids_sql})"
        )
        self.con.execute(
            f"""
            UPDATE opportunity_history AS h
            SET valid_to = n.next_at
            FROM (
                SELECT opportunity_id, changed_at,
                       coalesce(lead(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at),
                                TIMESTAMP '{OPEN_END}') AS next_at
                FROM opportunity_history {where}
            ) AS n
            WHERE h.opportunity_id = n.opportunity_id AND h.changed_at = n.changed_at
              AND h.valid_to IS DISTINCT FROM n.next_at
            """
        )

    def insert_frame(self, name: str, frame: Any) -> int:
        """Append trusted rows (a DataFrame or Arrow table) to table ``name``; no validation.

        For internal producers whose output is correct by construction (the demo company,
        tests, benchmarks). Files from outside go through :mod:`salesorg.ingest`, which
        validates. Missing optional columns become NULL (or their default); the derived
        columns of ``opportunity_history`` (``valid_to`` and the header copies) are recomputed
        for the opportunities touched, by rows of either table. A row repeating
        a stored key raises :class:`~salesorg.errors.StoreError` and nothing is written (the
        PRIMARY KEY refuses it, or for an unindexed table :meth:`_refuse_repeated_keys`).
        """
        self._check_writable()
        table = TABLES[name]
        present = [c.name for c in table.columns if c.name in frame.columns]
        cols = ", ".join(f'"{c}"' for c in present)
        with self.transaction() as con:
            con.register("_salesorg_frame", frame)
            try:
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _salesorg_frame')
                if table.key and not table.indexed:
                    self._refuse_repeated_keys(table, "_salesorg_frame")
                touched = "SELECT DISTINCT opportunity_id FROM _salesorg_frame"
                if name == "opportunity_history":
                    self.refresh_derived(touched)
                elif name == "opportunities":
                    self.refresh_derived(touched, intervals=False)
            finally:
                con.unregister("_salesorg_frame")
        return len(frame)

    def _refuse_repeated_keys(self, table: Table, incoming: str) -> None:
        """Raise :class:`StoreError` if a key of the rows just added from ``incoming`` repeats.

        The check a PRIMARY KEY would make, for the bulk tables that have none
        (``Table.indexed``): only the keys touched are grouped, so appending to a big table
        costs in proportion to the rows appended.
        """
        keys = ", ".join(f'"{k}"' for k in table.key)
        first = f'"{table.key[0]}"'
        dup = self.con.execute(
            f'SELECT {keys} FROM "{table.name}" WHERE {first} IN (SELECT {first} FROM {incoming}) '
            f"GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"
        ).fetchall()
        if dup:
            shown = "/".join(str(v) for v in dup[0])
            raise StoreError(
                f"{table.name}: key ({', '.join(table.key)}) = {shown} would be stored twice "
                "— nothing was written; give each key once"
            )

    def audit(
        self, actor: str, action: str, target: str | None = None, detail: str | None = None
    ) -> None:
        """Append one entry to the audit log (who did what, when)."""
        self._check_writable()
        self.con.execute(
            "INSERT INTO audit_log VALUES (current_localtimestamp(), ?, ?, ?, ?)",
            [actor, action, target, detail],
        )
