"""A large synthetic company in the native format, for benchmarks (not for tests).

``big_files(n)`` writes native CSV and Parquet files of a company with ``n`` opportunities and
about ``10 * n`` history rows into ``benchmarks/data/<n>/`` (git-ignored) once, and reuses them
afterwards; ``big_store(n)`` builds a DuckDB store from those files at
``benchmarks/data/<n>/store.duckdb`` (also cached) with the derived columns of
``opportunity_history`` (``valid_to`` and the header copies of schema 3) computed in the same
bulk ``INSERT ... SELECT``. ``$SALESORG_BENCH_DATA`` moves the folder (e.g. to build a store
under /tmp without touching a shared one).

Shape (deterministic, seed 20261123): one company, 8 regions, 120 teams of ~8 AMs (~1,000 AMs,
120 SMs, 8 directors, one GM); 6 stages (Qualify, Develop, Propose, Negotiate, Won, Lost);
opportunities created uniformly over 2023-01-01..2025-12-31; 6..14 history rows each (mean 10)
spaced by exponential gaps, stages that advance, amounts that drift, close dates that slip,
~10 % owner changes, ~85 % closed (a third of those won), 85 % EUR / 10 % USD / 5 % GBP with
monthly fx rates; yearly individual quotas. Numbers are generated with numpy in vectors and
formatted into IDs and files by DuckDB, so 1M/10M takes well under two minutes on two cores.

Run ``python -m benchmarks.bigdata [N]`` to build (or find) the files and the store.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

__all__ = ["DATA_DIR", "TABLE_FILES", "big_files", "big_store", "generate"]

DATA_DIR = Path(os.environ.get("SALESORG_BENCH_DATA") or Path(__file__).resolve().parent / "data")
SEED = 20261123

#: Tables written by :func:`big_files`, in import (dependency) order.
TABLE_FILES = (
    "people",
    "units",
    "assignments",
    "accounts",
    "stages",
    "fx_rates",
    "opportunities",
    "opportunity_history",
    "quotas",
)

N_REGIONS = 8
N_TEAMS = 120
AMS_PER_TEAM = 8  # 960 AMs (+ SMs, directors, GM ~ 1,089 people)
START = np.datetime64("2023-01-01T00:00:00", "s")
DAYS = 3 * 365
STAGES = [  # stage, ordinal, is_closed, is_won, probability, forecast category
    ("Qualify", 1, False, False, 0.10, "pipeline"),
    ("Develop", 2, False, False, 0.25, "pipeline"),
    ("Propose", 3, False, False, 0.50, "best_case"),
    ("Negotiate", 4, False, False, 0.75, "commit"),
    ("Won", 5, True, True, 1.00, "closed"),
    ("Lost", 6, True, False, 0.00, "omitted"),
]


def _org(con: duckdb.DuckDBPyConnection) -> None:
    """People, units, assignments, stages, accounts and fx rates (small tables) as DuckDB views."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE units AS
        SELECT 'U0' AS unit_id, 'BigCo' AS name, 'company' AS kind, NULL::VARCHAR AS parent_unit_id
        UNION ALL
        SELECT printf('R%02d', r), printf('Region %d', r), 'region', 'U0' FROM range(1, {N_REGIONS} + 1) t(r)
        UNION ALL
        SELECT printf('T%03d', t), printf('Team %d', t), 'team', printf('R%02d', 1 + (t - 1) % {N_REGIONS})
        FROM range(1, {N_TEAMS} + 1) s(t);

        CREATE OR REPLACE TABLE _p AS
        SELECT 'G0001' AS person_id, 'GM' AS role, 'U0' AS unit_id, NULL::VARCHAR AS manager_id
        UNION ALL
        SELECT printf('D%04d', r), 'Director', printf('R%02d', r), 'G0001' FROM range(1, {N_REGIONS} + 1) t(r)
        UNION ALL
        SELECT printf('S%04d', t), 'SM', printf('T%03d', t), printf('D%04d', 1 + (t - 1) % {N_REGIONS})
        FROM range(1, {N_TEAMS} + 1) s(t)
        UNION ALL
        SELECT printf('A%05d', a), 'AM', printf('T%03d', 1 + a // {AMS_PER_TEAM}),
               printf('S%04d', 1 + a // {AMS_PER_TEAM})
        FROM range(0, {N_TEAMS * AMS_PER_TEAM}) s(a);

        CREATE OR REPLACE TABLE people AS
        SELECT person_id, 'Person ' || person_id AS name,
               lower(person_id) || '@bigco.example' AS email, role,
               CAST(CASE role WHEN 'AM' THEN 120000 WHEN 'SM' THEN 180000 ELSE 250000 END
                    AS DECIMAL(18,2)) AS cost_per_year,
               'EUR' AS currency, DATE '2022-01-01' AS hired_on, NULL::DATE AS left_on,
               'DE' AS country
        FROM _p;

        CREATE OR REPLACE TABLE assignments AS
        SELECT person_id, unit_id, manager_id, DATE '2022-01-01' AS valid_from,
               NULL::DATE AS valid_to
        FROM _p;

        CREATE OR REPLACE TABLE accounts AS
        SELECT printf('C%06d', i) AS account_id, printf('Customer %d', i) AS name,
               (['software','retail','medical','finance','telecom'])[1 + i % 5] AS industry,
               (['DE','AT','CH','FR','US'])[1 + i % 5] AS country,
               (50 + (i * 7919) % 20000)::BIGINT AS employees,
               round(1 + ((i * 104729) % 5000) / 3.0, 2)::DOUBLE AS revenue
        FROM range(0, 20000) t(i);

        CREATE OR REPLACE TABLE fx_rates AS
        SELECT (DATE '2022-12-01' + INTERVAL (m) MONTH)::DATE AS date, c.currency,
               round(c.base * (1 + 0.03 * sin(m / 3.0)), 6)::DOUBLE AS rate
        FROM range(0, 40) t(m), (VALUES ('USD', 0.92), ('GBP', 1.16)) c(currency, base);
        """
    )
    con.execute(
        "CREATE OR REPLACE TABLE stages (pipeline VARCHAR, stage VARCHAR, ordinal INTEGER, "
        "is_closed BOOLEAN, is_won BOOLEAN, default_probability DOUBLE)"
    )
    con.executemany(
        "INSERT INTO stages VALUES ('default', ?, ?, ?, ?, ?)", [list(s[:5]) for s in STAGES]
    )


def _deals(n: int, rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """Numeric opportunity headers and history rows (IDs as integers; formatted later)."""
    n_am = N_TEAMS * AMS_PER_TEAM
    k = rng.integers(6, 15, size=n)  # history rows per opportunity, mean 10
    total = int(k.sum())
    opp = np.repeat(np.arange(n, dtype=np.int64), k)
    first = np.cumsum(k) - k
    pos = np.arange(total, dtype=np.int64) - np.repeat(first, k)  # 0..k-1 within the opp
    last = pos == np.repeat(k - 1, k)

    created_s = rng.integers(0, DAYS * 86400, size=n) // 60 * 60
    created_s = created_s - created_s % 86400 + 8 * 3600 + rng.integers(0, 10 * 3600, size=n)
    gaps = (rng.exponential(8 * 86400, size=total) + 60).astype(np.int64)
    gaps[first] = 0
    offs = np.cumsum(gaps)
    offs -= np.repeat(offs[first], k)  # per-opp running offset, 0 at the first row
    changed = np.repeat(created_s, k) + offs

    # stage: open rows advance through ordinals 1..4; the last row closes (won/lost) for ~85 %
    open_stage = 1 + np.minimum(3, (pos * 4) // np.maximum(1, np.repeat(k - 1, k)))
    closes = rng.random(n) < 0.85
    won = rng.random(n) < 0.33
    stage = open_stage.astype(np.int8)
    close_rows = last & np.repeat(closes, k)
    stage[close_rows] = np.where(np.repeat(won, k)[close_rows], 5, 6)

    # amount: a lognormal base per opp, drifting by +-10 % at about a third of the changes
    base = np.round(np.exp(rng.normal(10.0, 0.9, size=n)), -2)
    drift = np.where(rng.random(total) < 0.35, rng.normal(0, 0.1, size=total), 0.0)
    drift[first] = 0.0
    factor = np.exp(np.cumsum(drift) - np.repeat(np.cumsum(drift)[first], k))
    amount = np.round(np.repeat(base, k) * factor, 2)

    # close date: expected 60..150 days after creation, slipping by 30 days at 15 % of changes
    exp_close = created_s // 86400 + rng.integers(60, 150, size=n)
    slip = np.where(rng.random(total) < 0.15, 30, 0)
    slip[first] = 0
    slips = np.cumsum(slip) - np.repeat(np.cumsum(slip)[first], k)
    close_day = np.repeat(exp_close, k) + slips
    close_day = np.where(close_rows, changed // 86400, close_day)

    # owners: ~10 % of opps change hands at some row; history carries the old owner before it
    owner0 = rng.integers(0, n_am, size=n)
    moved = rng.random(n) < 0.10
    owner1 = np.where(moved, (owner0 + rng.integers(1, n_am, size=n)) % n_am, owner0)
    switch_at = rng.integers(1, k)  # row index where the new owner takes over
    before = pos < np.repeat(switch_at, k)
    hist_owner = np.where(np.repeat(moved, k) & before, np.repeat(owner0, k), -1)

    cur = rng.random(n)
    currency = np.where(cur < 0.85, 0, np.where(cur < 0.95, 1, 2)).astype(np.int8)
    headers = pa.table(
        {
            "opp": np.arange(n, dtype=np.int64),
            "account": rng.integers(0, 20000, size=n),
            "owner": owner1,
            "product": rng.integers(0, 5, size=n).astype(np.int8),
            "deal_type": rng.integers(0, 3, size=n).astype(np.int8),
            "created_s": created_s,
            "currency": currency,
        }
    )
    history = pa.table(
        {
            "opp": opp,
            "changed_s": changed,
            "stage": stage,
            "amount": amount,
            "close_day": close_day,
            "owner": hist_owner,
        }
    )
    return headers, history


def generate(n_opportunities: int, out: Path, *, seed: int = SEED) -> dict[str, Path]:
    """Write every table as ``out/<table>.parquet`` and ``out/<table>.csv``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    con = duckdb.connect()
    _org(con)
    headers, history = _deals(n_opportunities, rng)
    con.register("h", headers)
    con.register("hh", history)
    start = "TIMESTAMP '2023-01-01 00:00:00'"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE opportunities AS
        SELECT printf('O%08d', opp) AS opportunity_id, printf('C%06d', account) AS account_id,
               printf('A%05d', owner) AS owner_id, printf('Deal %d', opp) AS name,
               (['Core','Cloud','Edge','Support','Services'])[1 + product] AS product,
               (['new','upsell','renewal'])[1 + deal_type] AS deal_type,
               CAST({start} + to_seconds(created_s) AS DATE) AS created_on,
               (['EUR','USD','GBP'])[1 + currency] AS currency, 'default' AS pipeline
        FROM h;

        CREATE OR REPLACE TABLE opportunity_history AS
        SELECT printf('O%08d', opp) AS opportunity_id,
               {start} + to_seconds(changed_s) AS changed_at,
               (['Qualify','Develop','Propose','Negotiate','Won','Lost'])[stage] AS stage,
               CAST(amount AS DECIMAL(18,2)) AS amount,
               CAST(DATE '2023-01-01' + CAST(close_day AS INTEGER) AS DATE) AS close_date,
               (['pipeline','pipeline','best_case','commit','closed','omitted'])[stage]
                   AS forecast_category,
               CASE WHEN owner >= 0 THEN printf('A%05d', owner) END AS owner_id
        FROM hh;

        CREATE OR REPLACE TABLE quotas AS
        SELECT p.person_id AS holder_id, make_date(y, 1, 1) AS period_start,
               make_date(y, 12, 31) AS period_end,
               CAST(round(({n_opportunities} / 960.0 / 3 * 0.28 * 30000) * (1 + 0.1 * (y - 2023)), -3)
                    AS DECIMAL(18,2)) AS amount,
               'EUR' AS currency, 'individual' AS kind
        FROM people p, range(2023, 2026) t(y) WHERE p.role = 'AM';
        """
    )
    paths: dict[str, Path] = {}
    for name in TABLE_FILES:
        pq, csv = out / f"{name}.parquet", out / f"{name}.csv"
        con.execute(f"COPY {name} TO '{pq}' (FORMAT parquet, COMPRESSION zstd)")
        con.execute(f"COPY {name} TO '{csv}' (FORMAT csv, HEADER)")
        paths[f"{name}.parquet"] = pq
        paths[f"{name}.csv"] = csv
    con.close()
    (out / "_complete").write_text("ok\n")
    return paths


def big_files(n_opportunities: int = 1_000_000) -> dict[str, Path]:
    """Native CSV and Parquet files of the big company (cached in ``benchmarks/data/<n>/``).

    Keys are file names (``"opportunity_history.csv"``, ``"people.parquet"``, ...).
    """
    out = DATA_DIR / str(n_opportunities)
    if (out / "_complete").exists():
        return {
            f"{name}.{ext}": out / f"{name}.{ext}"
            for name in TABLE_FILES
            for ext in ("parquet", "csv")
        }
    return generate(n_opportunities, out)


def big_store(n_opportunities: int = 1_000_000) -> Path:
    """A DuckDB store of the big company (cached at ``benchmarks/data/<n>/store.duckdb``).

    Built by bulk ``INSERT ... SELECT`` from the Parquet files (trusted, generated rows), with
    ``valid_to`` computed by one window function and the header copies by one join with the
    header; reporting currency EUR. The marker file ``_store_complete`` names the schema; a
    cached store of an older schema is refused with the command that rebuilds it (it may be
    shared, so it is never rebuilt behind a benchmark's back).
    """
    from salesorg.model import HEADER_COPIES, OPEN_END, SCHEMA_VERSION
    from salesorg.store import Store

    files = big_files(n_opportunities)
    out = DATA_DIR / str(n_opportunities)
    db = out / "store.duckdb"
    done = out / "_store_complete"
    marker = f"schema {SCHEMA_VERSION}\n"
    if db.exists() and done.exists():
        if done.read_text() != marker:
            raise RuntimeError(
                f"{db} was built for an older schema ({done.read_text().strip()!r}); rebuild it: "
                f"rm {done} && python -m benchmarks.bigdata {n_opportunities}"
            )
        return db
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    with Store.open(db) as store:
        store.set_setting("reporting_currency", "EUR")
        with store.transaction() as con:
            for name in TABLE_FILES:
                src = f"read_parquet('{files[name + '.parquet']}')"
                if name == "opportunity_history":
                    copies = ", ".join(HEADER_COPIES)
                    taken = ", ".join(f"o.{c}" for c in HEADER_COPIES.values())
                    con.execute(
                        f"""
                        INSERT INTO opportunity_history (
                            opportunity_id, changed_at, stage, amount, close_date,
                            forecast_category, owner_id, valid_to, {copies})
                        SELECT h.*, {taken}
                        FROM (
                            SELECT opportunity_id, changed_at, stage, amount, close_date,
                                   forecast_category, owner_id,
                                   coalesce(lead(changed_at) OVER (
                                       PARTITION BY opportunity_id ORDER BY changed_at),
                                       TIMESTAMP '{OPEN_END}') AS valid_to
                            FROM {src}) AS h
                        JOIN opportunities AS o ON o.opportunity_id = h.opportunity_id
                        """
                    )
                else:
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM {src}")
        store.con.execute("CHECKPOINT")
    done.write_text(marker)
    return db


if __name__ == "__main__":  # pragma: no cover
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    files = big_files(n)
    t1 = time.perf_counter()
    db = big_store(n)
    t2 = time.perf_counter()
    print(f"files in {t1 - t0:.1f}s: {files['opportunity_history.csv'].parent}")
    print(f"store in {t2 - t1:.1f}s: {db}")
