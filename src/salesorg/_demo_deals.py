"""The demo company's opportunities and their full stage history, vectorised.

Private helper of :mod:`salesorg.demo` (which documents the model and the planted effects).
Each account manager creates deals on weekdays as a Poisson process (seasonal, ramping up for
new hires); each deal gets a type, an amount, an outcome drawn from a per-person win
probability, stage durations, slips of its expected close date, amount changes, forecast
categories and occasional owner changes. Rows later than the demo's ``as_of`` are cut, so deals
still running at the end form the open pipeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesorg._demo_org import TEAMS, Org

__all__ = ["STAGES", "DealParams", "build_deals", "day", "month_end"]

#: (stage, ordinal, is_closed, is_won, default_probability): the CRM's stage list.
STAGES = (
    ("Qualify", 1, False, False, 0.10),
    ("Discover", 2, False, False, 0.20),
    ("Propose", 3, False, False, 0.40),
    ("Negotiate", 4, False, False, 0.70),
    ("Won", 5, True, True, 1.0),
    ("Lost", 6, True, False, 0.0),
)
_STAGE_NAMES = np.array([s[0] for s in STAGES])
_DEAL_TYPES = np.array(["product", "solution", "upsell", "renewal"])
_PRODUCTS = np.array(["Network", "Unified Communications", "Cloud Hosting", "Security",
                      "Managed Services", "Mobile", "Data Centre"])  # fmt: skip
# Month-of-year multipliers of deal creation (summer and Christmas are quiet).
_SEASON = np.array([0.95, 1.05, 1.1, 1.05, 1.0, 1.0, 0.85, 0.7, 1.05, 1.1, 1.05, 0.75])
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class DealParams:
    """Knobs of the deal model (defaults give ~30k deals, win rate ~27 %)."""

    start: dt.date
    as_of: dt.date
    initiative_start: dt.date
    creation_per_weekday: float = 0.33
    base_win: float = 0.24
    win_effect: float = 0.06
    solution_effect: float = 0.15
    ramp_days: int = 42
    product_price_erosion: float = 0.03


def day(d: dt.date) -> int:
    """A date as days since 1970-01-01."""
    return (d - _EPOCH).days


def month_end(days: np.ndarray) -> np.ndarray:
    """The last day of the month of each day number."""
    m = days.astype("datetime64[D]").astype("datetime64[M]")
    return ((m + 1).astype("datetime64[D]") - 1).astype(np.int64)


def quarter_end(days: np.ndarray) -> np.ndarray:
    m = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    q_next = (m - m % 3 + 3).astype("datetime64[M]")
    return (q_next.astype("datetime64[D]") - 1).astype(np.int64)


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # Monday = 0


def _to_monday(days: np.ndarray) -> np.ndarray:
    wd = _weekday(days)
    return days + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))


def _ramp(days_since: np.ndarray, ramp_days: int) -> np.ndarray:
    return np.clip(days_since / ramp_days, 0.0, 1.0)


def _gamma(rng: np.random.Generator, scale: float, n: int) -> np.ndarray:
    return np.ceil(rng.gamma(2.0, scale, n)).astype(np.int64) + 1


def build_deals(
    rng: np.random.Generator, org: Org, fx_chf: np.ndarray, p: DealParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the opportunities and their history. ``fx_chf[d - start]``: EUR per CHF on day d."""
    start, stop = day(p.start), day(p.as_of)
    members = set(org.initiative_members)
    hired = dict(zip(org.people.person_id, org.people.hired_on, strict=True))

    # 1. creation: Poisson per AM weekday
    owner_l, team_l, day_l = [], [], []
    for s in org.am_segments:
        lo = max(day(s.start), start)
        hi = min(day(s.end) if s.end else stop + 1, stop + 1)
        if lo >= hi:
            continue
        days = np.arange(lo, hi)
        days = days[_weekday(days) < 5]
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        tenure = days - day(hired[s.person_id])
        rate = p.creation_per_weekday * _SEASON[month] * (0.4 + 0.6 * _ramp(tenure, 120))
        counts = rng.poisson(rate)
        owner_l.append(np.repeat(s.person_id, counts.sum()))
        team_l.append(np.full(counts.sum(), s.team))
        day_l.append(np.repeat(days, counts))
    owner = np.concatenate(owner_l)
    team = np.concatenate(team_l)
    t0 = np.concatenate(day_l)
    order = np.lexsort((owner, t0))
    owner, team, t0 = owner[order], team[order], t0[order]
    n = len(t0)

    # 2. treatment ramp, deal type, amount
    treated = np.isin(owner, list(members)) & (t0 >= day(p.initiative_start))
    ramp = np.where(treated, _ramp(t0 - day(p.initiative_start), p.ramp_days), 0.0)
    u = rng.random(n)
    p_sol = 0.20 + p.solution_effect * ramp
    dtype = np.where(u < p_sol, 1, np.where(u < p_sol + 0.15, 2, np.where(u < p_sol + 0.25, 3, 0)))
    is_senior = np.array([org.senior[o] for o in owner])
    median = np.array([18_000.0, 55_000.0, 12_000.0, 25_000.0])[dtype]
    years = (t0 - day(dt.date(2024, 1, 1))) / 365.25
    erosion = np.where(dtype == 0, (1 - p.product_price_erosion) ** years, 1.0)
    amount_eur = median * np.where(is_senior, 1.6, 1.0) * erosion * rng.lognormal(0, 0.6, n)
    chf = np.array([TEAMS[t][3] == "CHF" for t in team])
    rate = fx_chf[np.clip(t0 - start, 0, len(fx_chf) - 1)]
    a0 = np.maximum(np.round(np.where(chf, amount_eur / rate, amount_eur), -2), 500.0)

    # 3. outcome: persistent person effect + deal type, plus the planted effect
    skill = np.array([org.skill[o] for o in owner])
    logit = np.log(p.base_win / (1 - p.base_win)) + skill + np.array([0.0, 0.0, 0.4, 1.0])[dtype]
    p_win = np.clip(1 / (1 + np.exp(-logit)) + p.win_effect * ramp, 0.0, 0.98)
    won = rng.random(n) < p_win
    last = np.where(won, 4, rng.choice([1, 2, 3, 4], size=n, p=[0.35, 0.30, 0.22, 0.13]))

    # 4. stage timing (days) and close
    slow = np.where(dtype == 1, 1.4, np.where(dtype == 3, 0.7, 1.0))
    enter = np.zeros((n, 5), dtype=np.int64)  # enter[:, k-1] = day stage k entered
    enter[:, 0] = t0
    for k, scale in zip((1, 2, 3), (8.0, 10.0, 11.0), strict=True):
        dur = np.ceil(_gamma(rng, scale, n) * slow).astype(np.int64)
        enter[:, k] = _to_monday(enter[:, k - 1] + dur)
    t_last = enter[np.arange(n), last - 1]
    t_close = _to_monday(t_last + np.ceil(_gamma(rng, 8.0, n) * slow).astype(np.int64))
    qe = quarter_end(t_close)
    push = won & (qe - t_close <= 55) & (rng.random(n) < 0.6)
    pushed = qe - rng.integers(0, 10, n)
    pushed = pushed - np.where(_weekday(pushed) == 5, 1, np.where(_weekday(pushed) == 6, 2, 0))
    t_close = np.where(push & (pushed > t_close), pushed, t_close)

    # 5. amounts: a revision inside each stage (40 %), a change at Propose, a discount at
    #    Negotiate; every change is its own history row
    ids = np.char.add("OPP-", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    idx = np.arange(n)
    ev: list[dict[str, np.ndarray]] = []

    def add(rows: np.ndarray, when: np.ndarray, kind: int, **cols: np.ndarray) -> None:
        ev.append({"i": rows, "d": when, "kind": np.full(len(rows), kind), **cols})

    commit_p = rng.random(n)
    exp0 = month_end(t0 + np.round(rng.gamma(3.0, 20.0, n)).astype(np.int64))
    add(idx, t0, 0, stage=np.zeros(n, np.int64), amount=a0, close=exp0, owner=owner)
    amt = a0.copy()
    entry_change = {2: (rng.random(n) < 0.5, rng.lognormal(0.05, 0.2, n)),
                    3: (rng.random(n) < 0.4, rng.uniform(0.88, 1.0, n))}  # fmt: skip
    for k in range(4):
        if k > 0:
            m = last > k
            if k in entry_change:
                hit, factor = entry_change[k]
                amt = np.where(m & hit, np.maximum(np.round(amt * factor, -2), 500.0), amt)
            add(idx[m], enter[m, k], 1, stage=np.full(m.sum(), k), amount=amt[m])
        reached = last >= k + 1
        leave = np.where(last > k + 1, enter[:, min(k + 1, 3)], t_close)
        when = enter[:, k] + np.floor(rng.random(n) * (leave - enter[:, k])).astype(np.int64)
        revised = np.maximum(np.round(amt * rng.lognormal(0.0, 0.12, n), -2), 500.0)
        m = reached & (rng.random(n) < 0.4) & (when > enter[:, k]) & (when < leave)
        m &= revised != amt  # a row is a change: no revision that rounds to the same amount
        amt = np.where(m, revised, amt)
        add(idx[m], when[m], 4, amount=amt[m])
        if k == 3:  # a Negotiate deal called best_case first is upgraded to commit
            up = reached & (commit_p >= 0.4) & (rng.random(n) < 0.5)
            up &= (when > enter[:, k]) & (when < leave)
            add(idx[up], when[up], 5, upgrade=np.ones(up.sum(), bool))
    add(idx, t_close, 3, stage=np.where(won, 4, 5), close=t_close)

    # 6. slips: the rep moves an expected close date that is about to pass (up to 3 times)
    exp = exp0.copy()
    for _ in range(3):
        when = exp - rng.integers(1, 8, n)
        m = (t_close > exp) & (when > t0) & (when < t_close)
        new = month_end(when + 30 + rng.integers(0, 40, n))
        add(idx[m], when[m], 2, close=new[m])
        exp = np.where(m, new, exp)

    # 7. owner changes: a leaver's open deals go to a teammate; ~1.5 % random reassignments
    seg_by_team: dict[int, list[tuple[str, int, int]]] = {}
    for s in org.am_segments:
        seg_by_team.setdefault(s.team, []).append(
            (s.person_id, day(s.start), day(s.end) if s.end else 10**9)
        )

    def teammate(ti: int, when: int, not_: str) -> str | None:
        cands = [pid for pid, a, b in seg_by_team[ti] if a <= when < b and pid != not_]
        return cands[rng.integers(len(cands))] if cands else None

    moves: list[tuple[int, int, str]] = []  # (deal, day, new owner)
    for pid, left_on in org.leavers.items():
        ld = day(left_on)
        for i in np.flatnonzero((owner == pid) & (t0 < ld) & (t_close > ld)):
            new_owner = teammate(int(team[i]), ld, pid)
            if new_owner:
                moves.append((int(i), ld, new_owner))
    for i in np.flatnonzero(rng.random(n) < 0.015):
        if t_close[i] - t0[i] > 2 and owner[i] not in org.leavers:
            moved_on = int(rng.integers(t0[i] + 1, t_close[i]))
            new_owner = teammate(int(team[i]), moved_on, str(owner[i]))
            if new_owner:
                moves.append((int(i), moved_on, new_owner))
    if moves:
        r_i, r_d, r_o = zip(*moves, strict=True)
        add(np.array(r_i), np.array(r_d), 2, owner=np.array(r_o, dtype=object))

    hist = _assemble(rng, ev, n, ids, stop, commit_p)
    final_owner = hist.groupby("opportunity_id", sort=False)["owner_id"].last()
    product = _PRODUCTS[rng.integers(len(_PRODUCTS), size=n)]
    opps = pd.DataFrame(
        {
            "opportunity_id": ids,
            "account_id": _account_ids(rng, team),
            "name": np.char.add(
                np.char.add(product.astype(str), " "), np.char.replace(ids, "OPP-", "#")
            ),
            "product": product,
            "deal_type": _DEAL_TYPES[dtype],
            "created_on": t0.astype("datetime64[D]"),
            "currency": np.where(chf, "CHF", "EUR"),
            "pipeline": "default",
        }
    )
    opps["owner_id"] = opps["opportunity_id"].map(final_owner)
    return opps, hist


def _account_ids(rng: np.random.Generator, team: np.ndarray, per_team: int = 150) -> np.ndarray:
    k = np.minimum(np.floor(rng.pareto(1.2, len(team)) * 20).astype(int), per_team - 1) + 1
    return np.char.add(
        np.char.add("ACC-", np.char.zfill((team + 1).astype(str), 2)),
        np.char.add("-", np.char.zfill(k.astype(str), 3)),
    )


def _assemble(
    rng: np.random.Generator,
    ev: list[dict[str, np.ndarray]],
    n: int,
    ids: np.ndarray,
    stop: int,
    commit_p: np.ndarray,
) -> pd.DataFrame:
    """Events → full-state history rows (forward-filled), timestamps, cut at ``stop``.

    ``commit_p`` (per deal, uniform) picks forecast categories: Propose is best_case below 0.6,
    Negotiate is commit below 0.4 (the rest start best_case and may be upgraded).
    """
    frames = []
    for e in ev:
        frames.append(pd.DataFrame({k: v for k, v in e.items()}))
    h = pd.concat(frames, ignore_index=True)
    h = h.sort_values(["i", "d", "kind"], kind="stable").reset_index(drop=True)
    g = h.groupby("i", sort=False)
    for c in ("stage", "amount", "owner"):
        h[c] = g[c].ffill()
    h["upgrade"] = h["upgrade"].eq(True)
    h["upgrade"] = h.groupby("i", sort=False)["upgrade"].cummax()
    # expected close date: carried forward until a slip or the close changes it
    h["close"] = g["close"].ffill()
    h = h[h["d"] <= stop]
    rank = h.groupby("i").cumcount().to_numpy()
    offset = rng.integers(0, 8 * 60, n)[h["i"].to_numpy()]
    minutes = 8 * 60 + offset + rank * 7
    ts = h["d"].to_numpy().astype("datetime64[D]").astype("datetime64[m]") + minutes.astype(
        "timedelta64[m]"
    )
    stage = h["stage"].to_numpy().astype(np.int64)
    commit_p = commit_p[h["i"].to_numpy()]
    fc = np.select(
        [stage <= 1, stage == 2, stage == 3, stage == 4],
        [
            "pipeline",
            np.where(commit_p < 0.6, "best_case", "pipeline"),
            np.where((commit_p < 0.4) | h["upgrade"].to_numpy(), "commit", "best_case"),
            "closed",
        ],
        default="omitted",
    )
    return pd.DataFrame(
        {
            "opportunity_id": ids[h["i"].to_numpy()],
            "changed_at": ts.astype("datetime64[us]"),
            "stage": _STAGE_NAMES[stage],
            "amount": h["amount"].to_numpy().astype(float),
            "close_date": h["close"].to_numpy().astype(np.int64).astype("datetime64[D]"),
            "forecast_category": fc,
            "owner_id": h["owner"].to_numpy(),
        }
    )
