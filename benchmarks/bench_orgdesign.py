"""Org-design benchmarks: the Monte Carlo and the CP-SAT cell optimiser.

* 10,000 trials × a 1,000-person org × 3 scenarios (baseline, span:14, cells), goal < 2 s;
* 10,000 trials × a 100,000-person org × 3 scenarios, goal < 60 s;
* CP-SAT plan for 500 people to 60 cells, goal < 30 s.

The simulation baseline is a per-trial loop: the same code forced to one trial per chunk
(numpy over people, a Python loop over trials), run on fewer trials and scaled linearly to
10,000 (its cost is linear in trials). The note adds the plain Python loop over trials and
people (:mod:`salesorg.orgdesign._loop`, the test oracle), scaled from 1–5 trials. The
CP-SAT baseline is a greedy assignment (leads by score, each member to the first cell with
room), timed in the same run; the ratio there compares a proven-optimal plan to a heuristic
one and the note gives both objectives.

Timed: the simulation only (organisations and scenarios are built beforehand; their build
time is in the note). Run alone: ``python -m benchmarks.bench_orgdesign [--quick]``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import time

import numpy as np
import pandas as pd

from salesorg.orgdesign import apply_scenario, load_scenario, simulate
from salesorg.orgdesign._loop import simulate_loop
from salesorg.orgdesign.orgmodel import OrgModel

simulate_module = importlib.import_module("salesorg.orgdesign.simulate")
AS_OF = dt.date(2026, 6, 30)
QUARTERS = ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]


def synthetic_org(
    n_people: int, *, seed: int = 0, span: int = 8, senior_share: float = 0.25
) -> OrgModel:
    """An org of about ``n_people``: GM, directors of 5 teams, SMs of ``span`` sellers, support."""
    rng = np.random.default_rng(seed)
    per_team = span + 3  # SM, sellers, SE, inside sales
    teams = max(1, (n_people - 1) // (per_team + 0.2))
    teams = int(teams)
    rows = [("GM", "GM", "gm", "CO", None)]
    n_dir = (teams + 4) // 5
    rows += [(f"D{d}", "Director", "director", f"R{d}", "GM") for d in range(n_dir)]
    for t in range(teams):
        d, u = f"D{t // 5}", f"T{t}"
        rows.append((f"SM{t}", "SM", "manager", u, d))
        rows.append((f"SE{t}", "SE", "se", u, d))
        rows.append((f"IS{t}", "InsideSales", "inside_sales", u, d))
        for a in range(span):
            senior = rng.random() < senior_share
            rows.append(
                (
                    f"A{t}_{a}",
                    "SnrAM" if senior else "AM",
                    "senior_am" if senior else "am",
                    u,
                    f"SM{t}",
                )
            )
    p = pd.DataFrame(rows, columns=["person_id", "role", "family", "unit_id", "manager_id"])
    n = len(p)
    p["name"] = p["person_id"]
    p["country"] = np.where(rng.random(n) < 0.7, "DE", "AT")
    p["hired_on"] = pd.Timestamp("2015-01-01")
    p["tenure_years"] = rng.uniform(0.5, 15, n)
    p["cost"] = p["family"].map({"gm": 320e3, "director": 230e3, "manager": 165e3, "se": 110e3,
                                 "inside_sales": 65e3, "am": 95e3, "senior_am": 130e3})  # fmt: skip
    sellers = p["family"].isin(["am", "senior_am"])
    skill = np.exp(rng.normal(0, 0.3, n))
    hist = []
    for q in QUARTERS:
        b = 250e3 * skill * np.exp(rng.normal(0, 0.35, n))
        hist.append(pd.DataFrame({"person_id": p.loc[sellers, "person_id"], "quarter": q,
                                  "bookings": b[sellers.to_numpy()]}))  # fmt: skip
    history = pd.concat(hist, ignore_index=True)
    p["bookings"] = p["person_id"].map(history.groupby("person_id")["bookings"].sum()).fillna(0.0)
    p["quota"] = np.where(sellers, 1.05e6, np.nan)
    p["attainment"] = p["bookings"] / p["quota"]
    p["cell_id"] = None
    return OrgModel(as_of=AS_OF, currency="EUR", people=p, history=history)


def _scenarios(org: OrgModel) -> tuple[list[OrgModel], float]:
    t = time.perf_counter()
    orgs = [apply_scenario(org, load_scenario(r)) for r in ("baseline", "span:14", "cells")]
    return orgs, time.perf_counter() - t


def _sim_row(n_people: int, trials: int, loop_trials: int, py_trials: int, goal_s: float) -> dict:
    org = synthetic_org(n_people)
    orgs, build_s = _scenarios(org)
    t, c = time.perf_counter(), time.process_time()
    simulate(orgs, baseline=orgs[0], trials=trials, rng=np.random.default_rng(1), tornado=True)
    ours, ours_cpu = time.perf_counter() - t, time.process_time() - c
    # baseline 1: the same code forced to one trial per chunk (a per-trial loop, numpy over people)
    saved = simulate_module._CHUNK_ELEMENTS
    simulate_module._CHUNK_ELEMENTS = 1
    try:
        t = time.perf_counter()
        simulate(
            orgs, baseline=orgs[0], trials=loop_trials, rng=np.random.default_rng(1), tornado=False
        )
        loop = (time.perf_counter() - t) * trials / loop_trials
    finally:
        simulate_module._CHUNK_ELEMENTS = saved
    # baseline 2: the plain Python loop over trials and people (the test oracle)
    t = time.perf_counter()
    simulate_loop(orgs, baseline=orgs[0], trials=py_trials, rng=np.random.default_rng(1))
    py = (time.perf_counter() - t) * trials / py_trials
    return {
        "benchmark": f"orgdesign simulate {trials:,} trials x {len(org.people):,} people x 3 scenarios",
        "ours_s": ours,
        "baseline": f"per-trial loop, numpy over people ({loop_trials} trials, scaled to {trials:,})",
        "baseline_s": loop, "ratio": loop / ours, "goal": f"< {goal_s:g} s", "met": ours < goal_s,
        "note": (f"CPU {ours_cpu:.1f} s (wall depends on machine load); pure-Python per-trial per-person loop: {py:,.0f} s scaled from {py_trials} trials "
                 f"(x{py / ours:,.0f}); scenario build {build_s:.2f} s not timed; tornado included"),
    }  # fmt: skip


def _greedy(org: OrgModel, n_cells: int) -> float:
    p = org.people
    cand = p[p["family"] == "senior_am"].sort_values("attainment", ascending=False).head(n_cells)
    mem = p[p["family"].isin(["se", "inside_sales", "consultant"])]
    cap = -(-len(mem) // n_cells) + 2
    load = dict.fromkeys(cand["person_id"], 0)
    for _pid in mem["person_id"]:
        lead = next(k for k, v in load.items() if v < cap)
        load[lead] += 1
    return float(len(load))


def _cells_row(quick: bool) -> dict:
    from salesorg.orgdesign.cells import plan_cells

    n_people, n_cells = (150, 15) if quick else (500, 60)
    # support-heavy, many senior AMs: more cells than managers, leads to choose from
    org = synthetic_org(n_people, seed=3, span=4, senior_share=0.5)
    t = time.perf_counter()
    plan = plan_cells(org, n_cells=n_cells, max_seconds=25.0)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    _greedy(org, n_cells)
    greedy = time.perf_counter() - t
    return {
        "benchmark": f"CP-SAT cell plan, {len(org.people)} people to {n_cells} cells",
        "ours_s": ours, "baseline": "greedy assignment (no optimality)", "baseline_s": greedy,
        "ratio": greedy / ours, "goal": "< 30 s", "met": ours < 30,
        "note": f"status {plan.status}, objective {plan.objective:,.0f}, bound {plan.bound:,.0f}, gap {100 * plan.gap:.2f} %",
    }  # fmt: skip


def run(*, quick: bool = False) -> list[dict]:
    """The three benchmarks (``quick``: smaller orgs and fewer trials, for a smoke run)."""
    if quick:
        return [_sim_row(1_000, 1_000, 50, 2, 2.0), _cells_row(True)]
    return [
        _sim_row(1_000, 10_000, 500, 5, 2.0),
        _sim_row(100_000, 10_000, 20, 1, 60.0),
        _cells_row(False),
    ]


if __name__ == "__main__":
    if "--only" in sys.argv:  # e.g. --only 100000 (one simulation row), --only cells
        what = sys.argv[sys.argv.index("--only") + 1]
        if what == "cells":
            print(_cells_row(False), flush=True)
        else:
            n = int(what)
            print(
                _sim_row(
                    n,
                    10_000,
                    500 if n <= 1000 else 20,
                    5 if n <= 1000 else 1,
                    2.0 if n <= 1000 else 60.0,
                ),
                flush=True,
            )
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row, flush=True)
