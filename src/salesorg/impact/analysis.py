"""From an initiative in the store to a measured effect: panel, matching, estimate, checks.

:func:`analyse` is what ``salesorg impact INITIATIVE`` runs. It builds the outcome panel as of
``as_of`` (:mod:`salesorg.impact.panel`), expands the initiative to people and their teams at
the start (:mod:`salesorg.impact.initiatives`), matches comparison people on the pre-period
(:mod:`salesorg.impact.matching`), estimates the effect with the staggered-adoption
group-time estimator and a team-level cluster bootstrap (:mod:`salesorg.impact.estimate`),
and runs the placebo test (:mod:`salesorg.impact.placebo`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesorg.errors import ConfigError, DataError
from salesorg.impact.estimate import EffectEstimate, estimate_effect
from salesorg.impact.initiatives import Treatment, treatment
from salesorg.impact.matching import Matching, match, match_teams, pre_features
from salesorg.impact.panel import Metric, metric, outcome_panel
from salesorg.impact.panel_arrays import PanelArrays
from salesorg.impact.placebo import placebo_test
from salesorg.metrics.pit import reporting_line, to_date

__all__ = ["ImpactResult", "analyse", "default_as_of", "team_of"]

#: Default baseline window: half a year of weeks, or six months.
PRE_PERIODS = {"week": 26, "month": 6}
PERIOD_DAYS = {"week": 7, "month": 30}


@dataclass
class ImpactResult:
    initiative_id: str
    name: str
    metric: Metric
    as_of: dt.date
    started_on: dt.date
    freq: str
    effect: EffectEstimate
    matching: Matching
    placebo: pd.DataFrame
    treated: list[str]
    panel: PanelArrays
    warnings: list[str] = field(default_factory=list)
    method: str = ""


def default_as_of(store) -> dt.date:
    """The last day with a recorded change (a data-driven default, not the clock)."""
    h = store.table("opportunity_history")
    v = h.changed_at.max().execute()
    if v is None or pd.isna(v):
        raise DataError(
            "the store has no opportunity history — import opportunity_history.csv first"
        )
    return pd.Timestamp(v).date()


def team_of(store, people: list[str], day: dt.date) -> dict[str, str]:
    """Each person's unit on ``day`` (from the effective-dated reporting line)."""
    line = reporting_line(store, day).execute()
    line = line[line.person_id.isin(set(people))]
    return dict(zip(line.person_id, line.unit_id, strict=True))


def analyse(
    store,
    initiative_id: str,
    *,
    metric_name: str = "win-rate",
    as_of: dt.date | str | None = None,
    freq: str = "week",
    replicates: int = 999,
    seed: int = 0,
    pre_periods: int | None = None,
    k: int = 3,
    match_method: str = "mahalanobis",
    match_level: str = "person",
    min_clusters: int = 6,
    placebo_shifts: list[int] | None = None,
) -> ImpactResult:
    """Measure initiative ``initiative_id`` on ``metric_name`` (see module doc)."""
    rng = np.random.default_rng(seed)
    as_of = to_date(as_of) if as_of is not None else default_as_of(store)
    m = metric(metric_name)
    tr: Treatment = treatment(store, initiative_id)
    pre = pre_periods or PRE_PERIODS[freq]
    if tr.started_on > as_of:
        raise DataError(
            f"initiative {initiative_id} starts {tr.started_on}, after --as-of {as_of}: nothing to measure yet — try `salesorg impact plan`"
        )
    long, grid = outcome_panel(store, m, as_of=as_of, freq=freq)
    if long.empty:
        raise DataError(f"no {m.name} data up to {as_of} — check the metric and the imported deals")
    starts = {r.person_id: to_date(r.joined_on) for r in tr.people.itertuples()}
    everyone = sorted(set(long.unit) | set(starts))
    teams = team_of(store, everyone, tr.started_on)
    panel = PanelArrays.from_long(long, starts=starts, clusters=teams, periods=grid)
    first = min(panel.cohorts) if panel.cohorts else None
    if first is None:
        raise DataError(
            f"none of the {len(starts)} people in {initiative_id} has {m.name} data — check the members"
        )
    feats = pre_features(panel, end=first, window=pre)
    treated = [u for u, c in zip(panel.units, panel.cohort, strict=True) if c >= 0]
    treated_teams = {teams.get(u) for u in treated} - {None}
    pool = [
        u
        for u, c in zip(panel.units, panel.cohort, strict=True)
        if c < 0 and teams.get(u) not in treated_teams
    ]
    if match_level == "team":
        mt = match_teams(feats, teams, treated, pool, k=k, method=match_method)
    elif match_level == "person":
        mt = match(feats, treated, pool, k=k, method=match_method)
    else:
        raise ConfigError(f"--match-level must be person or team, not {match_level!r}")
    keep = np.isin(panel.units, treated + mt.comparison)
    sub = panel.subset(keep)
    if len(np.unique(sub.cluster[~sub.treated])) < 2:
        mt.weak = True
        mt.reasons.append("fewer than two comparison teams")
    eff = estimate_effect(
        sub,
        rng=rng,
        pre_periods=pre,
        replicates=replicates,
        min_clusters=min_clusters,
        period_days=PERIOD_DAYS[freq],
    )
    shifts = placebo_shifts if placebo_shifts is not None else [pre // 2]
    plac = placebo_test(
        sub,
        shifts=shifts,
        rng=rng,
        pre_periods=pre,
        replicates=min(replicates, 199),
        min_clusters=min_clusters,
    )
    warnings = list(eff.warnings)
    if mt.weak:
        warnings.append("weak_comparison")
    if len(plac) and (plac.p_value < 0.05).any():
        warnings.append("placebo_effect")
    unit = "people" if match_level == "person" else "teams"
    method = (
        f"difference-in-differences against matched comparison {unit} "
        f"({mt.method}, {k} per treated {match_level}); group-time ATT with never-treated comparison "
        "(Callaway & Sant'Anna 2021), baseline = each person's last "
        f"{pre} {freq}s before start; {replicates} team-level cluster-bootstrap replicates"
    )
    return ImpactResult(
        initiative_id=initiative_id,
        name=tr.name,
        metric=m,
        as_of=as_of,
        started_on=tr.started_on,
        freq=freq,
        effect=eff,
        matching=mt,
        placebo=plac,
        treated=treated,
        panel=sub,
        warnings=warnings,
        method=method,
    )
