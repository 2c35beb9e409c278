"""Metrics on a big store: ours (Ibis over the point-in-time view) vs hand-written DuckDB SQL.

For ``win-rate --by owner`` and ``pipeline --by unit`` as of one date, on the big synthetic
company of :mod:`benchmarks.bigdata` (1M opportunities, ~10M history rows; ``quick``: 100k /
~1M), we time :func:`salesorg.metrics.compute` against the straightforward query an analyst
would write (``arg_max(..., changed_at) ... GROUP BY opportunity_id``, then aggregate), and
check both give the same totals. Goal: at least as fast as the hand-written query (ratio ≥ 1),
since the stored validity interval turns the snapshot into a range filter.

Run alone: ``python -m benchmarks.bench_metrics [--quick]``.
"""

from __future__ import annotations

import sys
import time

AS_OF = "2025-06-30"
LO, HI = "2024-07-01", "2025-06-30"

_STATE = f"""
WITH s AS (
  SELECT opportunity_id, arg_max(stage, changed_at) AS stage, arg_max(amount, changed_at) AS amount,
         arg_max(close_date, changed_at) AS close_date, arg_max(owner_id, changed_at) AS owner_id,
         max(changed_at) AS changed_at
  FROM opportunity_history WHERE changed_at < DATE '{AS_OF}' + INTERVAL 1 DAY GROUP BY 1),
r AS (
  SELECT currency, arg_max(rate, date) AS rate FROM fx_rates WHERE date <= DATE '{AS_OF}' GROUP BY 1),
st AS (
  SELECT s.*, coalesce(s.owner_id, o.owner_id) AS owner, t.is_closed, t.is_won, t.default_probability,
         CASE WHEN o.currency = 'EUR' THEN s.amount ELSE s.amount * r.rate END AS amount_rc
  FROM s JOIN opportunities o USING (opportunity_id)
  JOIN stages t ON t.pipeline = o.pipeline AND t.stage = s.stage
  LEFT JOIN r ON r.currency = o.currency)
"""

BASELINES = {
    "win-rate": _STATE
    + f"""
SELECT owner AS owner_id, sum(CASE WHEN is_won THEN 1 ELSE 0 END) AS won,
       sum(CASE WHEN is_won THEN 0 ELSE 1 END) AS lost,
       sum(CASE WHEN is_won THEN amount_rc ELSE 0 END) AS won_amount
FROM st WHERE is_closed AND coalesce(close_date, changed_at::DATE) BETWEEN DATE '{LO}' AND DATE '{HI}'
GROUP BY 1""",
    "pipeline": _STATE
    + f"""
, line AS (
  SELECT person_id, arg_max(unit_id, valid_from) AS unit_id FROM assignments
  WHERE valid_from <= DATE '{AS_OF}' GROUP BY 1)
SELECT line.unit_id, count(*) AS open_count, sum(amount_rc) AS open_amount
FROM st LEFT JOIN line ON line.person_id = st.owner WHERE NOT is_closed GROUP BY 1""",
}
BY = {"win-rate": "owner", "pipeline": "unit"}
TOTALS = {"win-rate": ("won", "lost", "won_amount"), "pipeline": ("open_count", "open_amount")}


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(*, quick: bool = False) -> list[dict]:
    from benchmarks.bigdata import big_store
    from salesorg.metrics.run import compute
    from salesorg.store import Store

    n = 100_000 if quick else 1_000_000
    rows = []
    with Store.open(big_store(n), read_only=True) as store:
        for name, sql in BASELINES.items():
            ours_s, ours = _best(
                lambda name=name: compute(
                    store, name, as_of=AS_OF, by=BY[name], start=LO if name != "pipeline" else None,
                    end=HI if name != "pipeline" else None,
                )
            )  # fmt: skip
            base_s, base = _best(lambda sql=sql: store.con.execute(sql).df())
            # amounts: ours rounds each converted amount to the cent, the baseline does not
            same = all(
                abs(float(ours[c].sum()) - float(base[c].sum()))
                <= 1e-6 * max(1.0, abs(float(base[c].sum())))
                for c in TOTALS[name]
            )
            ratio = base_s / ours_s
            rows.append(
                {
                    "benchmark": f"metrics {name} --by {BY[name]}, {n:,} opportunities",
                    "ours_s": round(ours_s, 3),
                    "baseline": "hand-written DuckDB SQL (arg_max per opportunity)",
                    "baseline_s": round(base_s, 3),
                    "ratio": round(ratio, 2),
                    "goal": "ratio >= 1 and same totals",
                    "met": bool(ratio >= 1 and same),
                    "note": "same totals" if same else "TOTALS DIFFER",
                }
            )
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
