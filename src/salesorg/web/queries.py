"""The data behind the pages and the API, always read through a :class:`Scope`.

Each function takes the store, the caller's scope and ``as_of`` and returns plain Python
(dicts and lists) ready for a template or JSON. The scope filter is applied to the Ibis
expression before it is executed, so rows outside the scope never leave the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from salesorg.cli._output import jsonable
from salesorg.metrics.pit import opportunity_state, reporting_line
from salesorg.model import role_family
from salesorg.store import Store
from salesorg.web.scope import Scope

__all__ = [
    "OPP_COLUMNS",
    "opportunity_detail",
    "opportunity_page",
    "org_chart",
    "reporting_currency",
    "scope_summary",
]

OPP_COLUMNS = (
    "opportunity_id",
    "name",
    "owner_id",
    "stage",
    "amount",
    "currency",
    "amount_rc",
    "close_date",
    "is_closed",
    "is_won",
)


def reporting_currency(store: Store) -> str:
    """``store.reporting_currency`` read with ``fetchall`` (a half-read ``fetchone`` result
    blocks later Ibis queries on the same DuckDB cursor)."""
    rows = store.con.execute(
        "SELECT value FROM settings WHERE key = 'reporting_currency'"
    ).fetchall()
    return rows[0][0] if rows and rows[0][0] else "EUR"


def _rows(frame: Any) -> list[dict[str, Any]]:
    return [jsonable(r) for r in frame.to_dict(orient="records")]


def _state(store: Store, as_of: dt.date, state: ibis.Table | None = None) -> ibis.Table:
    if state is not None:
        return state
    return opportunity_state(store, as_of, reporting_currency=reporting_currency(store))


def opportunity_page(
    store: Store,
    scope: Scope,
    *,
    as_of: dt.date,
    limit: int = 50,
    offset: int = 0,
    q: str | None = None,
    open_only: bool = False,
    state: ibis.Table | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the opportunities in scope (ordered by ID) and the total count.

    ``q`` matches the ID, name or owner (case-insensitive substring, passed as a bound
    literal, never spliced into SQL).
    """
    state = scope.filter(_state(store, as_of, state))
    if q:
        needle = q.strip().lower()
        state = state.filter(
            state.opportunity_id.lower().contains(needle)
            | state.name.lower().contains(needle)
            | state.owner_id.lower().contains(needle)
        )
    if open_only:
        state = state.filter(~state.is_closed)
    total = int(state.count().execute())
    page = (
        state.select(*OPP_COLUMNS).order_by("opportunity_id").limit(limit, offset=offset).execute()
    )
    return _rows(page), total


def opportunity_detail(
    store: Store,
    scope: Scope,
    opportunity_id: str,
    *,
    as_of: dt.date,
    state: ibis.Table | None = None,
) -> dict[str, Any] | None:
    """The opportunity's state as of ``as_of`` and its full history, or ``None`` if it does
    not exist or is outside the scope (the two are indistinguishable on purpose)."""
    state = scope.filter(_state(store, as_of, state))
    state = state.filter(state.opportunity_id == ibis.literal(opportunity_id))
    found = state.execute()
    if found.empty:
        return None
    opp = _rows(found)[0]
    h = store.table("opportunity_history")
    hist = (
        h.filter(h.opportunity_id == ibis.literal(opportunity_id))
        .filter(
            h.changed_at < ibis.literal(dt.datetime.combine(as_of, dt.time()) + dt.timedelta(1))
        )
        .select("changed_at", "stage", "amount", "close_date", "forecast_category", "owner_id")
        .order_by("changed_at")
        .execute()
    )
    opp["history"] = _rows(hist)
    return opp


def scope_summary(
    store: Store, scope: Scope, *, as_of: dt.date, state: ibis.Table | None = None
) -> dict[str, Any]:
    """Headline counts for the home page: open deals and pipeline, won and lost deals."""
    s = scope.filter(_state(store, as_of, state))
    agg = s.aggregate(
        total=s.count(),
        open_count=(~s.is_closed).sum(),
        open_amount=s.amount_rc.cast("float64").sum(where=~s.is_closed),
        won_count=s.is_won.sum(),
        won_amount=s.amount_rc.cast("float64").sum(where=s.is_won),
    ).execute()
    row = _rows(agg)[0]
    return {k: (v or 0) for k, v in row.items()}


def org_chart(store: Store, scope: Scope, *, as_of: dt.date) -> list[dict[str, Any]]:
    """The unit tree in scope, depth-first, each unit with its members and managers' spans.

    Each item: ``unit_id``, ``name``, ``kind``, ``depth``, ``members`` (list of ``person_id``,
    ``name``, ``role``, ``manager_id``, ``span`` = number of direct reports as of ``as_of``).
    """
    line = reporting_line(store, as_of).execute()
    people = store.table("people").select("person_id", "name", "role").execute()
    units = store.table("units").select("unit_id", "name", "kind", "parent_unit_id").execute()
    info = {p: (n, r) for p, n, r in zip(people.person_id, people.name, people.role, strict=True)}
    span: dict[str, int] = {}
    for m in line.manager_id.dropna():
        span[m] = span.get(m, 0) + 1
    members: dict[str, list[dict[str, Any]]] = {}
    for p, u, m in zip(line.person_id, line.unit_id, line.manager_id, strict=True):
        if not scope.allows_person(p):
            continue
        name, role = info.get(p, (p, None))
        members.setdefault(u, []).append(
            {
                "person_id": p,
                "name": name,
                "role": role,
                "family": role_family(role),
                "manager_id": m if isinstance(m, str) else None,
                "span": span.get(p, 0),
            }
        )
    children: dict[str | None, list[str]] = {}
    for u, parent in zip(units.unit_id, units.parent_unit_id, strict=True):
        children.setdefault(parent if isinstance(parent, str) else None, []).append(u)
    meta = {u: (n, k) for u, n, k in zip(units.unit_id, units.name, units.kind, strict=True)}
    out: list[dict[str, Any]] = []

    def walk(u: str, depth: int) -> None:
        visible = scope.everything or u in scope.unit_ids or u in members
        if visible:
            name, kind = meta[u]
            ms = sorted(members.get(u, []), key=lambda x: (-x["span"], x["name"] or ""))
            out.append({"unit_id": u, "name": name, "kind": kind, "depth": depth, "members": ms})
        for c in sorted(children.get(u, [])):
            walk(c, depth + 1 if visible else depth)

    for root in sorted(children.get(None, [])):
        walk(root, 0)
    return out
