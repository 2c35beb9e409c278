"""The ``maven-crm`` preset: Maven Analytics' public "CRM Sales Opportunities" sample as it is.

Input: the folder (or its files) ``sales_pipeline.csv``, ``sales_teams.csv``, ``accounts.csv``,
``products.csv`` (``data_dictionary.csv`` is ignored). See the dataset's README for its quirks.

Mapping (every choice is reported with counts in the import summary):

- people: each ``sales_agent`` → role ``AM``; each ``manager`` → role ``SM``; IDs are the names
  (the export has no other ID). Agents with no deals (five) are kept.
- units: one company unit ``maven``; each ``regional_office`` → a ``region`` unit; each manager
  → a ``team`` unit ``team:<manager>`` under their region. Assignments run from 2016-10-01
  (the month before the first engage date) with no end: agents report to their manager in the
  manager's team; managers sit in their region.
- accounts: ``account`` is the ID and name; ``sector`` → industry with ``technolgy`` fixed to
  ``technology``; ``office_location`` → country with ``Philipines`` fixed to ``Philippines``.
- stages (pipeline ``default``): Prospecting (1), Engaging (2), Won (3, closed, won), Lost (4,
  closed). Default probabilities of the two open stages are the dataset's own win rate on closed
  deals (won / (won + lost)), since nothing finer is known.
- opportunities: ``GTXPro`` → ``GTX Pro``; blank ``account`` stays empty (open deals only);
  currency USD (``settings.reporting_currency`` is set to USD). ``created_on`` is the
  ``engage_date``; **Prospecting deals have no date at all, so they are dated at the last date
  in the dataset (the latest engage or close date, 2017-12-31)**: the first moment they are known
  to exist. They therefore appear only in states as of that date.
- history: one ``Engaging`` row at ``engage_date`` 00:00 and, for closed deals, one ``Won`` or
  ``Lost`` row at ``close_date`` 00:00 (close date = that date); Prospecting deals get one row
  at their assumed date. Amounts: a Won row carries ``close_value``; every other row (open
  deals and **Lost deals, whose close_value is 0 in the export**) carries the product's list
  price (``products.sales_price``), the only value the data offers for a deal not won. Won
  amounts therefore match the export exactly; lost and open amounts are list-price estimates.
"""

from __future__ import annotations

from pathlib import Path

from salesorg.errors import InputError, Problem
from salesorg.ingest.load import Options, Prepared
from salesorg.ingest.presets.native import stage_source
from salesorg.ingest.readers import derived_source, drop_temps, load_raw
from salesorg.store import Store

__all__ = ["prepare"]

FILES = ("sales_pipeline.csv", "sales_teams.csv", "accounts.csv", "products.csv")
START = "2016-10-01"


