"""The ``snapshot`` preset: weekly exports of the open pipeline become opportunity history.

Many CRMs can only export the open pipeline as it is today. Importing one such file per week
with ``--as-of DATE`` lets salesorg rebuild the history from the differences between
successive snapshots:

- one row per open opportunity; columns ``opportunity_id``, ``owner_id``, ``stage``, ``amount``
  (required) and optionally ``close_date``, ``forecast_category``, ``currency`` (default: the
  reporting currency), ``created_on`` (default: the first snapshot that shows the opportunity),
  ``account_id``, ``name``, ``product``, ``deal_type``, ``pipeline``;
- a **new** opportunity, or one whose stage, amount, close date, forecast category or owner
  differs from its state at the end of the previous day, gets a history row at
  ``DATE 00:00:00`` with the state in the file (the owner is recorded in the row);
- a row whose stage is a **closed** stage (``Won``/``Lost`` of the pipeline) records how the
  deal closed, so an export that includes "closed this week" rows says what happened;
- an opportunity that was open before and is **absent** from the snapshot is taken as closed
  lost on that date: a history row with the pipeline's first closed, not-won stage (by
  ordinal), the last amount, and ``close_date`` = the snapshot date. The import report counts
  these (``disappeared_closed_lost``).

Snapshots must be imported in date order: an ``--as-of`` before the latest snapshot already
imported is refused (it would rewrite later states).
"""

from __future__ import annotations

from pathlib import Path

from salesorg.errors import ConfigError, InputError, Problem
from salesorg.ingest.load import Options, Prepared
from salesorg.ingest.presets.native import stage_source
from salesorg.ingest.readers import derived_source, drop_temps, load_raw
from salesorg.store import Store

__all__ = ["prepare"]

REQUIRED = ("opportunity_id", "owner_id", "stage", "amount")
OPTIONAL = (
    "close_date",
    "forecast_category",
    "currency",
    "created_on",
    "account_id",
    "name",
    "product",
    "deal_type",
    "pipeline",
)


def _col(cols: list[str], name: str, default: str = "NULL") -> str:
    return f"nullif(trim(s.\"{name}\"), '')" if name in cols else default


