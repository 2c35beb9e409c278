"""The ``hubspot`` preset: a HubSpot deals export (one CSV or ``.xlsx``, one row per deal).

Columns as HubSpot's "Export deals" writes them: ``Record ID``, ``Deal Name``, ``Pipeline``,
``Deal Stage``, ``Amount``, ``Close Date``, ``Create Date``, ``Deal owner`` (required:
``Record ID``, ``Pipeline``, ``Deal Stage``, ``Create Date``, ``Deal owner``), optionally
``Associated Company``, ``Deal Type``, ``Currency`` and HubSpot's stage-history columns
``Date entered "<Stage> (<Pipeline>)"``.

Mapping:

- people: each ``Deal owner`` not yet in the store becomes a person (ID and name = the owner
  as exported, role ``AM`` — the export carries no roles; import ``people.csv`` natively first
  to set them) assigned to one company unit ``hubspot``. Owners already in the store are kept.
- accounts: each ``Associated Company`` not yet in the store (ID and name = the company).
- stages, per ``Pipeline``: ``Closed Won`` / ``Closed Lost`` (any case) are closed (won / not
  won); open stages are ordered as their ``Date entered`` columns appear in the file (stages
  without one after them, by name). Default probabilities are HubSpot's defaults for its
  default sales pipeline (appointment scheduled 20 %, qualified to buy 40 %, presentation
  scheduled 60 %, decision maker bought-in 80 %, contract sent 90 %, closed won 100 %, closed
  lost 0 %; HubSpot Knowledge Base, "Set up and customize your deal pipelines and deal stages");
  other open stages get ``ordinal / (open stages + 1)``, a linear placeholder.
- history: one row per non-empty ``Date entered`` cell of the deal's pipeline (stage = that
  stage) plus, if the current stage has no such cell, one row for the current stage at the
  ``Close Date`` (closed deals) or the ``Create Date`` (open deals). **Amounts are the current
  amount on every row** (the export has no amount history); close dates are set on closed rows
  and on the latest row of open deals.
"""

from __future__ import annotations

import re
from pathlib import Path

from salesorg.errors import ConfigError, InputError, Problem
from salesorg.ingest.load import Options, Prepared
from salesorg.ingest.presets.native import stage_source
from salesorg.ingest.readers import Source, derived_source, drop_temps, load_raw
from salesorg.store import Store

__all__ = ["prepare"]

REQUIRED = ("Record ID", "Pipeline", "Deal Stage", "Create Date", "Deal owner")
ENTERED = re.compile(r'^Date entered "(.+) \((.+)\)"$')
DEFAULT_PROBABILITY = {
    "appointment scheduled": 0.2,
    "qualified to buy": 0.4,
    "presentation scheduled": 0.6,
    "decision maker bought-in": 0.8,
    "contract sent": 0.9,
    "closed won": 1.0,
    "closed lost": 0.0,
}


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _c(src: Source, col: str) -> str:
    return (
        "nullif(trim(d." + '"' + col.replace('"', '""') + '"' + "), '')"
        if col in src.columns
        else "NULL"
    )


