"""``salesorg impact plan``: time-to-signal for a programme, from the store's own noise.

Before a programme: how many weeks until an effect of size X on this metric, for these
people, is detectable (80 % power, 5 % level)? During it: the smallest effect the data up to
``as_of`` could have shown. The noise (variance, person share, autocorrelation, share of
weeks with data, team correlation) is estimated from the history before the start
(:func:`salesorg.impact.power.noise_from_panel`), the formula is in
:mod:`salesorg.impact.power`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from salesorg.errors import DataError, NotFoundError
from salesorg.impact.analysis import PERIOD_DAYS, PRE_PERIODS, default_as_of, team_of
from salesorg.impact.initiatives import _descendants
from salesorg.impact.panel import metric, outcome_panel
from salesorg.impact.panel_arrays import PanelArrays
from salesorg.impact.power import Design, mde, mde_table, noise_from_panel, periods_to_signal
from salesorg.metrics.pit import reporting_line, to_date

__all__ = ["plan"]


def _expand(store, members: list[str], day: dt.date) -> list[str]:
    units = store.table("units").execute()
    people = set(store.table("people").person_id.execute())
    line = reporting_line(store, day).execute()
    out: set[str] = set()
    for m in members:
        if m in set(units.unit_id):
            out |= set(line[line.unit_id.isin(_descendants(units, m))].person_id)
        elif m in people:
            out.add(m)
        else:
            raise NotFoundError(f"unknown member {m!r} — give person_id or unit_id values")
    return sorted(out)


def plan(
    store,
    *,
    members: list[str],
    metric_name: str,
    effect: float,
    start: dt.date | str | None = None,
    as_of: dt.date | str | None = None,
    freq: str = "week",
    pre_periods: int | None = None,
    k: int = 3,
    max_periods: int = 104,
    alpha: float = 0.05,
    power: float = 0.80,
) -> dict[str, Any]:
    """Time-to-signal and (during a programme) today's minimum detectable effect."""
    as_of = to_date(as_of) if as_of is not None else default_as_of(store)
    start = to_date(start) if start is not None else as_of
    m = metric(metric_name)
    pre = pre_periods or PRE_PERIODS[freq]
    treated = _expand(store, members, start)
    history_end = min(start, as_of)
    long, grid = outcome_panel(store, m, as_of=as_of, freq=freq)
    if long.empty:
        raise DataError(f"no {m.name} history up to {as_of} to estimate its noise from")
    teams = team_of(store, sorted(set(long.unit) | set(treated)), history_end)
    p = PanelArrays.from_long(long, starts={}, clusters=teams, periods=grid)
    end = int(np.searchsorted(p.periods, np.datetime64(history_end, "D"), side="right"))
    if end < 4:
        raise DataError(
            f"less than 4 {freq}s of {m.name} history before {history_end}: cannot estimate its noise"
        )
    noise = noise_from_panel(p, end=end, window=max(2 * pre, 52 if freq == "week" else 12))
    with_data = set(p.units[p.den[:, max(0, end - pre) : end].sum(1) > 0])
    n_t = len([u for u in treated if u in with_data])
    if n_t == 0:
        raise DataError(
            f"none of the {len(treated)} members has {m.name} data before {history_end}"
        )
    treated_teams = {teams.get(u) for u in treated}
    pool = [u for u in with_data if u not in treated and teams.get(u) not in treated_teams]
    n_c = min(k * n_t, len(pool))
    if n_c == 0:
        raise DataError("no comparison people with data outside the members' teams")
    sizes = pd.Series(teams).value_counts()
    t_size = (
        float(np.mean([sizes.get(t, 1) for t in treated_teams if t is not None]))
        if treated_teams - {None}
        else 1.0
    )
    c_size = (
        float(sizes.drop(list(treated_teams - {None}), errors="ignore").mean())
        if len(sizes)
        else 1.0
    )
    design = Design(
        n_treated=n_t,
        n_comparison=n_c,
        treated_team_size=min(t_size, n_t),
        comparison_team_size=c_size,
    )
    pre_avail = min(pre, end)
    weeks = periods_to_signal(
        noise, design, effect=effect, pre=pre_avail, max_post=max_periods, alpha=alpha, power=power
    )
    post_now = 0
    if start <= as_of:
        post_now = int(np.searchsorted(p.periods, np.datetime64(as_of, "D"), side="right")) - int(
            np.searchsorted(p.periods, np.datetime64(start, "D"), side="left")
        )
        post_now = max(post_now, 0)
    table = mde_table(noise, design, pre=pre_avail, max_post=max_periods, alpha=alpha, power=power)
    return {
        "metric": m.name,
        "unit": m.unit,
        "effect": effect,
        "start": start.isoformat(),
        "as_of": as_of.isoformat(),
        "freq": freq,
        "n_treated": n_t,
        "n_comparison": n_c,
        "treated_team_size": design.treated_team_size,
        "comparison_team_size": design.comparison_team_size,
        "pre_periods": pre_avail,
        "periods_to_signal": weeks,
        "signal_date": (start + dt.timedelta(days=weeks * PERIOD_DAYS[freq] - 1)).isoformat()
        if weeks
        else None,
        "post_periods_now": post_now,
        "mde_now": mde(noise, design, pre=pre_avail, post=post_now, alpha=alpha, power=power)
        if post_now > 0
        else None,
        "alpha": alpha,
        "power": power,
        "noise": noise.as_dict(),
        "mde_by_period": table.to_dict("records"),
    }