def prepare(store: Store, paths: list[Path], options: Options) -> Prepared:
    if options.as_of is None:
        raise ConfigError("the snapshot preset needs --as-of DATE (the day the export was taken)")
    if len(paths) != 1 or paths[0].is_dir():
        raise ConfigError(
            "the snapshot preset takes one file per import (one snapshot, one --as-of)"
        )
    con = store.con
    day = options.as_of.isoformat()
    last = con.execute(
        "SELECT max(message) FROM imports WHERE source = 'snapshot' AND status = 'ok'"
    ).fetchall()[0][0]
    if last is not None and last > f"as_of={day}":
        raise ConfigError(
            f"--as-of {day} is before the latest snapshot imported ({last[6:]}) — "
            "import snapshots in date order"
        )
    raw = load_raw(con, paths[0], "_snap_raw", encoding=options.encoding)
    if raw.problems:
        raise InputError(raw.problems)
    cols = raw.columns
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise InputError(
            [Problem(raw.display, 1, c, None, "missing required column") for c in missing]
        )
    unknown = [c for c in cols if c not in (*REQUIRED, *OPTIONAL, "_file")]
    if unknown and options.strict:
        raise InputError(
            [Problem(raw.display, 1, c, None, "unknown column (--strict)") for c in unknown]
        )
    rc = store.reporting_currency
    amount = _col(cols, "amount")
    if raw.decimal_comma:
        amount = f"replace(replace({amount}, '.', ''), ',', '.')"
    t0 = f"TIMESTAMP '{day} 00:00:00'"
    # state at the end of the previous day, from the store
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _snap_prev AS
        SELECT h.opportunity_id, h.stage, h.amount, h.close_date, h.forecast_category,
               coalesce(h.owner_id, o.owner_id) AS owner_id, o.pipeline,
               coalesce(st.is_closed, false) AS is_closed
        FROM opportunity_history h JOIN opportunities o USING (opportunity_id)
        LEFT JOIN stages st ON st.pipeline = o.pipeline AND st.stage = h.stage
        WHERE h.changed_at < {t0} AND h.valid_to >= {t0}""")
    s_id = 'trim(s."opportunity_id")'
    header = derived_source(
        con,
        "_snap_opps",
        f"""
        SELECT s._row, s._file, {s_id} AS opportunity_id,
               coalesce({_col(cols, "account_id")}, o.account_id) AS account_id,
               {_col(cols, "owner_id")} AS owner_id,
               coalesce({_col(cols, "name")}, o.name) AS name,
               coalesce({_col(cols, "product")}, o.product) AS product,
               coalesce({_col(cols, "deal_type")}, o.deal_type) AS deal_type,
               coalesce({_col(cols, "created_on")}, CAST(o.created_on AS VARCHAR), '{day}') AS created_on,
               coalesce({_col(cols, "currency")}, o.currency, '{rc}') AS currency,
               coalesce({_col(cols, "pipeline")}, o.pipeline, 'default') AS pipeline
        FROM _snap_raw s LEFT JOIN opportunities o ON o.opportunity_id = {s_id}""",
        raw.display,
    )
    header.decimal_comma = raw.decimal_comma
    hist = derived_source(
        con,
        "_snap_hist",
        f"""
        SELECT s._row, s._file, {s_id} AS opportunity_id, '{day} 00:00:00' AS changed_at,
               {_col(cols, "stage")} AS stage, {_col(cols, "amount")} AS amount,
               {_col(cols, "close_date")} AS close_date,
               {_col(cols, "forecast_category")} AS forecast_category, {_col(cols, "owner_id")} AS owner_id
        FROM _snap_raw s LEFT JOIN _snap_prev p ON p.opportunity_id = {s_id}
        WHERE p.opportunity_id IS NULL
           OR p.stage IS DISTINCT FROM {_col(cols, "stage")}
           OR p.amount IS DISTINCT FROM TRY_CAST({amount} AS DECIMAL(18,2))
           OR p.close_date IS DISTINCT FROM TRY_CAST({_col(cols, "close_date")} AS DATE)
           OR p.forecast_category IS DISTINCT FROM {_col(cols, "forecast_category")}
           OR p.owner_id IS DISTINCT FROM {_col(cols, "owner_id")}
        UNION ALL
        SELECT NULL, '{raw.display}', p.opportunity_id, '{day} 00:00:00',
               (SELECT stage FROM stages st WHERE st.pipeline = p.pipeline AND st.is_closed
                AND NOT st.is_won ORDER BY ordinal LIMIT 1),
               CAST(p.amount AS VARCHAR), '{day}', 'omitted', p.owner_id
        FROM _snap_prev p WHERE NOT p.is_closed
          AND p.opportunity_id NOT IN (SELECT {s_id} FROM _snap_raw s WHERE {s_id} IS NOT NULL)""",
        raw.display,
    )
    hist.decimal_comma = raw.decimal_comma
    staged = [stage_source(header, "opportunities"), stage_source(hist, "opportunity_history")]
    counts = con.execute(
        "SELECT count(*), coalesce(count_if(_row IS NULL), 0) FROM _snap_hist"
    ).fetchall()[0]
    new = con.execute(
        "SELECT count(*) FROM _snap_opps WHERE opportunity_id NOT IN "
        "(SELECT opportunity_id FROM opportunities)"
    ).fetchall()[0][0]
    report = {
        "as_of": day,
        "open_in_file": con.execute("SELECT count(*) FROM _snap_raw").fetchall()[0][0],
        "new_opportunities": new,
        "changed_or_new_rows": counts[0] - counts[1],
        "disappeared_closed_lost": counts[1],
    }
    if unknown:
        report["ignored_columns"] = unknown
    return Prepared(
        staged,
        [paths[0]],
        report,
        message=f"as_of={day}",
        cleanup=[lambda: drop_temps(con, ["_snap_raw", "_snap_prev", "_snap_opps", "_snap_hist"])],
    )
