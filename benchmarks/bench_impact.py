"""Impact report speed: 2,000 people × 3 years of weeks with 1,000 bootstrap replicates.

``ours``: ``salesorg.impact.analysis.analyse`` end to end from a DuckDB store (point-in-time
win-rate panel in Ibis, matching, group-time DiD with 1,000 team-level cluster-bootstrap
replicates as one weight matrix, event study, pre-trend and placebo tests) plus the JSON.

``baseline``: the same estimator written the obvious way — a loop over replicates, each one
resampling teams and recomputing the pooled DiD with pandas group-bys. It runs
``BASELINE_REPS`` replicates and is scaled linearly to 1,000 (stated in the note).

The synthetic company (``salesorg.impact.synthetic_store``) is cached in
``benchmarks/data/impact_<people>.duckdb``. Goal: under 10 s on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from salesorg.impact.analysis import analyse
from salesorg.impact.report import to_json
from salesorg.impact.synthetic_store import synthetic_store
from salesorg.store import Store

HERE = Path(__file__).resolve().parent
BASELINE_REPS = 20


def _store(n_teams: int, weeks: int) -> Path:
    path = HERE / "data" / f"impact_{n_teams * 8}x{weeks}.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        with Store.open(tmp) as s:
            synthetic_store(
                s,
                rng=np.random.default_rng(2026),
                n_teams=n_teams,
                team_size=8,
                weeks=weeks,
                start_week=weeks - 26,
                treated_teams=max(1, n_teams // 25),
                effect=0.05,
            )
        tmp.rename(path)
    return path


def _naive_replicate(
    by_team: dict[str, pd.DataFrame],
    teams: dict[str, np.ndarray],
    rng: np.random.Generator,
    g: int,
    pre: int,
) -> float:
    parts = []
    for group, ids in teams.items():
        draw = rng.choice(ids, size=len(ids), replace=True)
        for k, tm in enumerate(draw):
            part = by_team[tm].copy()
            part["unit"] = part["unit"] + f"#{group}{k}"
            parts.append(part)
    d = pd.concat(parts)
    base = d[(d.t >= g - pre) & (d.t < g)].groupby("unit")[["num", "den"]].sum()
    base = (base.num / base.den).rename("base")
    d = d.join(base, on="unit").dropna(subset=["base"])
    d["dev"] = d.num - d.den * d.base
    post = d[d.t >= g].groupby("treated")[["dev", "den"]].sum()
    m = post.dev / post.den
    return float(m.get(True, np.nan) - m.get(False, np.nan))


def _baseline(result, reps: int, seed: int) -> float:
    p = result.panel
    n, t = p.num.shape
    cells = pd.DataFrame(
        {
            "unit": np.repeat(p.units, t).astype(str),
            "t": np.tile(np.arange(t), n),
            "num": p.num.ravel(),
            "den": p.den.ravel(),
            "team": np.repeat(p.cluster_ids[p.cluster], t).astype(str),
            "treated": np.repeat(p.treated, t),
        }
    )
    cells = cells[cells.den > 0]
    teams = {
        "t": np.unique(p.cluster_ids[p.cluster[p.treated]]).astype(str),
        "c": np.unique(p.cluster_ids[p.cluster[~p.treated]]).astype(str),
    }
    rng = np.random.default_rng(seed)
    g = min(p.cohorts)
    by_team = {
        str(k): v for k, v in cells.groupby("team")
    }  # split once, as a careful analyst would
    draws = [
        _naive_replicate(by_team, teams, rng, g, result.effect.pre_periods) for _ in range(reps)
    ]
    return float(np.std(draws))


def _row(
    label: str, ours: float, baseline: float, base_reps: int, reps: int, payload: dict
) -> dict:
    return {
        "benchmark": label,
        "ours_s": ours,
        "baseline": f"loop over replicates with pandas group-bys ({base_reps} run, scaled to {reps})",
        "baseline_s": baseline,
        "ratio": baseline / ours,
        "goal": "< 10 s on 2 cores",
        "met": ours < 10,
        "note": (
            f"{payload['n_treated']} treated vs {payload['n_comparison']} comparison people; estimate "
            f"{payload['estimate']:+.3f} (planted +0.05), 90 % CI [{payload['ci90'][0]:+.3f}, "
            f"{payload['ci90'][1]:+.3f}]; ours includes the store query, matching, placebo and JSON"
        ),
    }


def run(*, quick: bool = False) -> list[dict]:
    n_teams, weeks, reps = (25, 104, 200) if quick else (250, 156, 1000)
    path = _store(n_teams, weeks)
    people = n_teams * 8
    rows = []
    with Store.open(path, read_only=True) as store:
        analyse(store, "solution-selling", replicates=10)  # warm caches and imports
        # k=3 matched comparison (the default report), then everyone as comparison (k=1000)
        for k, base_reps in ((3, min(BASELINE_REPS, reps)), (1000, 5)):
            t0 = time.perf_counter()
            r = analyse(store, "solution-selling", replicates=reps, seed=1, k=k)
            payload = to_json(r)
            ours = time.perf_counter() - t0
            t1 = time.perf_counter()
            _baseline(r, base_reps, seed=2)
            baseline = (time.perf_counter() - t1) * reps / base_reps
            who = "3 matched per treated" if k == 3 else "all others as comparison"
            rows.append(
                _row(
                    f"impact report, {people} people × {weeks} weeks, {reps} replicates, {who}",
                    ours,
                    baseline,
                    base_reps,
                    reps,
                    payload,
                )
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
