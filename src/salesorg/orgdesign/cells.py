"""Proposing working-supervisor cells with OR-Tools CP-SAT.

Choose ``n`` cell leads among the senior AMs and assign the support staff (SE, inside sales,
consultants) and optionally the AMs to them. The model (all weights integers):

* variables: ``lead[l]`` (senior AM ``l`` leads a cell), ``x[m,l]`` (member ``m`` joins ``l``'s
  cell); every member is in exactly one cell (a senior AM is a lead or, with AMs included, a
  member); ``x[m,l] <= lead[l]``; exactly ``n`` leads;
* capacity: at most ``capacity`` members per cell; **minimum mix**: at least one SE and one
  inside-sales rep per cell where there are at least ``n`` of them (otherwise relaxed and
  said so), the same for consultants;
* fixed assignments from the user (``x[m,l] = 1``, ``lead[l] = 1``) are constraints;
* objective (maximise): ``100 × lead score`` (attainment z + 0.5 × tenure z; experience and
  past results) + ``fit`` (same team 3, same country 2, same main industry 1, per member)
  − ``balance`` (per cell, the absolute gap between its team quota and its account potential
  scaled to quota units, in units of 1 % of the mean cell quota).

The solver reports the objective, the best bound and the optimality gap; each assignment
comes with the reasons it scored.

References:
    Perron, L. & Didier, F., *CP-SAT* (Google OR-Tools), https://developers.google.com/optimization.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from salesorg.errors import ConfigError
from salesorg.orgdesign.orgmodel import SELLERS, SUPPORT, OrgModel

__all__ = ["CellPlan", "plan_cells", "read_fixed"]


@dataclass
class CellPlan:
    """The proposal: one row per person (``assignments``), one per cell (``cells``)."""

    assignments: pd.DataFrame
    cells: pd.DataFrame
    objective: float
    bound: float
    gap: float
    status: str
    n_cells: int
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"n_cells": self.n_cells, "objective": self.objective, "bound": self.bound,
                "gap": self.gap, "status": self.status,
                "cells": self.cells.to_dict(orient="records"),
                "assignments": self.assignments.to_dict(orient="records"), "notes": self.notes}  # fmt: skip


def read_fixed(path: str | Path) -> dict[str, str]:
    """``person_id,cell_lead_id`` rows (a header line is required) → {person: lead}."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(
            f"{p}: fixed-assignment file not found — give a CSV person_id,cell_lead_id"
        )
    with p.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for i, r in enumerate(rows, start=2):
        if not r.get("person_id") or not r.get("cell_lead_id"):
            raise ConfigError(f"{p}:{i}: need columns person_id and cell_lead_id, both non-empty")
        out[r["person_id"].strip()] = r["cell_lead_id"].strip()
    return out


