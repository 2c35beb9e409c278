"""The ``salesforce`` preset: a folder as Salesforce's Data Export or Data Loader writes it.

Files (standard API field names as headers; IDs of 15 or 18 characters are kept as given;
datetimes in UTC such as ``2026-06-03T12:00:00.000Z`` are stored as UTC wall time):

========================== ======== ===================================================
file                       needed   becomes
========================== ======== ===================================================
``User.csv``               yes      people (``Id``, ``Name``, ``Email``; role = the
                                    user's ``UserRole`` name, else ``Title``, else AM) and
                                    assignments (``ManagerId`` → manager, from the user's
                                    ``CreatedDate``)
``Opportunity.csv``        yes      opportunities (``Id``, ``AccountId``, ``OwnerId``,
                                    ``Name``, ``Type`` → deal_type, ``CreatedDate`` →
                                    created_on, ``CurrencyIsoCode`` or the reporting
                                    currency); ``IsDeleted`` = true rows are dropped
``OpportunityHistory.csv`` yes      history: each row is the state after a change of stage,
                                    amount, probability or close date (Salesforce's own
                                    meaning), ``CreatedDate`` → changed_at,
                                    ``ForecastCategory`` → forecast_category
``UserRole.csv``           no       units: the role hierarchy (top role → company, roles
                                    with children → region, leaves → team); users sit in
                                    their role's unit. Without it: one company unit ``sf``
``Account.csv``            no       accounts (``Industry``, ``BillingCountry``,
                                    ``NumberOfEmployees``, ``AnnualRevenue`` / 1e6)
``OpportunityStage.csv``   no       stages (``MasterLabel``, ``SortOrder``, ``IsClosed``,
                                    ``IsWon``, ``DefaultProbability`` / 100); without it the
                                    stages are derived from the stage names seen
                                    (``Closed Won``/``Closed Lost`` closed; ordinal and
                                    probability from the mean ``Probability``)
``OpportunityFieldHistory`` no      owner changes (``Field`` = ``Owner`` with user IDs;
                                    the duplicate rows with names are skipped): each
                                    becomes a history row with the state then in force and
                                    the new owner; every history row carries the owner in
                                    force at its time
========================== ======== ===================================================

An empty ``Amount`` (common in early stages) is stored as 0 and counted in the report; an
opportunity without any history row gets one row from its header at ``CreatedDate``.
"""

from __future__ import annotations

from pathlib import Path

from salesorg.errors import InputError, Problem
from salesorg.ingest.load import Options, Prepared
from salesorg.ingest.presets.native import stage_source
from salesorg.ingest.readers import Source, derived_source, drop_temps, load_raw
from salesorg.store import Store

__all__ = ["prepare"]

NEEDED = {
    "User.csv": ("Id", "Name"),
    "Opportunity.csv": ("Id", "OwnerId", "StageName", "CreatedDate"),
    "OpportunityHistory.csv": ("OpportunityId", "CreatedDate", "StageName"),
}
OPTIONAL = ("UserRole.csv", "Account.csv", "OpportunityStage.csv", "OpportunityFieldHistory.csv")
FORECAST = (
    "CASE lower(replace({x}, ' ', '')) WHEN 'pipeline' THEN 'pipeline' WHEN 'bestcase' THEN 'best_case' "
    "WHEN 'commit' THEN 'commit' WHEN 'closed' THEN 'closed' WHEN 'omitted' THEN 'omitted' END"
)


def _c(src: Source, col: str, alias: str = "") -> str:
    """A column as trimmed text, or NULL if the file lacks it."""
    p = f"{alias}." if alias else ""
    return f"nullif(trim({p}\"{col}\"), '')" if col in src.columns else "NULL"


def _is_true(expr: str) -> str:
    return f"(lower(coalesce({expr}, 'false')) IN ('true', '1', 'yes'))"


