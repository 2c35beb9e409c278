"""Initiatives in the store: who took part in a programme, and from when.

An initiative (``initiatives``) has members (``initiative_members``) that are people or units.
A unit member stands for everyone in that unit or any unit below it *on the member's join
date*, read from the effective-dated reporting line (:func:`salesorg.metrics.pit.reporting_line`),
so a team that is later reorganised still means the people who were trained.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from salesorg.errors import ConfigError, NotFoundError
from salesorg.metrics.pit import TableSource, reporting_line, to_date

__all__ = [
    "Treatment",
    "add_initiative",
    "list_initiatives",
    "treatment",
]


@dataclass(frozen=True)
class Treatment:
    """The people treated by an initiative: one row per person with ``joined_on`` and ``wave``."""

    initiative_id: str
    name: str
    started_on: dt.date
    people: pd.DataFrame  # person_id, joined_on, wave, unit_id (team at joining)


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "initiative"


def add_initiative(
    store,
    name: str,
    *,
    members: Sequence[str],
    start: dt.date | str,
    wave: int | None = None,
    description: str | None = None,
    initiative_id: str | None = None,
    actor: str = "cli",
) -> str:
    """Create an initiative (or add a wave of members to an existing one); returns its ID.

    ``members`` are person or unit IDs; each joins on ``start``. Unknown IDs raise
    :class:`~salesorg.errors.NotFoundError`. If ``initiative_id`` exists already, the members
    are added to it as a new wave (``wave`` defaults to one more than the last). Audited.
    """
    start = to_date(start)
    if not members:
        raise ConfigError("give at least one member with --members ID,ID,...")
    people = set(store.table("people").person_id.execute())
    units = set(store.table("units").unit_id.execute())
    unknown = [m for m in members if m not in people and m not in units]
    if unknown:
        raise NotFoundError(
            f"unknown member(s) {', '.join(unknown)} — give person_id or unit_id values "
            'from people.csv / units.csv (see `salesorg sql "SELECT person_id FROM people"`)'
        )
    iid = initiative_id or _slug(name)
    existing = store.table("initiatives").filter(lambda t: t.initiative_id == iid).execute()
    current = store.table("initiative_members").filter(lambda t: t.initiative_id == iid).execute()
    dup = sorted(set(members) & set(current.holder_id))
    if dup:
        raise ConfigError(f"initiative {iid}: {', '.join(dup)} already a member — nothing written")
    if wave is None:
        wave = int(current.wave.max()) + 1 if len(current) and current.wave.notna().any() else 1
    with store.transaction():
        if existing.empty:
            store.insert_frame(
                "initiatives",
                pd.DataFrame(
                    [
                        {
                            "initiative_id": iid,
                            "name": name,
                            "started_on": start,
                            "description": description,
                        }
                    ]
                ),
            )
        store.insert_frame(
            "initiative_members",
            pd.DataFrame(
                {
                    "initiative_id": iid,
                    "holder_id": list(members),
                    "joined_on": start,
                    "wave": wave,
                }
            ),
        )
        store.audit(
            actor,
            "initiative.add",
            iid,
            f"wave {wave} from {start.isoformat()}: {','.join(members)}",
        )
    return iid


def list_initiatives(store: TableSource) -> pd.DataFrame:
    """Every initiative with its start, number of member entries and waves."""
    ini = store.table("initiatives")
    mem = store.table("initiative_members")
    agg = mem.group_by("initiative_id").aggregate(
        members=mem.count(), waves=mem.wave.nunique(), last_joined=mem.joined_on.max()
    )
    out = ini.left_join(agg, ini.initiative_id == agg.initiative_id).select(
        ini.initiative_id, ini.name, ini.started_on, ini.description, agg.members, agg.waves
    )
    df = out.order_by("started_on").execute()
    df["members"] = df["members"].fillna(0).astype(int)
    df["waves"] = df["waves"].fillna(0).astype(int)
    df["started_on"] = [to_date(pd.Timestamp(v).date()) for v in df["started_on"]]
    return df


def _descendants(units: pd.DataFrame, root: str) -> set[str]:
    children: dict[str, list[str]] = {}
    for u, p in zip(units.unit_id, units.parent_unit_id, strict=True):
        if isinstance(p, str):
            children.setdefault(p, []).append(u)
    out, todo = set(), [root]
    while todo:
        u = todo.pop()
        if u not in out:
            out.add(u)
            todo.extend(children.get(u, []))
    return out


def treatment(store: TableSource, initiative_id: str) -> Treatment:
    """Expand an initiative's members to people, each with the date and wave they joined.

    A person who is a member directly and through a unit keeps the earliest join date.
    """
    ini = store.table("initiatives").filter(lambda t: t.initiative_id == initiative_id).execute()
    if ini.empty:
        known = ", ".join(store.table("initiatives").initiative_id.execute()) or "none"
        raise NotFoundError(
            f"no initiative {initiative_id!r} (known: {known}) — create it with "
            "`salesorg initiative add NAME --members ... --start DATE`"
        )
    mem = (
        store.table("initiative_members")
        .filter(lambda t: t.initiative_id == initiative_id)
        .execute()
    )
    units = store.table("units").execute()
    unit_ids = set(units.unit_id)
    rows = []
    for m in mem.itertuples():
        joined = to_date(m.joined_on)
        wave = None if pd.isna(m.wave) else int(m.wave)
        line = reporting_line(store, joined).execute()
        if m.holder_id in unit_ids:
            scope = _descendants(units, m.holder_id)
            for r in line[line.unit_id.isin(scope)].itertuples():
                rows.append((r.person_id, joined, wave, r.unit_id))
        else:
            hit = line[line.person_id == m.holder_id]
            unit = hit.unit_id.iloc[0] if len(hit) else None
            rows.append((m.holder_id, joined, wave, unit))
    people = pd.DataFrame(rows, columns=["person_id", "joined_on", "wave", "unit_id"])
    people = people.sort_values(["person_id", "joined_on"]).drop_duplicates("person_id")
    return Treatment(
        initiative_id=initiative_id,
        name=str(ini.name.iloc[0]),
        started_on=to_date(ini.started_on.iloc[0]),
        people=people.reset_index(drop=True),
    )