def _find(paths: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in paths:
        for f in sorted(p.iterdir()) if p.is_dir() else [p]:
            if f.name in FILES:
                found[f.name] = f
    return found


def prepare(store: Store, paths: list[Path], options: Options) -> Prepared:
    con = store.con
    found = _find(paths)
    missing = [f for f in FILES if f not in found]
    if missing:
        where = ", ".join(str(p) for p in paths)
        raise InputError(
            [
                Problem(
                    m,
                    None,
                    None,
                    None,
                    f"missing from {where} — the maven-crm preset needs " + ", ".join(FILES),
                )
                for m in missing
            ]
        )
    raw = {
        f: load_raw(con, found[f], f"_mvraw_{f.split('.')[0]}", encoding=options.encoding)
        for f in FILES
    }
    problems = [p for s in raw.values() for p in s.problems]
    if problems:
        raise InputError(problems)
    need = {
        "sales_pipeline.csv": [
            "opportunity_id",
            "sales_agent",
            "product",
            "account",
            "deal_stage",
            "engage_date",
            "close_date",
            "close_value",
        ],
        "sales_teams.csv": ["sales_agent", "manager", "regional_office"],
        "accounts.csv": ["account", "sector", "revenue", "employees", "office_location"],
        "products.csv": ["product", "sales_price"],
    }
    for f, cols in need.items():
        problems += [
            Problem(f, 1, c, None, "missing required column")
            for c in cols
            if c not in raw[f].columns
        ]
    if problems:
        raise InputError(problems)

    pipe = "_mvraw_sales_pipeline"
    product = "CASE trim(p.product) WHEN 'GTXPro' THEN 'GTX Pro' ELSE trim(p.product) END"
    last_day = (
        f"(SELECT CAST(max(greatest(TRY_CAST(engage_date AS DATE), coalesce(TRY_CAST(close_date AS DATE), "
        f"DATE '1900-01-01'))) AS VARCHAR) FROM {pipe})"
    )
    teams = "_mvraw_sales_teams"
    sources = {}
    sources["people"] = derived_source(
        con,
        "_mv_people",
        f"""
        SELECT min(_row) AS _row, '{raw["sales_teams.csv"].display}' AS _file, trim(sales_agent) AS person_id,
               trim(sales_agent) AS name, 'AM' AS role FROM {teams} GROUP BY trim(sales_agent)
        UNION ALL
        SELECT min(_row), '{raw["sales_teams.csv"].display}', trim(manager), trim(manager), 'SM'
        FROM {teams} GROUP BY trim(manager)""",
        "sales_teams.csv",
    )
    sources["units"] = derived_source(
        con,
        "_mv_units",
        f"""
        SELECT 1 AS _row, 'sales_teams.csv' AS _file, 'maven' AS unit_id, 'MavenTech' AS name,
               'company' AS kind, NULL AS parent_unit_id
        UNION ALL
        SELECT min(_row), 'sales_teams.csv', 'region:' || trim(regional_office), trim(regional_office),
               'region', 'maven' FROM {teams} GROUP BY trim(regional_office)
        UNION ALL
        SELECT min(_row), 'sales_teams.csv', 'team:' || trim(manager), 'Team ' || trim(manager), 'team',
               'region:' || any_value(trim(regional_office)) FROM {teams} GROUP BY trim(manager)""",
        "sales_teams.csv",
    )
    sources["assignments"] = derived_source(
        con,
        "_mv_assignments",
        f"""
        SELECT _row, _file, trim(sales_agent) AS person_id, 'team:' || trim(manager) AS unit_id,
               trim(manager) AS manager_id, '{START}' AS valid_from FROM {teams}
        UNION ALL
        SELECT min(_row), 'sales_teams.csv', trim(manager), 'region:' || any_value(trim(regional_office)),
               NULL, '{START}' FROM {teams} GROUP BY trim(manager)""",
        "sales_teams.csv",
    )
    sources["accounts"] = derived_source(
        con,
        "_mv_accounts",
        """
        SELECT _row, _file, trim(account) AS account_id, trim(account) AS name,
               CASE trim(sector) WHEN 'technolgy' THEN 'technology' ELSE trim(sector) END AS industry,
               CASE trim(office_location) WHEN 'Philipines' THEN 'Philippines' ELSE trim(office_location) END
                   AS country,
               employees, revenue FROM _mvraw_accounts""",
        "accounts.csv",
    )
    sources["stages"] = derived_source(
        con,
        "_mv_stages",
        f"""
        WITH wr AS (SELECT CAST(count_if(deal_stage = 'Won') / nullif(count_if(deal_stage IN ('Won', 'Lost')), 0)
                    AS VARCHAR) AS p FROM {pipe})
        SELECT 1 AS _row, 'sales_pipeline.csv' AS _file, * FROM (VALUES
            ('Prospecting', '1', 'false', 'false'), ('Engaging', '2', 'false', 'false'),
            ('Won', '3', 'true', 'true'), ('Lost', '4', 'true', 'false')) v(stage, ordinal, is_closed, is_won),
        LATERAL (SELECT CASE WHEN v.is_won = 'true' THEN '1' WHEN v.is_closed = 'true' THEN '0' ELSE wr.p END
                 AS default_probability FROM wr)""",
        "sales_pipeline.csv",
    )
    sources["opportunities"] = derived_source(
        con,
        "_mv_opps",
        f"""
        SELECT p._row, p._file, trim(p.opportunity_id) AS opportunity_id, nullif(trim(p.account), '') AS account_id,
               trim(p.sales_agent) AS owner_id, {product} AS product,
               coalesce(nullif(trim(p.engage_date), ''), {last_day}) AS created_on, 'USD' AS currency
        FROM {pipe} p""",
        "sales_pipeline.csv",
    )
    price = "(SELECT sales_price FROM _mvraw_products pr WHERE trim(pr.product) = " + product + ")"
    sources["opportunity_history"] = derived_source(
        con,
        "_mv_history",
        f"""
        SELECT p._row, p._file, trim(p.opportunity_id) AS opportunity_id,
               coalesce(nullif(trim(p.engage_date), ''), {last_day}) AS changed_at,
               CASE WHEN nullif(trim(p.engage_date), '') IS NULL THEN 'Prospecting' ELSE 'Engaging' END AS stage,
               {price} AS amount, NULL AS close_date, 'pipeline' AS forecast_category
        FROM {pipe} p
        UNION ALL
        SELECT p._row, p._file, trim(p.opportunity_id), trim(p.close_date), trim(p.deal_stage),
               CASE WHEN trim(p.deal_stage) = 'Won' THEN p.close_value ELSE {price} END,
               trim(p.close_date), CASE WHEN trim(p.deal_stage) = 'Won' THEN 'closed' ELSE 'omitted' END
        FROM {pipe} p WHERE nullif(trim(p.close_date), '') IS NOT NULL
        ORDER BY 1, 4""",
        "sales_pipeline.csv",
    )
    staged = [stage_source(src, t) for t, src in sources.items()]
    labels = {
        "opportunities": {
            "created_on": "engage_date",
            "owner_id": "sales_agent",
            "account_id": "account",
        },
        "opportunity_history": {
            "changed_at": "engage_date/close_date",
            "amount": "close_value",
            "stage": "deal_stage",
        },
    }
    for st in staged:
        st.labels.update(labels.get(st.table, {}))
    report = _report(con, pipe)
    temps = [s.from_sql for s in [*raw.values(), *sources.values()]]
    return Prepared(
        staged,
        [found[f] for f in FILES],
        report,
        settings={"reporting_currency": "USD"},
        cleanup=[lambda: drop_temps(con, temps)],
    )


def _report(con, pipe: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    r = con.execute(f"""
        SELECT count(*), count_if(trim(product) = 'GTXPro'), count_if(nullif(trim(account), '') IS NULL),
               count_if(nullif(trim(engage_date), '') IS NULL), count_if(trim(deal_stage) = 'Lost'),
               count_if(nullif(trim(close_date), '') IS NULL)
        FROM {pipe}""").fetchall()[0]
    t = con.execute("""SELECT count(DISTINCT trim(sales_agent)), count(DISTINCT trim(manager)),
                              count(DISTINCT trim(regional_office)) FROM _mvraw_sales_teams""").fetchall()[
        0
    ]
    idle = con.execute(f"""SELECT count(DISTINCT trim(sales_agent)) FROM _mvraw_sales_teams
                           WHERE trim(sales_agent) NOT IN (SELECT trim(sales_agent) FROM {pipe})""").fetchall()[
        0
    ][0]
    a = con.execute("""SELECT count(*), count_if(trim(sector) = 'technolgy'),
                              count_if(trim(office_location) = 'Philipines') FROM _mvraw_accounts""").fetchall()[
        0
    ]
    return {
        "deals": r[0],
        "agents_as_AM": t[0],
        "agents_without_deals": idle,
        "managers_as_SM": t[1],
        "regions": t[2],
        "accounts": a[0],
        "sector_typo_fixed": a[1],
        "country_typo_fixed": a[2],
        "product_GTXPro_renamed": r[1],
        "open_deals_without_account": r[2],
        "prospecting_dated_at_last_date": r[3],
        "lost_valued_at_list_price": r[4],
        "open_valued_at_list_price": r[5],
    }