def _z(x: np.ndarray) -> np.ndarray:
    sd = np.nanstd(x)
    x = np.where(np.isnan(x), np.nanmean(x) if np.isfinite(np.nanmean(x)) else 0.0, x)
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def plan_cells(
    org: OrgModel,
    *,
    n_cells: int | None = None,
    fixed: dict[str, str] | None = None,
    include_ams: bool = False,
    capacity: int | None = None,
    max_seconds: float = 10.0,
    workers: int = 2,
    seed: int = 0,
) -> CellPlan:
    """Propose cells for ``org`` (see the module docstring for the model).

    Raises:
        ConfigError: too few senior AMs, an unknown or impossible fixed assignment, or an
            infeasible model (with the constraint to relax).
    """
    from ortools.sat.python import cp_model

    p = org.people.reset_index(drop=True)
    fixed = dict(fixed or {})
    cand = p[p["family"] == "senior_am"].reset_index(drop=True)
    member_fams = SUPPORT + (("am",) if include_ams else ())
    mem = p[p["family"].isin(member_fams)].reset_index(drop=True)
    if include_ams:
        mem = pd.concat([mem, cand], ignore_index=True)  # seniors not leading are members
    if n_cells is None:
        n_cells = max(int((p["family"] == "manager").sum()), 1)
    notes: list[str] = []
    if len(cand) < n_cells:
        raise ConfigError(
            f"--cells {n_cells}: only {len(cand)} senior AM(s) can lead — ask for fewer cells"
        )
    ids_c = list(cand["person_id"])
    ix_c = {v: i for i, v in enumerate(ids_c)}
    ids_m = list(mem["person_id"])
    for person, lead in fixed.items():
        if lead not in ix_c:
            raise ConfigError(
                f"--fixed: {person},{lead}: {lead!r} is not a senior AM who can lead a cell"
            )
        if person not in ids_m and person != lead:
            raise ConfigError(f"--fixed: {person},{lead}: {person!r} is not a cell member candidate "
                              f"({', '.join(member_fams)})")  # fmt: skip
    capacity = capacity or math.ceil(len(mem) / n_cells) + 2
    att = _z(cand["attainment"].to_numpy(dtype=float))
    ten = _z(cand["tenure_years"].to_numpy(dtype=float))
    lead_score = np.round(100 * (att + 0.5 * ten)).astype(int)
    ind = p.set_index("person_id")["industry"] if "industry" in p else pd.Series(dtype=str)
    fit = np.zeros((len(mem), len(cand)), dtype=int)
    for a, col in (("unit_id", 3), ("country", 2)):
        mv, cv = mem[a].to_numpy(dtype=object), cand[a].to_numpy(dtype=object)
        fit += col * ((mv[:, None] == cv[None, :]) & pd.notna(mv)[:, None])
    if len(ind):
        mi, ci = (
            mem["person_id"].map(ind).to_numpy(dtype=object),
            cand["person_id"].map(ind).to_numpy(dtype=object),
        )
        fit += (mi[:, None] == ci[None, :]) & pd.notna(mi)[:, None]
    # balance: team quota vs account potential (bookings stand in for potential when unknown)
    quota = p.set_index("person_id")["quota"].fillna(0.0)
    pot = (
        p.set_index("person_id").get("potential", pd.Series(dtype=float)).astype(float).fillna(0.0)
    )
    if pot.sum() <= 0:
        pot = p.set_index("person_id")["bookings"].astype(float).fillna(0.0)
        notes.append("no account potential known (accounts.revenue): bookings stand in for it")
    kappa = quota.sum() / pot.sum() if pot.sum() > 0 else 0.0
    unit = max(quota.sum() / n_cells / 100.0, 1.0)  # 1 % of the mean cell quota
    gapv = ((quota - kappa * pot) / unit).round().astype(int)
    m = cp_model.CpModel()
    lead = [m.new_bool_var(f"lead_{i}") for i in range(len(cand))]
    x = {(j, i): m.new_bool_var(f"x_{j}_{i}") for j in range(len(mem)) for i in range(len(cand))
         if ids_m[j] != ids_c[i]}  # fmt: skip
    m.add(sum(lead) == n_cells)
    for j, pid in enumerate(ids_m):
        row = [x[j, i] for i in range(len(cand)) if (j, i) in x]
        if pid in ix_c:
            m.add(sum(row) + lead[ix_c[pid]] == 1)
        else:
            m.add(sum(row) == 1)
    for (_j, i), v in x.items():
        m.add_implication(v, lead[i])
    fams = mem["family"].to_numpy()
    for i in range(len(cand)):
        col = [x[j, i] for j in range(len(mem)) if (j, i) in x]
        m.add(sum(col) <= capacity * lead[i])
        for fam in SUPPORT:
            js = [j for j in range(len(mem)) if fams[j] == fam and (j, i) in x]
            if len(np.flatnonzero(fams == fam)) >= n_cells:
                m.add(sum(x[j, i] for j in js) >= lead[i])
    for fam in SUPPORT:
        k = int((fams == fam).sum())
        if 0 < k < n_cells:
            notes.append(
                f"only {k} {fam} for {n_cells} cells: the minimum of one per cell is relaxed"
            )
    for person, ld in fixed.items():
        m.add(lead[ix_c[ld]] == 1)
        if person != ld:
            m.add(x[ids_m.index(person), ix_c[ld]] == 1)
    devs = []
    for i in range(len(cand)):
        expr = int(gapv[ids_c[i]]) * lead[i] + sum(int(gapv[ids_m[j]]) * x[j, i] for j in range(len(mem))
                                             if (j, i) in x and gapv[ids_m[j]] != 0)  # fmt: skip
        d = m.new_int_var(0, 10**9, f"dev_{i}")
        m.add(d >= expr)
        m.add(d >= -expr)
        devs.append(d)
    obj = (sum(int(lead_score[i]) * lead[i] for i in range(len(cand)))
           + sum(int(fit[j, i]) * v for (j, i), v in x.items() if fit[j, i]) - sum(devs))  # fmt: skip
    m.maximize(obj)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(max_seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ConfigError(f"no cell plan found ({name}) — relax --fixed, raise capacity "
                          f"({capacity}) or ask for fewer cells")  # fmt: skip
    objective, bound = solver.objective_value, solver.best_objective_bound
    gap = abs(bound - objective) / max(abs(objective), 1.0)
    leads = [i for i in range(len(cand)) if solver.value(lead[i])]
    rows = []
    for i in leads:
        rows.append(
            {
                "person_id": ids_c[i],
                "family": "senior_am",
                "cell_lead_id": ids_c[i],
                "role_in_cell": "lead",
                "fixed": ids_c[i] in fixed.values(),
                "reason": f"lead score {lead_score[i]} (attainment z {att[i]:+.2f}, tenure z {ten[i]:+.2f})",
            }
        )
    for j, pid in enumerate(ids_m):
        for i in leads:
            if (j, i) in x and solver.value(x[j, i]):
                why = []
                if mem.at[j, "unit_id"] == cand.at[i, "unit_id"]:
                    why.append("same team")
                if pd.notna(mem.at[j, "country"]) and mem.at[j, "country"] == cand.at[i, "country"]:
                    why.append(f"same country {mem.at[j, 'country']}")
                mi_j, ci_i = ind.get(pid), ind.get(ids_c[i])
                if isinstance(mi_j, str) and mi_j == ci_i:
                    why.append(f"same industry {mi_j}")
                if pid in fixed:
                    why.append("fixed by user")
                if not why:
                    why.append("capacity/mix/balance")
                rows.append(
                    {
                        "person_id": pid,
                        "family": fams[j],
                        "cell_lead_id": ids_c[i],
                        "role_in_cell": "member",
                        "fixed": pid in fixed,
                        "reason": "; ".join(why),
                    }
                )
    a = pd.DataFrame(rows)
    cells = []
    for i in leads:
        ms = a[a["cell_lead_id"] == ids_c[i]]["person_id"]
        cells.append({"cell_lead_id": ids_c[i], "members": int(len(ms) - 1),
                      **{f"n_{f}": int((a.loc[a["cell_lead_id"] == ids_c[i], "family"] == f).sum() - (f == "senior_am")) for f in (*SUPPORT, *SELLERS)},
                      "team_quota": float(quota.reindex(ms).sum()), "potential": float(pot.reindex(ms).sum()),
                      "balance_gap": int(abs(gapv.reindex(ms).sum()))})  # fmt: skip
    return CellPlan(
        a, pd.DataFrame(cells), float(objective), float(bound), float(gap), name, n_cells, notes
    )
