"""Scaling curve: the company review and forecast at 10k, 100k and 1M opportunities (10M opt-in).

Each size runs in a fresh subprocess (so peak memory, ``ru_maxrss``, is per measurement) on the
cached synthetic company of :mod:`benchmarks.bigdata` (about 10 history rows per opportunity).
The "baseline" of a row is linear growth from the smallest size: ``t(10k) × n / 10k``; a ratio
near or above 1 means time grew at most linearly. The 10M size (100M history rows, ~17 GB of
files) is built only when ``SALESORG_BENCH_10M=1``: it takes about 15 minutes to generate on two
cores, so the default run stops at 1M and says so.

Run alone: ``python -m benchmarks.bench_scale [--quick]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_CHILD = r"""
import json, resource, sys, time, warnings, datetime as dt
sys.path[:0] = [{src!r}, {root!r}]
kind, n = sys.argv[1], int(sys.argv[2])
from benchmarks.bigdata import big_store
db = big_store(n)
from salesorg.store import Store
as_of = dt.date(2025, 11, 28)
with Store.open(db, read_only=True) as store:
    if kind == "review":
        from salesorg.review import run_review
        t = time.perf_counter()
        r = run_review(store, as_of, compare=False)
        secs = time.perf_counter() - t
        size = len(r.changes)
        r.release()
    else:
        from salesorg.forecast import MarkovForecaster, load_history
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        history = load_history(store)
        MarkovForecaster(trials=10_000).fit(history.known_at(as_of)).predict("2025Q4")
        secs = time.perf_counter() - t
        size = len(history.at)
print(json.dumps(dict(secs=secs, size=size,
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def _measure(kind: str, n: int) -> dict:
    code = _CHILD.format(src=str(ROOT / "src"), root=str(ROOT))
    # no data cache: every size measured cold, as the first review of its data day
    env = {**os.environ, "SALESORG_CACHE_DIR": "off"}
    out = subprocess.run(
        [sys.executable, "-c", code, kind, str(n)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _available_mb() -> float:
    """Memory the kernel says is available now (MemAvailable), in MB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")  # pragma: no cover - not Linux


def _projected_mb(measured: list[tuple[int, float]], n: int) -> float | None:
    """Peak memory at ``n`` extrapolated from the sizes measured so far.

    With two or more sizes: the straight line through the last two (a fixed part plus a part
    that grows with the data, so the interpreter's and libraries' fixed memory is not scaled
    up); with one: proportional growth (the cautious guess).
    """
    if not measured:
        return None
    n1, m1 = measured[-1]
    if len(measured) == 1:
        return m1 * n / n1
    n0, m0 = measured[-2]
    slope = max((m1 - m0) / (n1 - n0), m1 / n1 / 10)
    return m1 + slope * (n - n1)


def _skipped(kind: str, n: int, need: float) -> dict:
    """A row for a size not run because it would not fit in this machine's memory."""
    return {
        "benchmark": f"scale.{kind} ({n:,} opportunities)",
        "ours_s": None,
        "baseline": "",
        "baseline_s": None,
        "ratio": None,
        "goal": "close to linear",
        "met": False,
        "note": f"not run: peak memory extrapolated from the smaller sizes is "
        f"{need:,.0f} MB, more than 80 % of the {_available_mb():,.0f} MB available",
    }


def run(*, quick: bool = False) -> list[dict]:
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    if os.environ.get("SALESORG_BENCH_10M") == "1" and not quick:
        sizes.append(10_000_000)
    rows = []
    for kind in ("review", "forecast"):
        first: tuple[int, float] | None = None
        peaks: list[tuple[int, float]] = []
        for n in sizes:
            need = _projected_mb(peaks, n)
            if need is not None and need > 0.8 * _available_mb():
                rows.append(_skipped(kind, n, need))
                continue
            m = _measure(kind, n)
            peaks.append((n, m["peak_mb"]))
            if first is None:
                first = (n, m["secs"])
            linear = first[1] * n / first[0]
            rows.append(
                {
                    "benchmark": f"scale.{kind} ({n:,} opportunities)",
                    "ours_s": round(m["secs"], 2),
                    "baseline": f"linear growth from {first[0]:,}",
                    "baseline_s": round(linear, 2),
                    "ratio": round(linear / m["secs"], 2),
                    "goal": "close to linear",
                    "met": m["secs"] <= 1.5 * linear,
                    "note": f"peak memory {m['peak_mb']:,.0f} MB",
                }
            )
    if 10_000_000 not in sizes:
        rows.append(
            {
                "benchmark": "scale (10,000,000 opportunities)",
                "ours_s": None,
                "baseline": "",
                "baseline_s": None,
                "ratio": None,
                "goal": "close to linear",
                "met": False,
                "note": "not run by default (100M history rows, ~15 min to generate); "
                "set SALESORG_BENCH_10M=1",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