def prepare(store: Store, paths: list[Path], options: Options) -> Prepared:
    if len(paths) != 1 or paths[0].is_dir():
        raise ConfigError("the hubspot preset takes one deals export file")
    con = store.con
    d = load_raw(con, paths[0], "_hs_raw", encoding=options.encoding)
    if d.problems:
        raise InputError(d.problems)
    missing = [c for c in REQUIRED if c not in d.columns]
    if missing:
        raise InputError(
            [Problem(d.display, 1, c, None, "missing required column") for c in missing]
        )
    entered = [(c, *ENTERED.match(c).groups()) for c in d.columns if ENTERED.match(c)]  # type: ignore[union-attr]
    rc = store.reporting_currency
    owner, stage, pipe = _c(d, "Deal owner"), _c(d, "Deal Stage"), _c(d, "Pipeline")
    closed = f"lower({stage}) IN ('closed won', 'closed lost')"
    sources: dict[str, Source] = {}
    sources["units"] = derived_source(
        con,
        "_hs_units",
        f"""
        SELECT 1 AS _row, {_q(d.display)} AS _file, 'hubspot' AS unit_id, 'HubSpot portal' AS name,
               'company' AS kind, NULL AS parent_unit_id
        WHERE NOT EXISTS (SELECT 1 FROM units WHERE unit_id = 'hubspot')""",
        d.display,
    )
    sources["people"] = derived_source(
        con,
        "_hs_people",
        f"""
        SELECT min(_row) AS _row, any_value(_file) AS _file, {owner} AS person_id, {owner} AS name, 'AM' AS role
        FROM _hs_raw d WHERE {owner} IS NOT NULL AND {owner} NOT IN (SELECT person_id FROM people)
        GROUP BY {owner}""",
        d.display,
    )
    sources["assignments"] = derived_source(
        con,
        "_hs_assign",
        """
        SELECT _row, _file, person_id, 'hubspot' AS unit_id,
               (SELECT CAST(min(TRY_CAST(nullif(trim("Create Date"), '') AS DATE)) AS VARCHAR) FROM _hs_raw)
                   AS valid_from
        FROM _hs_people""",
        d.display,
    )
    if "Associated Company" in d.columns:
        comp = _c(d, "Associated Company")
        sources["accounts"] = derived_source(
            con,
            "_hs_accounts",
            f"""
            SELECT min(_row) AS _row, any_value(_file) AS _file, {comp} AS account_id, {comp} AS name
            FROM _hs_raw d WHERE {comp} IS NOT NULL AND {comp} NOT IN (SELECT account_id FROM accounts)
            GROUP BY {comp}""",
            d.display,
        )
    order = {(p, s): i for i, (_, s, p) in enumerate(entered)}
    seen = con.execute(
        f"SELECT DISTINCT {pipe}, {stage} FROM _hs_raw d WHERE {stage} IS NOT NULL"
    ).fetchall()
    seen += [(p, s) for _, s, p in entered if (p, s) not in seen]
    rows = []
    for pipeline in sorted({p for p, _ in seen if p}):
        names = [s for p, s in seen if p == pipeline]
        is_closed = {s: s.lower() in ("closed won", "closed lost") for s in names}
        open_ = sorted(
            (s for s in names if not is_closed[s]), key=lambda s: (order.get((pipeline, s), 1e9), s)
        )
        shut = sorted(s for s in names if is_closed[s])
        for i, s in enumerate([*open_, *shut], start=1):
            prob = DEFAULT_PROBABILITY.get(s.lower(), i / (len(open_) + 1))
            rows.append(
                f"({_q(pipeline)}, {_q(s)}, '{i}', '{str(is_closed[s]).lower()}', "
                f"'{str(s.lower() == 'closed won').lower()}', '{prob}')"
            )
    sources["stages"] = derived_source(
        con,
        "_hs_stages",
        f"""
        SELECT 1 AS _row, {_q(d.display)} AS _file, * FROM (VALUES {", ".join(rows) or "(NULL, NULL, NULL, NULL, NULL, NULL)"})
            v(pipeline, stage, ordinal, is_closed, is_won, default_probability)""",
        d.display,
    )
    sources["opportunities"] = derived_source(
        con,
        "_hs_opps",
        f"""
        SELECT d._row, d._file, {_c(d, "Record ID")} AS opportunity_id, {_c(d, "Associated Company")} AS account_id,
               {owner} AS owner_id, {_c(d, "Deal Name")} AS name, {_c(d, "Deal Type")} AS deal_type,
               CAST(TRY_CAST({_c(d, "Create Date")} AS DATE) AS VARCHAR) AS created_on,
               coalesce({_c(d, "Currency")}, {_q(rc)}) AS currency, {pipe} AS pipeline
        FROM _hs_raw d""",
        d.display,
    )
    parts = [
        f"""SELECT d._row, d._file, {_c(d, "Record ID")} AS opportunity_id, {_c(d, col)} AS changed_at,
                   {_q(s)} AS stage, {_c(d, "Amount")} AS amount
            FROM _hs_raw d WHERE {_c(d, col)} IS NOT NULL AND {pipe} = {_q(p)}"""
        for col, s, p in entered
    ]
    has_cur = (
        " OR ".join(
            f"({stage} = {_q(s)} AND {pipe} = {_q(p)} AND {_c(d, col)} IS NOT NULL)"
            for col, s, p in entered
        )
        or "false"
    )
    parts.append(f"""
        SELECT d._row, d._file, {_c(d, "Record ID")}, CASE WHEN {closed} THEN coalesce({_c(d, "Close Date")},
               {_c(d, "Create Date")}) ELSE {_c(d, "Create Date")} END, {stage}, {_c(d, "Amount")}
        FROM _hs_raw d WHERE NOT ({has_cur})""")
    sources["opportunity_history"] = derived_source(
        con,
        "_hs_history",
        f"""
        WITH ev AS ({" UNION ALL ".join(parts)}),
        ranked AS (
            SELECT ev.*, row_number() OVER (PARTITION BY ev.opportunity_id
                                            ORDER BY TRY_CAST(ev.changed_at AS TIMESTAMP) DESC) AS rk
            FROM ev)
        SELECT r._row, r._file, r.opportunity_id, r.changed_at, r.stage, coalesce(r.amount, '0') AS amount,
               CASE WHEN lower(r.stage) IN ('closed won', 'closed lost') OR r.rk = 1 THEN {_c(d, "Close Date")} END
                   AS close_date
        FROM ranked r JOIN _hs_raw d ON d._row = r._row
        ORDER BY r.opportunity_id, TRY_CAST(r.changed_at AS TIMESTAMP)""",
        d.display,
    )
    staged = [stage_source(src, t) for t, src in sources.items()]
    labels = {
        "opportunity_id": "Record ID",
        "owner_id": "Deal owner",
        "created_on": "Create Date",
        "amount": "Amount",
        "close_date": "Close Date",
        "stage": "Deal Stage",
        "changed_at": "Date entered / Create Date",
    }
    for st in staged:
        st.labels.update({k: v for k, v in labels.items() if k in st.labels})
    counts = con.execute("""SELECT (SELECT count(*) FROM _hs_raw), (SELECT count(*) FROM _hs_people),
                                   (SELECT count(*) FROM _hs_history)""").fetchall()[0]
    report = {
        "deals": counts[0],
        "new_owners_as_AM": counts[1],
        "history_rows": counts[2],
        "stage_history_columns": len(entered),
        "amount_history": "current amount on every row",
    }
    temps = ["_hs_raw", *(s.from_sql for s in sources.values())]
    return Prepared(staged, [paths[0]], report, cleanup=[lambda: drop_temps(con, temps)])
