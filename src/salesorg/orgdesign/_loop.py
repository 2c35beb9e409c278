"""A plain per-trial, per-person Python loop of the same model: test oracle and benchmark baseline.

It consumes the random generator exactly as :func:`~salesorg.orgdesign.simulate.simulate` does
when all trials fit in one chunk (override streams, then the parameter draws, then one
standard normal per person), and then computes every trial and every seller one at a time
from the people table, without the grouping and gathering tricks of the vectorised code. The
two must agree to float32 rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from salesorg.orgdesign.assumptions import DEFAULTS, Assumptions
from salesorg.orgdesign.orgmodel import MANAGEMENT, SELLERS, OrgModel
from salesorg.orgdesign.outcome import coaching_factor, fit_baselines, team_quota_factor
from salesorg.orgdesign.timebudget import coaching_per_am_month, reporting_hours, time_budget

__all__ = ["simulate_loop"]


class _Lines:
    """Who reports to whom in one people table (dict lookups, no scans)."""

    def __init__(self, people: Any):
        self.mgr = dict(zip(people["person_id"], people["manager_id"], strict=True))
        self.fam = dict(zip(people["person_id"], people["family"], strict=True))
        self.span: dict[str, int] = {}
        for m in self.mgr.values():
            if isinstance(m, str):
                self.span[m] = self.span.get(m, 0) + 1

    def leader(self, pid: str) -> tuple[str, int, bool]:
        """(kind of pid's manager, that manager's span, whether pid leads anyone)."""
        m = self.mgr[pid]
        leads = self.span.get(pid, 0) > 0
        if not isinstance(m, str) or m not in self.fam:
            return "none", 0, leads
        return ("manager" if self.fam[m] in MANAGEMENT else "cell_lead"), self.span[m], leads


def _coach(kind: str, span: int, auto: bool, p: dict[str, float]) -> float:
    if kind == "manager":
        return float(coaching_per_am_month(span, automated=auto, assumptions=p))
    if kind == "cell_lead":
        return (
            float(time_budget("cell_lead", span=span, assumptions=p).coaching_given)
            * p["weeks_per_month"]
            / max(span, 1)
        )
    return 0.0


def _sell(lead: bool, auto: bool, p: dict[str, float]) -> float:
    if lead:
        return float(time_budget("cell_lead", span=1, assumptions=p).own_deals)
    return float(
        time_budget("am", automated=auto, coaching_received_month=0.0, assumptions=p).selling
    )


def simulate_loop(
    scenarios: list[OrgModel],
    *,
    baseline: OrgModel,
    trials: int,
    rng: np.random.Generator,
    assumptions: Assumptions = DEFAULTS,
) -> list[dict[str, np.ndarray]]:
    """Bookings, cost of sales (%) and share above quota per trial, one scenario per dict."""
    b = fit_baselines(baseline, shrinkage_strength=assumptions["shrinkage_strength"].value)

    # the random layout of simulate(): one column per (seller, baseline) over the scenarios
    def profile(pid: str, fam: str) -> tuple[float, float]:
        mean, sd = b.mean.get(pid, float("nan")), b.log_sd.get(pid, float("nan"))
        if mean != mean:
            default = float(np.mean(list(b.peer_mean.values()))) if b.peer_mean else 0.0
            default_sd = float(np.mean(list(b.peer_log_sd.values()))) if b.peer_log_sd else 0.5
            mean, sd = b.peer_mean.get(fam, default), b.peer_log_sd.get(fam, default_sd)
        mean = max(mean, 1e-6)
        return float(np.float32(math.log(mean) - sd * sd / 2)), float(np.float32(sd))

    union: dict[tuple[str, float, float], int] = {}
    for org in scenarios:
        s = org.people[org.people["family"].isin(SELLERS)]
        for pid, fam in zip(s["person_id"], s["family"], strict=True):
            union.setdefault((pid, *profile(pid, fam)), len(union))
    rng.integers(0, 2**63 - 1, size=len(scenarios))  # the override streams (unused here)
    prm = assumptions.sample(rng, trials)
    z = rng.standard_normal((trials, len(union)), dtype=np.float32)
    bp = baseline.people
    bl = _Lines(bp)
    ref_people = set(bp["person_id"])
    kinds = [bl.leader(pid)[:2] for pid in bp.loc[bp["family"].isin(SELLERS), "person_id"]]
    default_ref = max(set(kinds), key=kinds.count)
    out = []
    for org in scenarios:
        p = org.people
        lines = _Lines(p)
        sellers = p[p["family"].isin(SELLERS)]
        info = []
        for pid, fam, cell, q in zip(
            sellers["person_id"],
            sellers["family"],
            sellers["cell_id"],
            sellers["quota"],
            strict=True,
        ):
            kind, span, lead = lines.leader(pid)
            if pid in ref_people and bl.leader(pid)[0] != "none":
                rk, rs, rl = bl.leader(pid)
                rl = rl and fam in SELLERS
            else:
                rk, rs, rl = default_ref[0], default_ref[1], False
            mu, sd = profile(pid, fam)
            info.append(
                (
                    union[(pid, mu, sd)],
                    kind,
                    span,
                    lead,
                    isinstance(cell, str),
                    rk,
                    rs,
                    rl,
                    mu,
                    sd,
                    q,
                )
            )
        res = {"bookings": np.empty(trials), "cost_of_sales_pct": np.empty(trials),
               "share_above_quota": np.empty(trials)}  # fmt: skip
        cost = float(p["cost"].fillna(0).sum())
        for t in range(trials):
            pt = {k: float(v[t]) for k, v in prm.items()}
            tq = math.log(float(team_quota_factor(pt["team_quota_effect"], org.team_quota_share)))
            total, above, nq = 0.0, 0, 0
            for ix, kind, span, lead, cell, rk, rs, rl, mu, sd, q in info:
                c1 = _coach(kind, span, org.automated, pt)
                c0 = _coach(rk, rs, baseline.automated, pt)
                s1, s0 = _sell(lead, org.automated, pt), _sell(rl, baseline.automated, pt)
                f = pt["selling_elasticity"] * math.log(max(s1, 1e-9) / max(s0, 1e-9))
                f += math.log(
                    float(coaching_factor(c1, pt["coaching_max_lift"], pt["coaching_half_hours"]))
                    / float(coaching_factor(c0, pt["coaching_max_lift"], pt["coaching_half_hours"]))
                )
                f += pt["coaching_elasticity"] * math.log(max(c1, 0.1) / max(c0, 0.1))
                f += tq if cell else 0.0
                logb = mu + float(z[t, ix]) * sd * pt["person_noise_scale"] + f
                total += math.exp(logb)
                if q == q and q is not None and q > 0:
                    nq += 1
                    above += logb > math.log(q)
            res["bookings"][t] = total
            res["cost_of_sales_pct"][t] = 100.0 * cost / total
            res["share_above_quota"][t] = above / max(nq, 1)
        out.append(res)
    return out


def reporting_loop(org: OrgModel, p: dict[str, float]) -> float:
    """Mean reporting hours per week over everyone who leads sellers (one trial)."""
    fam = dict(zip(org.people["person_id"], org.people["family"], strict=True))
    leaders = {m for m, f in zip(org.people["manager_id"], org.people["family"], strict=True)
               if f in SELLERS and isinstance(m, str) and m in fam}  # fmt: skip
    hours = []
    for m in sorted(leaders):
        span = int((org.people["manager_id"] == m).sum())
        if fam[m] in MANAGEMENT:
            hours.append(
                float(reporting_hours(span, automated=org.automated, assumptions=p).per_week)
            )
        else:
            hours.append(p["cell_reporting_hours_month"] / p["weeks_per_month"])
    return sum(hours) / len(hours) if hours else 0.0
