"""Rollout: where should a proven programme go next?

Other teams are ranked by how much they resemble the treated teams before the start — the
level of the outcome, their deal mix (share of solution deals), activity (deals per person
and period) and size — and by the benefit they could expect. An effect measured on one kind
of team transfers best to teams like it (the "transportability" of a causal effect, Pearl &
Bareinboim 2014); a team far outside the treated teams' profile gets a low similarity and a
note, not a confident number.

Predicted benefit per year for team ``j`` is ``effect × exposure_j``, where exposure is the
metric's annual volume there: closed deals for a win rate (benefit = extra won deals), won
deals for a deal size (extra amount), person-periods for bookings or pipeline (extra amount).
Every bootstrap draw of the effect is carried through, so each team gets P10/P50/P90 of its
benefit, not a point.

References:
    Pearl, J. & Bareinboim, E. (2014), "External Validity: From Do-Calculus to
    Transportability Across Populations", *Statistical Science* 29(4): 579–595.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesorg.errors import ConfigError
from salesorg.impact.analysis import ImpactResult, team_of
from salesorg.impact.panel import outcome_panel
from salesorg.impact.panel_arrays import PanelArrays

__all__ = ["rollout"]

PERIODS_PER_YEAR = {"week": 52, "month": 12}


TREATED = "(treated)"


def _groups(store, r: ImpactResult, people: list[str], by: str) -> dict[str, str]:
    """Each person's rollout group: their team at the start, or their country.

    By country, the treated people form their own group (the reference profile), so a
    country that holds the treated team is still ranked on its other people.
    """
    if by == "team":
        return team_of(store, people, r.started_on)
    if by == "country":
        ppl = store.table("people").select("person_id", "country").execute()
        out = {p: c for p, c in zip(ppl.person_id, ppl.country, strict=True) if isinstance(c, str)}
        for p in r.treated:
            out[p] = TREATED
        return out
    raise ConfigError(f"rollout by must be team or country, not {by!r}")


def _team_features(store, r: ImpactResult, by: str = "team") -> pd.DataFrame:
    long, grid = outcome_panel(store, r.metric, as_of=r.as_of, freq=r.freq)
    teams = _groups(store, r, sorted(set(long.unit) | set(r.treated)), by)
    p = PanelArrays.from_long(long, starts={}, clusters=teams, periods=grid)
    g = min(r.panel.cohorts)
    start_day = r.panel.periods[g]
    end = int(np.searchsorted(p.periods, start_day))
    lo = max(0, end - r.effect.pre_periods)
    num, den = p.num[:, lo:end].sum(1), p.den[:, lo:end].sum(1)
    sol, _ = outcome_panel(store, "solution-share", as_of=r.as_of, freq=r.freq)
    sol = sol[pd.to_datetime(sol.period) < pd.Timestamp(start_day)]
    sol = sol[pd.to_datetime(sol.period) >= pd.Timestamp(p.periods[lo])]
    sol["team"] = sol.unit.map(teams)
    mix = sol.groupby("team").apply(
        lambda d: d.num.sum() / d.den.sum() if d.den.sum() else np.nan, include_groups=False
    )
    df = pd.DataFrame(
        {"unit": p.units, "team": [teams.get(u) for u in p.units], "num": num, "den": den}
    )
    df = df[df.team.notna() & (df.den > 0)]
    agg = df.groupby("team").agg(num=("num", "sum"), den=("den", "sum"), size=("unit", "nunique"))
    periods = max(end - lo, 1)
    out = pd.DataFrame(
        {
            "level": agg.num / agg.den,
            "activity": agg.den / agg["size"] / periods,
            "size": agg["size"].astype(float),
            "solution_share": mix.reindex(agg.index),
            "exposure_per_year": agg.den / periods * PERIODS_PER_YEAR[r.freq],
        }
    )
    return out


def rollout(store, r: ImpactResult, *, top: int | None = None, by: str = "team") -> pd.DataFrame:
    """Rank the teams (or countries, ``by="country"``) that did not take part: similarity to
    the treated teams and benefit.

    Columns: ``rank``, ``team`` (the team or country), ``name``, ``similarity`` (0..1), ``distance``, ``size``, ``level``,
    ``solution_share``, ``benefit_p10``, ``benefit_p50``, ``benefit_p90`` (per year, in the
    metric's unit × volume), ``note``.
    """
    feats = _team_features(store, r, by)
    if by == "team":
        treated_teams = set(team_of(store, r.treated, r.started_on).values())
    else:
        treated_teams = {TREATED}
    cols = ["level", "activity", "size", "solution_share"]
    x = feats[cols].astype(float)
    x = x.fillna(x.mean())
    sd = x.std(ddof=0).replace(0, 1.0).fillna(1.0)
    z = (x - x.mean()) / sd
    is_t = z.index.isin(list(treated_teams))
    if not is_t.any():
        return pd.DataFrame()
    centre = z[is_t].mean()
    dist = np.sqrt(((z - centre) ** 2).sum(1) / len(cols))
    treated_spread = float(dist[is_t].max()) if is_t.sum() > 1 else 0.0
    draws = r.effect.draws[np.isfinite(r.effect.draws)]
    if len(draws) == 0:
        draws = np.array([r.effect.estimate])
    names = store.table("units").select("unit_id", "name").execute().set_index("unit_id")["name"]
    rows = []
    for team in feats.index[~is_t]:
        ben = draws * feats.loc[team, "exposure_per_year"]
        p10, p50, p90 = np.quantile(ben, [0.1, 0.5, 0.9])
        d = float(dist[team])
        sim = float(np.exp(-0.5 * d**2))
        note = (
            ""
            if d <= max(1.5, 1.5 * treated_spread)
            else "unlike the treated teams: the effect may not transfer"
        )
        rows.append(
            {
                "team": team,
                "name": names.get(team, team),
                "similarity": sim,
                "distance": d,
                "size": int(feats.loc[team, "size"]),
                "level": float(feats.loc[team, "level"]),
                "solution_share": float(feats.loc[team, "solution_share"])
                if pd.notna(feats.loc[team, "solution_share"])
                else None,
                "benefit_p10": float(p10),
                "benefit_p50": float(p50),
                "benefit_p90": float(p90),
                "note": note,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["benefit_unit"] = {
        "share": "deals per year",
        "money": f"{store.reporting_currency} per year",
        "days": "deal-days per year",
    }.get(r.metric.unit, "metric units per year")
    out["score"] = out.similarity * out.benefit_p50
    out = out.sort_values(["score", "similarity"], ascending=False).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.head(top) if top else out
