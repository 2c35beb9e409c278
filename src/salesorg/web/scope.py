"""Visibility by reporting line: which people's opportunities a user may see.

A :class:`Scope` is resolved once per request from the reporting line and the unit tree as of
*today* (:func:`salesorg.metrics.pit.reporting_line`), and then applied to every query as a
filter on the owner column *before* data leave the store (:meth:`Scope.filter`), so a page or
API call cannot return rows outside it whatever its template does.

Rules (docs/web.md, "Roles and visibility"):

* ``revops`` and ``admin`` see everything.
* ``am``: their own opportunities, and those of everyone in their unit when that unit is a
  ``cell`` (a self-led working cell shares one pipeline).
* ``manager``, ``director``, ``gm``: everyone in the units they lead and all units below them,
  plus everyone who reports to them directly or indirectly, plus themselves. A person leads a
  unit when a direct report of theirs belongs to it, or when they belong to it and their own
  manager does not (so a sales manager placed in a region next to their director does not see
  the whole region).
* A user not linked to a person (and not revops/admin) sees nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import ibis

from salesorg.metrics.pit import TableSource, reporting_line
from salesorg.web.users import User

__all__ = ["Scope", "scope_for"]


@dataclass(frozen=True)
class Scope:
    """The people (owners) and units a user may see; ``everything`` means no restriction."""

    everything: bool
    person_ids: frozenset[str] = frozenset()
    unit_ids: frozenset[str] = frozenset()
    label: str = ""

    def filter(self, table: ibis.Table, column: str = "owner_id") -> ibis.Table:
        """``table`` restricted to rows whose ``column`` is a person in scope."""
        if self.everything:
            return table
        if not self.person_ids:
            return table.filter(ibis.literal(False))
        return table.filter(table[column].isin(sorted(self.person_ids)))

    def allows_person(self, person_id: str | None) -> bool:
        return self.everything or (person_id is not None and person_id in self.person_ids)

    def allows_unit(self, unit_id: str | None) -> bool:
        return self.everything or (unit_id is not None and unit_id in self.unit_ids)

    @property
    def key(self) -> str:
        """A short stable key for caching results per scope."""
        if self.everything:
            return "*"
        import hashlib

        return hashlib.sha1("\n".join(sorted(self.person_ids)).encode()).hexdigest()[:16]


def _descendants(roots: set[str], children: dict[str, set[str]]) -> set[str]:
    out, todo = set(), list(roots)
    while todo:
        u = todo.pop()
        if u in out:
            continue
        out.add(u)
        todo.extend(children.get(u, ()))
    return out


def scope_for(source: TableSource, user: User, *, as_of: dt.date) -> Scope:
    """Resolve what ``user`` may see from the reporting line and unit tree as of ``as_of``."""
    if user.sees_everything:
        return Scope(everything=True, label="everything")
    me = user.person_id
    if me is None:
        return Scope(everything=False, label="nothing (user not linked to a person)")
    line = reporting_line(source, as_of).execute()
    units = source.table("units").select("unit_id", "kind", "parent_unit_id").execute()
    kind = dict(zip(units.unit_id, units.kind, strict=True))
    children: dict[str, set[str]] = defaultdict(set)
    for u, p in zip(units.unit_id, units.parent_unit_id, strict=True):
        if isinstance(p, str):
            children[p].add(u)
    unit_of: dict[str, set[str]] = defaultdict(set)
    manager_of: dict[str, set[str]] = defaultdict(set)
    reports: dict[str, set[str]] = defaultdict(set)
    for p, u, m in zip(line.person_id, line.unit_id, line.manager_id, strict=True):
        unit_of[p].add(u)
        if isinstance(m, str):
            manager_of[p].add(m)
            reports[m].add(p)
    members: dict[str, set[str]] = defaultdict(set)
    for p, us in unit_of.items():
        for u in us:
            members[u].add(p)

    if user.role == "am":
        people = {me}
        cells = {u for u in unit_of.get(me, ()) if kind.get(u) == "cell"}
        for u in cells:
            people |= members[u]
        return Scope(False, frozenset(people), frozenset(cells), label=f"{me} and their cell")

    led = {u for r in reports.get(me, ()) for u in unit_of.get(r, ())}
    for u in unit_of.get(me, ()):
        if not any(u in unit_of.get(m, ()) for m in manager_of.get(me, ())):
            led.add(u)
    unit_ids = _descendants(led, children)
    people = {me} | {p for u in unit_ids for p in members.get(u, ())}
    seen, todo = {me}, [me]
    while todo:
        for r in reports.get(todo.pop(), ()):
            if r not in seen:
                seen.add(r)
                todo.append(r)
    people |= seen
    return Scope(False, frozenset(people), frozenset(unit_ids), label=f"units led by {me}")
