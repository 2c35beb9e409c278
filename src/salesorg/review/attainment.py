"""Attainment of people: booked against individual quota, the distribution and its trend.

- year to date (``current_attainment``): for each person with an individual quota in D's
  calendar year, won deals with a close date from 1 January to D over the quota pro-rated to
  the same days (so mid-year figures are comparable with a full year);
- full years (``share_above_by_year``): for the previous ``years`` calendar years and the
  current year to date, the share of people at or above 100 % — the figure that falls when
  quotas rise faster than sales (DESIGN.md, question 4; published reference values 52–59 %,
  DOMAIN.md #6a).

Both use the state at D: a deal won in a past year counts as known at D (its history up to D).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ibis
import pandas as pd

from salesorg.metrics.pit import TableSource, to_date
from salesorg.review.holders import quota_for_period
from salesorg.review.kpis import scoped
from salesorg.review.source import state_at

__all__ = ["attainment", "current_attainment", "share_above_by_year"]


def _booked(
    source: TableSource, start: dt.date, end: dt.date, d: dt.date, owners: Iterable[str] | None
) -> pd.DataFrame:
    """Won amount per owner and calendar year of the close date, closes in ``start..end``."""
    s = scoped(state_at(source, d), owners)
    won = s.filter(
        s.is_won & (s.close_date >= ibis.literal(start)) & (s.close_date <= ibis.literal(end))
    )
    return (
        won.group_by(year=won.close_date.year(), owner_id=won.owner_id)
        .aggregate(booked=won.amount_rc.cast("float64").sum())
        .execute()
    )


def _attainment(
    source: TableSource,
    start: dt.date,
    end: dt.date,
    booked: pd.DataFrame,
    *,
    d: dt.date,
    owners: Iterable[str] | None,
) -> pd.DataFrame:
    """The attainment table of ``start..end`` from ``booked`` (owner_id, booked)."""
    quota = quota_for_period(source, start, end, as_of=d, kind="individual")
    if owners is not None:
        quota = quota[quota["holder_id"].isin(set(owners))]
    quota = quota[quota["quota"] > 0]
    df = quota.rename(columns={"holder_id": "person_id"}).merge(
        booked[["owner_id", "booked"]].rename(columns={"owner_id": "person_id"}),
        on="person_id",
        how="left",
    )
    df["booked"] = df["booked"].fillna(0.0).round(2)
    df["quota"] = df["quota"].round(2)
    df["attainment"] = df["booked"] / df["quota"]
    return df.sort_values("attainment", ascending=False).reset_index(drop=True)[
        ["person_id", "booked", "quota", "attainment"]
    ]


def attainment(
    source: TableSource,
    start: dt.date,
    end: dt.date,
    *,
    as_of: dt.date | str,
    owners: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per person with an individual quota in ``start..end``: ``person_id``, ``booked``,
    ``quota`` (pro rata), ``attainment`` (booked / quota)."""
    d = to_date(as_of)
    booked = _booked(source, start, end, d, owners)
    booked = booked.groupby("owner_id", as_index=False)["booked"].sum()
    return _attainment(source, start, end, booked, d=d, owners=owners)


def current_attainment(
    source: TableSource, as_of: dt.date | str, *, owners: Iterable[str] | None = None
) -> pd.DataFrame:
    """Year-to-date attainment on D (quota pro rata to 1 January .. D)."""
    d = to_date(as_of)
    return attainment(source, dt.date(d.year, 1, 1), d, as_of=d, owners=owners)


def share_above_by_year(
    source: TableSource,
    as_of: dt.date | str,
    *,
    owners: Iterable[str] | None = None,
    years: int = 3,
) -> pd.DataFrame:
    """Per calendar year (``years`` previous full years, then the current year to date):
    ``year``, ``people``, ``at_or_above`` (count), ``share_above`` (share at or above 100 %),
    ``median_attainment``, ``to_date`` (True for the current year)."""
    d = to_date(as_of)
    # one query for every year: bookings by owner and year of the close date
    booked = _booked(source, dt.date(d.year - years, 1, 1), d, d, owners)
    rows = []
    for y in range(d.year - years, d.year + 1):
        end = min(dt.date(y, 12, 31), d)
        that_year = booked[booked["year"] == y]
        a = _attainment(source, dt.date(y, 1, 1), end, that_year, d=d, owners=owners)
        n = len(a)
        above = int((a["attainment"] >= 1.0).sum()) if n else 0
        rows.append(
            {
                "year": y,
                "people": n,
                "at_or_above": above,
                "share_above": above / n if n else None,
                "median_attainment": float(a["attainment"].median()) if n else None,
                "to_date": end < dt.date(y, 12, 31),
            }
        )
    return pd.DataFrame(rows)
