"""Which people a review covers: a unit and everything below it, on the reporting line as of D.

The units tree is small (hundreds of rows), so it is walked in Python; the people list is then
used as an ``isin`` filter in the Ibis expressions. A review of the company (a unit without a
parent, or no unit at all) applies no filter, so deals of people without an assignment are
still counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from salesorg.errors import NotFoundError
from salesorg.metrics.pit import TableSource, reporting_line

__all__ = ["Scope", "resolve_scope", "team_units"]


@dataclass(frozen=True)
class Scope:
    """A review's unit: its ID, name and kind, and the people in it (``None`` = everyone).

    ``managers`` maps each member to their manager as of D; ``units`` maps each member to the
    unit they sit in (for grouping exceptions by manager or cell).
    """

    unit_id: str | None
    name: str
    kind: str
    people: frozenset[str] | None
    managers: dict[str, str | None]
    units: dict[str, str]
    head_id: str | None = None

    @property
    def is_company(self) -> bool:
        return self.people is None


def _units(source: TableSource) -> dict[str, tuple[str, str, str | None]]:
    u = source.table("units").execute()
    return {
        r.unit_id: (r.name, r.kind, None if r.parent_unit_id is None else str(r.parent_unit_id))
        for r in u.itertuples()
    }


def _descendants(units: dict[str, tuple[str, str, str | None]], root: str) -> set[str]:
    children: dict[str, list[str]] = {}
    for uid, (_, _, parent) in units.items():
        if parent is not None:
            children.setdefault(parent, []).append(uid)
    out, todo = set(), [root]
    while todo:
        u = todo.pop()
        if u in out:
            continue
        out.add(u)
        todo.extend(children.get(u, []))
    return out


def resolve_scope(source: TableSource, as_of: dt.date, unit_id: str | None = None) -> Scope:
    """The :class:`Scope` of ``unit_id`` (``None`` = the whole company) on ``as_of``.

    Raises:
        NotFoundError: the unit does not exist.
    """
    units = _units(source)
    line = reporting_line(source, as_of).execute()
    managers = {
        str(r.person_id): (None if r.manager_id is None else str(r.manager_id))
        for r in line.itertuples()
    }
    member_unit = {str(r.person_id): str(r.unit_id) for r in line.itertuples()}
    if unit_id is None:
        return Scope(None, "Company", "company", None, managers, member_unit)
    if unit_id not in units:
        known = ", ".join(sorted(units)[:10])
        raise NotFoundError(
            f"unit {unit_id!r} not found — known units include {known}; "
            'list them with `salesorg sql "SELECT unit_id, name, kind FROM units"`'
        )
    name, kind, parent = units[unit_id]
    if parent is None:
        return Scope(unit_id, name, kind, None, managers, member_unit)
    below = _descendants(units, unit_id)
    people = frozenset(p for p, u in member_unit.items() if u in below)
    # the head: the manager most members of the unit report to who is not below themselves
    heads = [managers[p] for p in people if managers.get(p) is not None]
    head = max(set(heads), key=heads.count) if heads else None
    if head is not None and head in people and managers.get(head) in people:
        head = None
    return Scope(unit_id, name, kind, people, managers, member_unit, head_id=head)


def team_units(source: TableSource) -> list[str]:
    """IDs of every unit of kind ``team`` or ``cell`` (the units ``--per-unit`` writes)."""
    units = _units(source)
    return sorted(u for u, (_, kind, _) in units.items() if kind in ("team", "cell"))
