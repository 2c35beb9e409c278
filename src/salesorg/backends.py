"""Stores on other Ibis backends: Spark, Postgres and any warehouse Ibis speaks to.

``--db`` takes a DuckDB path (the default) or a URL:

=====================================  =====================================================
``duckdb://PATH``                       the embedded default, spelled as a URL
``pyspark://local?warehouse=DIR``       a local SparkSession (``local[2]``); tables persist in
                                        DIR as Parquet (one folder per table)
``pyspark://?master=URL&database=DB``   a Spark cluster (``spark://host:7077``, ``yarn``, ...)
                                        whose catalog database DB holds the tables
``postgres://user:pw@host:port/db``     PostgreSQL (e.g. a CRM replica)
``snowflake://...``, ``bigquery://...``, any other URL :func:`ibis.connect` accepts
``trino://...``, ``mssql://...``
=====================================  =====================================================

Metrics, point-in-time views and the review are Ibis expressions, so they compile to the
backend's SQL and run where the data lives; only small results come back. Tables must have the
names and columns of :mod:`salesorg.model` (or be views with those names); when a warehouse's
``opportunity_history`` has no ``valid_to`` column, it is derived in the query with a window
function (pushed down too, but slower than a stored interval), and when it lacks the header
copies ``currency``, ``pipeline`` and ``header_owner_id`` (schema 3), the point-in-time views
take them from a join with ``opportunities``
(:func:`~salesorg.metrics.pit.history_with_header_copies`). :func:`copy_store` writes both.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import ibis

from salesorg.errors import ReadOnlyError, StoreError
from salesorg.model import OPEN_END, TABLES
from salesorg.store import Store

__all__ = [
    "WAREHOUSE_SCHEMES",
    "WarehouseStore",
    "arrow_batches",
    "copy_store",
    "history_with_valid_to",
    "is_warehouse_url",
    "open_warehouse",
]

WAREHOUSE_SCHEMES = (
    "pyspark",
    "postgres",
    "postgresql",
    "snowflake",
    "bigquery",
    "trino",
    "mssql",
    "mysql",
    "databricks",
    "polars",
)


def arrow_batches(expr: ibis.Expr, rows: int) -> Iterator[Any]:
    """Stream the result of ``expr`` as Arrow record batches of about ``rows`` rows.

    On DuckDB the compiled query is streamed with DuckDB's own Arrow reader (ibis 12's
    ``to_pyarrow_batches`` calls a cursor method that duckdb 2.0 removed); every other backend
    uses ibis's ``to_pyarrow_batches``. Either way only one batch is in memory at a time.
    """
    backend = ibis.get_backend(expr)
    if backend.name == "duckdb":
        reader = backend.con.sql(str(backend.compile(expr))).to_arrow_reader(rows)
        yield from reader
    else:
        yield from expr.to_pyarrow_batches(chunk_size=rows)


def is_warehouse_url(db: str | os.PathLike[str] | None) -> bool:
    """True when ``db`` names a non-DuckDB backend by URL scheme."""
    if db is None:
        return False
    scheme = str(db).split("://", 1)[0] if "://" in str(db) else ""
    return scheme in WAREHOUSE_SCHEMES


def _spark_session(url: str) -> Any:
    """A SparkSession for a ``pyspark://`` URL (settings from shared/STACK.md)."""
    parsed = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    master = query.get("master") or (
        "local[2]" if parsed.hostname in (None, "local") else parsed.hostname
    )
    scratch = query.get("scratch") or tempfile.mkdtemp(prefix="salesorg-spark-")
    builder = (
        SparkSession.builder.master(master)
        .appName(query.get("app", "salesorg"))
        .config("spark.sql.warehouse.dir", str(Path(scratch) / "spark-warehouse"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", query.get("partitions", "4"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
    )
    return builder.getOrCreate()


class _SparkParquetCatalog:
    """Tables of a local Spark store, kept as Parquet folders ``DIR/<table>``."""

    def __init__(self, session: Any, warehouse: Path):
        self.session = session
        self.warehouse = warehouse
        warehouse.mkdir(parents=True, exist_ok=True)
        for child in warehouse.iterdir():
            if child.is_dir() and child.name in TABLES:
                session.read.parquet(str(child)).createOrReplaceTempView(child.name)

    def write(self, name: str, arrow_table: Any) -> None:
        names = TABLES[name].names
        rows = [tuple(r.get(c) for c in names) for r in arrow_table.to_pylist()]
        sdf = self.session.createDataFrame(rows, _spark_schema(name))
        sdf.write.mode("overwrite").parquet(str(self.warehouse / name))
        self.session.read.parquet(str(self.warehouse / name)).createOrReplaceTempView(name)


def _spark_type(duck_type: str) -> str:
    t = duck_type.upper()
    return {
        "VARCHAR": "string",
        "BIGINT": "bigint",
        "INTEGER": "int",
        "DOUBLE": "double",
        "BOOLEAN": "boolean",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
    }.get(t, t.lower())


def _spark_schema(name: str) -> str:
    return ", ".join(f"`{c.name}` {_spark_type(c.type)}" for c in TABLES[name].columns)


def open_warehouse(url: str, *, read_only: bool = False) -> Any:
    """Open a :class:`WarehouseStore` for ``url`` (see the module docstring for the forms)."""
    scheme = url.split("://", 1)[0]
    catalog = None
    try:
        if scheme == "pyspark":
            session = _spark_session(url)
            parsed = urlparse(url)
            query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
            backend = ibis.pyspark.connect(session)
            if "warehouse" in query:
                catalog = _SparkParquetCatalog(session, Path(query["warehouse"]).expanduser())
            elif "database" in query:
                session.catalog.setCurrentDatabase(query["database"])
        else:
            backend = ibis.connect(url.replace("postgresql://", "postgres://", 1))
    except ImportError as exc:
        group = (
            "spark"
            if scheme == "pyspark"
            else "postgres"
            if scheme.startswith("postgres")
            else scheme
        )
        raise StoreError(
            f"{url}: the {scheme} backend is not installed — pip install 'salesorg[{group}]'"
        ) from exc
    except Exception as exc:
        raise StoreError(f"{url}: cannot connect — {exc}") from exc
    return WarehouseStore(backend, path=url, read_only=read_only, catalog=catalog)


def history_with_valid_to(history: ibis.Table) -> ibis.Table:
    """Derive ``valid_to`` (the next change of the same opportunity) when a table lacks it."""
    if "valid_to" in history.columns:
        return history
    w = ibis.window(group_by=history.opportunity_id, order_by=history.changed_at)
    nxt = history.changed_at.lead().over(w)
    return history.mutate(valid_to=nxt.coalesce(ibis.timestamp(OPEN_END)))


def copy_store(
    source: Any, target: Any, *, tables: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Copy the model's tables from one store to another (e.g. DuckDB to Spark or Postgres).

    Returns rows copied per table. The target's tables are replaced. The history is written
    with its derived columns (``valid_to`` and the header copies), computed here if the
    source lacks them, so the target answers point-in-time views without a header join.
    """
    from salesorg.metrics.pit import history_with_header_copies

    if target.read_only:
        raise ReadOnlyError(f"{target.path} is open read-only")
    counts: dict[str, int] = {}
    for name in tables or tuple(TABLES):
        t = source.table(name)
        if name == "opportunity_history":
            t = history_with_header_copies(source).select(*TABLES[name].names)
        arrow = t.to_pyarrow()
        target.replace_table(name, arrow)
        counts[name] = arrow.num_rows
    return counts


class WarehouseStore(Store):
    """A store on another Ibis backend (Spark, Postgres, a warehouse); see :mod:`salesorg.backends`.

    Reading is the same as for a DuckDB store (``table(name)`` gives Ibis tables, so metrics and
    the review run there unchanged). Writing is limited to replacing or appending whole tables
    (:func:`salesorg.backends.copy_store`); imports with validation run on DuckDB.
    """

    def __init__(self, backend: Any, *, path: str, read_only: bool = False, catalog: Any = None):
        self.con = None  # type: ignore[assignment]
        self.ibis = backend
        self.path = path
        self.read_only = read_only
        self.catalog = catalog
        self._in_transaction = False

    def close(self) -> None:
        disconnect = getattr(self.ibis, "disconnect", None)
        if disconnect is not None and not self.path.startswith("pyspark"):
            disconnect()

    def _has(self, name: str) -> bool:
        return name in set(self.ibis.list_tables())

    def table(self, name: str) -> ibis.Table:
        if name not in TABLES:
            raise StoreError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
        if not self._has(name):
            raise StoreError(
                f"{self.path}: table {name!r} not found — copy data there with "
                f"`salesorg copy-to {self.path}` or create a view named {name}"
            )
        t = self.ibis.table(name)
        if name == "opportunity_history":
            t = history_with_valid_to(t)
        return t

    def setting(self, key: str, default: str | None = None) -> str | None:
        if not self._has("settings"):
            return default
        t = self.ibis.table("settings")
        rows = t.filter(t.key == key).select("value").execute()
        return str(rows["value"].iloc[0]) if len(rows) else default

    def set_setting(self, key: str, value: str) -> None:
        import pyarrow as pa

        self._check_writable()
        current = (
            self.ibis.table("settings").to_pyarrow().to_pylist() if self._has("settings") else []
        )
        rows = [r for r in current if r["key"] != key] + [{"key": key, "value": value}]
        self.replace_table("settings", pa.Table.from_pylist(rows))

    def count(self, name: str) -> int:
        return int(self.table(name).count().execute())

    def query(self, sql: str, params: list[Any] | None = None) -> Any:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head not in ("SELECT", "WITH") or ";" in sql.strip().rstrip(";"):
            raise ReadOnlyError(
                "refused: give exactly one SELECT statement — `salesorg sql` is read-only"
            )
        return self.ibis.sql(sql).execute()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        raise StoreError(
            f"{self.path}: transactional writes (imports) run on a DuckDB store; "
            "import there, then `salesorg copy-to` this backend"
        )
        yield  # pragma: no cover

    def replace_table(self, name: str, frame: Any) -> None:
        import pyarrow as pa

        self._check_writable()
        arrow = (
            frame
            if isinstance(frame, pa.Table)
            else pa.Table.from_pandas(frame, preserve_index=False)
        )
        if self.catalog is not None:
            self.catalog.write(name, arrow)
        else:
            self.ibis.create_table(name, arrow, overwrite=True)

    def insert_frame(self, name: str, frame: Any) -> int:
        import pyarrow as pa

        arrow = (
            frame
            if isinstance(frame, pa.Table)
            else pa.Table.from_pandas(frame, preserve_index=False)
        )
        if self._has(name):
            old = self.ibis.table(name).to_pyarrow()
            arrow = pa.concat_tables([old, arrow.select(old.column_names).cast(old.schema)])
        self.replace_table(name, arrow)
        return len(frame)

    def refresh_derived(
        self,
        opportunity_ids_sql: str | None = None,
        *,
        intervals: bool = True,
        header: bool = True,
    ) -> None:
        """Nothing to do: ``valid_to`` and the header copies are derived in queries when the
        table lacks them, and :func:`copy_store` writes them computed."""

    def audit(
        self, actor: str, action: str, target: str | None = None, detail: str | None = None
    ) -> None:

        import pyarrow as pa

        self.insert_frame(
            "audit_log",
            pa.Table.from_pylist(
                [
                    {
                        "at": dt.datetime.now(),
                        "actor": actor,
                        "action": action,
                        "target": target,
                        "detail": detail,
                    }
                ]
            ),
        )