def prepare(store: Store, paths: list[Path], options: Options) -> Prepared:
    con = store.con
    found: dict[str, Path] = {}
    for p in paths:
        for f in sorted(p.iterdir()) if p.is_dir() else [p]:
            found[f.name] = f
    problems = [
        Problem(f, None, None, None, "missing — the salesforce preset needs it")
        for f in NEEDED
        if f not in found
    ]
    if problems:
        raise InputError(problems)
    names = [f for f in (*NEEDED, *OPTIONAL) if f in found]
    raw = {
        f: load_raw(con, found[f], "_sfraw_" + f.split(".")[0].lower(), encoding=options.encoding)
        for f in names
    }
    problems = [p for s in raw.values() for p in s.problems]
    for f, cols in NEEDED.items():
        problems += [
            Problem(f, 1, c, None, "missing required column")
            for c in cols
            if c not in raw[f].columns
        ]
    if problems:
        raise InputError(problems)
    u, o, h = raw["User.csv"], raw["Opportunity.csv"], raw["OpportunityHistory.csv"]
    role = raw.get("UserRole.csv")
    rc = store.reporting_currency
    sources: dict[str, Source] = {}

    role_name = "NULL"
    role_join = ""
    if role is not None:
        role_join = f'LEFT JOIN {role.from_sql} r ON trim(r."Id") = {_c(u, "UserRoleId", "u")}'
        role_name = "nullif(trim(r.\"Name\"), '')"
    sources["people"] = derived_source(
        con,
        "_sf_people",
        f"""
        SELECT u._row, u._file, trim(u."Id") AS person_id, trim(u."Name") AS name,
               {_c(u, "Email", "u")} AS email,
               coalesce({role_name}, {_c(u, "Title", "u")}, 'AM') AS role
        FROM {u.from_sql} u {role_join}""",
        u.display,
    )
    if role is not None:
        sources["units"] = derived_source(
            con,
            "_sf_units",
            f"""
            SELECT r._row, r._file, trim(r."Id") AS unit_id, trim(r."Name") AS name,
                   CASE WHEN {_c(role, "ParentRoleId", "r")} IS NULL THEN 'company'
                        WHEN EXISTS (SELECT 1 FROM {role.from_sql} c WHERE trim(c."ParentRoleId") = trim(r."Id"))
                        THEN 'region' ELSE 'team' END AS kind,
                   {_c(role, "ParentRoleId", "r")} AS parent_unit_id
            FROM {role.from_sql} r""",
            role.display,
        )
        unit = f'coalesce({_c(u, "UserRoleId", "u")}, (SELECT trim("Id") FROM {role.from_sql} WHERE nullif(trim("ParentRoleId"), \'\') IS NULL LIMIT 1))'
    else:
        sources["units"] = derived_source(
            con,
            "_sf_units",
            f"""
            SELECT 1 AS _row, '{u.display}' AS _file, 'sf' AS unit_id, 'Salesforce org' AS name,
                   'company' AS kind, NULL AS parent_unit_id""",
            u.display,
        )
        unit = "'sf'"
    created = _c(u, "CreatedDate", "u")
    sources["assignments"] = derived_source(
        con,
        "_sf_assign",
        f"""
        SELECT u._row, u._file, trim(u."Id") AS person_id, {unit} AS unit_id,
               {_c(u, "ManagerId", "u")} AS manager_id,
               coalesce(CAST(TRY_CAST({created} AS DATE) AS VARCHAR), '2000-01-01') AS valid_from
        FROM {u.from_sql} u""",
        u.display,
    )
    if "Account.csv" in raw:
        a = raw["Account.csv"]
        sources["accounts"] = derived_source(
            con,
            "_sf_accounts",
            f"""
            SELECT a._row, a._file, trim(a."Id") AS account_id, trim(a."Name") AS name,
                   {_c(a, "Industry", "a")} AS industry, {_c(a, "BillingCountry", "a")} AS country,
                   {_c(a, "NumberOfEmployees", "a")} AS employees,
                   CAST(TRY_CAST({_c(a, "AnnualRevenue", "a")} AS DOUBLE) / 1e6 AS VARCHAR) AS revenue
            FROM {a.from_sql} a""",
            a.display,
        )
    live_o = f"{o.from_sql} o WHERE NOT {_is_true(_c(o, 'IsDeleted', 'o'))}"
    live_h = f"{h.from_sql} h WHERE NOT {_is_true(_c(h, 'IsDeleted', 'h'))}"
    if "OpportunityStage.csv" in raw:
        s = raw["OpportunityStage.csv"]
        sources["stages"] = derived_source(
            con,
            "_sf_stages",
            f"""
            SELECT s._row, s._file, trim(s."MasterLabel") AS stage, {_c(s, "SortOrder", "s")} AS ordinal,
                   lower({_c(s, "IsClosed", "s")}) AS is_closed, lower({_c(s, "IsWon", "s")}) AS is_won,
                   CAST(TRY_CAST({_c(s, "DefaultProbability", "s")} AS DOUBLE) / 100 AS VARCHAR)
                       AS default_probability
            FROM {s.from_sql} s""",
            s.display,
        )
    else:
        sources["stages"] = derived_source(
            con,
            "_sf_stages",
            f"""
            WITH seen AS (
                SELECT trim("StageName") AS stage, avg(TRY_CAST({_c(h, "Probability")} AS DOUBLE)) AS p, min(_row) AS _row
                FROM {live_h} GROUP BY 1)
            SELECT _row, '{h.display}' AS _file, stage,
                   CAST(row_number() OVER (ORDER BY stage IN ('Closed Won', 'Closed Lost'), coalesce(p, 0), stage) AS VARCHAR) AS ordinal,
                   CAST(stage IN ('Closed Won', 'Closed Lost') AS VARCHAR) AS is_closed,
                   CAST(stage = 'Closed Won' AS VARCHAR) AS is_won,
                   CAST(coalesce(p, 0) / 100 AS VARCHAR) AS default_probability
            FROM seen""",
            h.display,
        )
    cur = _c(o, "CurrencyIsoCode", "o")
    sources["opportunities"] = derived_source(
        con,
        "_sf_opps",
        f"""
        SELECT o._row, o._file, trim(o."Id") AS opportunity_id, {_c(o, "AccountId", "o")} AS account_id,
               trim(o."OwnerId") AS owner_id, {_c(o, "Name", "o")} AS name, {_c(o, "Type", "o")} AS deal_type,
               CAST(TRY_CAST(trim(o."CreatedDate") AS DATE) AS VARCHAR) AS created_on,
               coalesce({cur}, '{rc}') AS currency
        FROM {live_o}""",
        o.display,
    )
    # owner changes: rows whose values are user IDs (Salesforce writes a second row with names)
    fh = raw.get("OpportunityFieldHistory.csv")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _sf_owner (_row BIGINT, _file VARCHAR, opportunity_id VARCHAR, "
        "ts TIMESTAMP, old_owner VARCHAR, new_owner VARCHAR)"
    )
    if fh is not None:
        con.execute(f"""
            INSERT INTO _sf_owner SELECT _row, _file, trim("OpportunityId"), TRY_CAST(trim("CreatedDate") AS TIMESTAMP),
                   trim("OldValue"), trim("NewValue")
            FROM {fh.from_sql} WHERE trim("Field") IN ('Owner', 'OwnerId')
              AND trim("NewValue") IN (SELECT trim("Id") FROM {u.from_sql})""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _sf_events AS
        SELECT h._row, h._file, trim(h."OpportunityId") AS opportunity_id, trim(h."CreatedDate") AS changed_at_text,
               TRY_CAST(trim(h."CreatedDate") AS TIMESTAMP) AS ts, trim(h."StageName") AS stage,
               coalesce({_c(h, "Amount", "h")}, '0') AS amount, {_c(h, "Amount", "h")} IS NULL AS amount_missing,
               {_c(h, "CloseDate", "h")} AS close_date, {FORECAST.format(x=_c(h, "ForecastCategory", "h"))} AS fc
        FROM {live_h}
        UNION ALL  -- opportunities with no history: one row from the header
        SELECT o._row, o._file, trim(o."Id"), trim(o."CreatedDate"), TRY_CAST(trim(o."CreatedDate") AS TIMESTAMP),
               trim(o."StageName"), coalesce({_c(o, "Amount", "o")}, '0'), {_c(o, "Amount", "o")} IS NULL,
               {_c(o, "CloseDate", "o")}, {FORECAST.format(x=_c(o, "ForecastCategoryName", "o"))}
        FROM {live_o} AND trim(o."Id") NOT IN (SELECT trim("OpportunityId") FROM {h.from_sql})""")
    sources["opportunity_history"] = derived_source(
        con,
        "_sf_history",
        """
        WITH ev AS (
            SELECT _row, _file, opportunity_id, changed_at_text, ts, stage, amount, close_date, fc FROM _sf_events
            UNION ALL
            SELECT w._row, w._file, w.opportunity_id, CAST(w.ts AS VARCHAR), w.ts, e.stage, e.amount, e.close_date, e.fc
            FROM _sf_owner w ASOF JOIN _sf_events e ON e.opportunity_id = w.opportunity_id AND e.ts <= w.ts
            WHERE NOT EXISTS (SELECT 1 FROM _sf_events x WHERE x.opportunity_id = w.opportunity_id AND x.ts = w.ts))
        SELECT ev._row, ev._file, ev.opportunity_id, ev.changed_at_text AS changed_at, ev.stage, ev.amount,
               ev.close_date, ev.fc AS forecast_category,
               coalesce(
                   (SELECT arg_max(w.new_owner, w.ts) FROM _sf_owner w
                    WHERE w.opportunity_id = ev.opportunity_id AND w.ts <= ev.ts),
                   (SELECT arg_min(w.old_owner, w.ts) FROM _sf_owner w
                    WHERE w.opportunity_id = ev.opportunity_id AND w.ts > ev.ts)) AS owner_id
        FROM ev ORDER BY ev.opportunity_id, ev.ts""",
        h.display,
    )
    staged = [stage_source(src, t) for t, src in sources.items()]
    for st in staged:
        if st.table == "opportunity_history":
            st.labels.update(
                {
                    "changed_at": "CreatedDate",
                    "stage": "StageName",
                    "amount": "Amount",
                    "close_date": "CloseDate",
                    "opportunity_id": "OpportunityId",
                }
            )
        if st.table == "opportunities":
            st.labels.update(
                {
                    "opportunity_id": "Id",
                    "owner_id": "OwnerId",
                    "account_id": "AccountId",
                    "created_on": "CreatedDate",
                }
            )
    r = con.execute(
        """SELECT count_if(amount_missing), count(DISTINCT opportunity_id) FROM _sf_events"""
    ).fetchall()[0]
    deleted_o = con.execute(
        f"SELECT count_if({_is_true(_c(o, 'IsDeleted'))}) FROM {o.from_sql}"
    ).fetchall()[0][0]
    deleted_h = con.execute(
        f"SELECT count_if({_is_true(_c(h, 'IsDeleted'))}) FROM {h.from_sql}"
    ).fetchall()[0][0]
    no_hist = con.execute(
        f'SELECT count(*) FROM {live_o} AND trim(o."Id") NOT IN '
        f'(SELECT trim("OpportunityId") FROM {h.from_sql})'
    ).fetchall()[0][0]
    owner_changes = con.execute("SELECT count(*) FROM _sf_owner").fetchall()[0][0]
    report = {
        "users": con.execute(f"SELECT count(*) FROM {u.from_sql}").fetchall()[0][0],
        "opportunities_deleted_dropped": deleted_o,
        "history_deleted_dropped": deleted_h,
        "amount_missing_stored_as_0": r[0] or 0,
        "opportunities_without_history_given_one_row": no_hist,
        "owner_changes": owner_changes,
        "files": names,
    }
    temps = [s.from_sql for s in [*raw.values(), *sources.values()]] + ["_sf_owner", "_sf_events"]
    return Prepared(
        staged, [found[f] for f in names], report, cleanup=[lambda: drop_temps(con, temps)]
    )
