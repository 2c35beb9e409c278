"""Benchmark: import with validation vs DuckDB's ``read_csv``; point-in-time view vs hand SQL.

Rows (``run()``):

1. importing the big company's native **CSV** files with ``salesorg import native`` (all rules
   checked, one transaction, ``valid_to`` computed) vs DuckDB's own ``read_csv`` of the same
   files into tables, in the same run. Goal: ≥ 0.5 × read_csv speed (ratio ≥ 0.5).
2. the same for the **Parquet** files vs ``read_parquet``.
3. ``opportunity_state(store, as_of, header=False)`` (the lean state every metric uses:
   owner, currency, pipeline from the history's header copies, stage and fx joins, no join
   with the header) counted and summed by stage vs the straightforward hand-written query
   (``arg_max(..., changed_at) ... GROUP BY opportunity_id``, then by stage). Goal: ≥ 2 ×
   faster. Median over three dates.
4. the same view vs a bare scan of the history table (``count(*), sum(amount)``). Stretch
   goal: within 2 × of it (ratio ≥ 0.5).
5. the state part alone (the ``changed_at < t <= valid_to`` range filter on the stored
   intervals, no joins) vs the hand-written query: what storing ``valid_to`` buys.
6. the full state (``header=True``, the default: also ``name``, ``account_id``, ... from the
   1M-row header) vs the hand-written query, for reference: the header join's cost.

Every measurement runs in a fresh child process so that its peak memory (``ru_maxrss``) is
its own; ``peak_rss_mb`` is reported per row. ``quick=True`` uses 100,000 opportunities
(~1M history rows) instead of 1,000,000 (~10M). Run: ``python -m benchmarks.bench_ingest``.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATES = ("2024-03-31", "2024-09-30", "2025-06-30")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_import(n: int, ext: str) -> dict:
    from benchmarks.bigdata import TABLE_FILES, big_files
    from salesorg.ingest import import_files
    from salesorg.store import Store

    files = big_files(n)
    paths = [files[f"{t}.{ext}"] for t in TABLE_FILES]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store.open(db) as store:
            t0 = time.perf_counter()
            result = import_files(store, "native", paths)
            secs = time.perf_counter() - t0
    return {"seconds": secs, "rows": sum(result.rows.values()), "peak_mb": _peak_mb()}


def _child_baseline(n: int, ext: str) -> dict:
    import duckdb

    from benchmarks.bigdata import TABLE_FILES, big_files

    files = big_files(n)
    reader = "read_csv" if ext == "csv" else "read_parquet"
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "raw.duckdb"))
        t0 = time.perf_counter()
        rows = 0
        for t in TABLE_FILES:
            con.execute(f"CREATE TABLE {t} AS SELECT * FROM {reader}('{files[f'{t}.{ext}']}')")
            rows += con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        secs = time.perf_counter() - t0
        con.close()
    return {"seconds": secs, "rows": rows, "peak_mb": _peak_mb()}


def _child_pit(n: int, which: str) -> dict:
    from benchmarks.bigdata import big_store
    from salesorg.metrics.pit import as_of_instant, opportunity_state
    from salesorg.store import Store

    db = big_store(n)
    times = []
    with Store.open(db, read_only=True) as store:
        for day in DATES:
            t = as_of_instant(day)
            t0 = time.perf_counter()
            if which in ("view", "full"):
                st = opportunity_state(store, day, header=which == "full")
                st.group_by("stage").aggregate(n=st.count(), amount=st.amount_rc.sum()).execute()
            elif which == "range":
                store.con.execute(
                    """
                    SELECT stage, count(*), sum(amount) FROM opportunity_history
                    WHERE changed_at < ? AND valid_to >= ? GROUP BY stage""",
                    [t, t],
                ).fetchall()
            elif which == "hand":
                store.con.execute(
                    """
                    SELECT stage, count(*), sum(amount) FROM (
                        SELECT opportunity_id, arg_max(stage, changed_at) AS stage,
                               arg_max(amount, changed_at) AS amount
                        FROM opportunity_history WHERE changed_at < ?
                        GROUP BY opportunity_id)
                    GROUP BY stage""",
                    [t],
                ).fetchall()
            else:  # bare scan
                store.con.execute(
                    "SELECT count(*), sum(amount) FROM opportunity_history"
                ).fetchall()
            times.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(times), "all": times, "peak_mb": _peak_mb()}


CHILDREN = {
    "import": _child_import,
    "baseline": _child_baseline,
    "pit": _child_pit,
}


def _in_child(kind: str, n: int, arg: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_ingest", "--child", kind, str(n), arg],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(
    benchmark: str, ours: dict, baseline_name: str, base: dict, goal: str, need: float, note: str
) -> dict:
    ratio = base["seconds"] / ours["seconds"] if ours["seconds"] else float("inf")
    return {
        "benchmark": benchmark,
        "ours_s": round(ours["seconds"], 3),
        "baseline": baseline_name,
        "baseline_s": round(base["seconds"], 3),
        "ratio": round(ratio, 3),
        "goal": goal,
        "met": ratio >= need,
        "note": note,
        "peak_rss_mb": round(ours["peak_mb"]),
        "baseline_peak_rss_mb": round(base["peak_mb"]),
    }


def run(*, quick: bool = False) -> list[dict]:
    """Run every measurement (fresh child process each) and return the benchmark rows."""
    from benchmarks.bigdata import big_files, big_store

    n = 100_000 if quick else 1_000_000
    big_files(n)
    big_store(n)
    rows = []
    for ext, reader in (("csv", "read_csv"), ("parquet", "read_parquet")):
        ours = _in_child("import", n, ext)
        base = _in_child("baseline", n, ext)
        rows.append(
            _row(
                f"import native {ext} with validation ({n:,} opps, {ours['rows']:,} rows)",
                ours,
                f"DuckDB {reader} of the same files into tables",
                base,
                f">= 0.5x {reader} speed",
                0.5,
                f"{ours['rows'] / ours['seconds']:,.0f} rows/s vs "
                f"{base['rows'] / base['seconds']:,.0f} rows/s",
            )
        )
    view = _in_child("pit", n, "view")
    hand = _in_child("pit", n, "hand")
    scan = _in_child("pit", n, "scan")
    rng = _in_child("pit", n, "range")
    full = _in_child("pit", n, "full")
    rows.append(
        _row(
            f"opportunity_state (lean) at a date, by stage ({n:,} opps)",
            view,
            "hand-written arg_max(..., changed_at) GROUP BY opportunity_id",
            hand,
            ">= 2x faster",
            2.0,
            f"median of {len(DATES)} dates; lean view (header=False): stage and fx joins, "
            "owner/currency/pipeline from the history's header copies",
        )
    )
    rows.append(
        _row(
            f"opportunity_state vs bare history scan ({n:,} opps)",
            view,
            "SELECT count(*), sum(amount) FROM opportunity_history",
            scan,
            "stretch: within 2x of a bare scan (ratio >= 0.5); view peak < 1 GB",
            0.5,
            f"view peak RSS {view['peak_mb']:.0f} MB",
        )
    )
    rows.append(
        _row(
            f"state by stage via the stored valid_to range filter, no header join ({n:,} opps)",
            rng,
            "hand-written arg_max(..., changed_at) GROUP BY opportunity_id",
            hand,
            ">= 2x faster (what the stored intervals buy)",
            2.0,
            "the same state as the view without the opportunities/stages/fx joins",
        )
    )
    rows.append(
        _row(
            f"opportunity_state with the header columns (header=True) by stage ({n:,} opps)",
            full,
            "hand-written arg_max(..., changed_at) GROUP BY opportunity_id",
            hand,
            "reference (no goal): what joining the 1M-row header costs",
            0.0,
            "name, account_id, product, deal_type, created_on joined from opportunities",
        )
    )
    return rows


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        kind, n, arg = argv[1], int(argv[2]), argv[3]
        print(json.dumps(CHILDREN[kind](n, arg)))
        return
    quick = "--quick" in argv
    for row in run(quick=quick):
        print(json.dumps(row))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
