"""Stored plans: ``comp_plans`` (the TOML definition) and ``plan_assignments`` (who, from when).

Every write is one transaction with an audit-log entry; an assignment names only known people
and plans, and a new assignment ends the person's previous open one on its first day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salesorg.comp.plan import Plan, parse_plan
from salesorg.errors import ConfigError, NotFoundError
from salesorg.store import Store

__all__ = ["add_plan", "assign_plan", "get_plan", "list_plans"]


def add_plan(store: Store, plan: Plan, *, actor: str = "cli", replace: bool = False) -> None:
    """Store ``plan`` in ``comp_plans`` (its TOML definition); refuse a duplicate id unless ``replace``."""
    exists = store.con.execute(
        "SELECT count(*) FROM comp_plans WHERE plan_id = ?", [plan.plan_id]
    ).fetchone()[0]  # type: ignore[index]
    if exists and not replace:
        raise ConfigError(
            f"plan {plan.plan_id!r} already exists — give the file another plan_id, or use --replace"
        )
    with store.transaction() as con:
        con.execute("DELETE FROM comp_plans WHERE plan_id = ?", [plan.plan_id])
        con.execute(
            "INSERT INTO comp_plans VALUES (?, ?, ?, current_localtimestamp())",
            [plan.plan_id, plan.name or plan.plan_id, plan.to_toml()],
        )
        store.audit(actor, "comp.plan.add", plan.plan_id)


def get_plan(store: Store, plan_id: str) -> Plan:
    """The stored plan ``plan_id``, re-validated."""
    row = store.con.execute(
        "SELECT definition FROM comp_plans WHERE plan_id = ?", [plan_id]
    ).fetchone()
    if row is None:
        known = [r[0] for r in store.con.execute("SELECT plan_id FROM comp_plans").fetchall()]
        raise NotFoundError(
            f"no plan {plan_id!r}; known plans: {', '.join(known) or 'none'} — "
            "add one with `salesorg comp plan add FILE.toml`"
        )
    return parse_plan(row[0], source=f"comp_plans:{plan_id}")


def list_plans(store: Store) -> list[dict[str, Any]]:
    """One row per stored plan with its shape and the number of people assigned now or ever."""
    rows = store.con.execute(
        """SELECT p.plan_id, p.name, p.definition, count(DISTINCT a.person_id)
           FROM comp_plans p LEFT JOIN plan_assignments a USING (plan_id)
           GROUP BY ALL ORDER BY p.plan_id"""
    ).fetchall()
    out = []
    for plan_id, name, definition, people in rows:
        plan = parse_plan(definition, source=f"comp_plans:{plan_id}")
        out.append(
            {
                "plan_id": plan_id,
                "name": name,
                "period": plan.period,
                "ote": plan.ote,
                "pay_mix": f"{plan.pay_mix[0]}/{plan.pay_mix[1]}",
                "components": ", ".join(f"{c.id} {c.weight}%" for c in plan.components),
                "people": int(people),
            }
        )
    return out


def assign_plan(
    store: Store,
    plan_id: str,
    people: list[str],
    *,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    ote: Decimal | None = None,
    actor: str = "cli",
) -> int:
    """Put ``people`` on plan ``plan_id`` from ``valid_from``; an earlier open assignment ends then.

    Raises :class:`NotFoundError` for an unknown plan or person (nothing is written).
    """
    get_plan(store, plan_id)
    if not people:
        raise ConfigError("no people given — pass --people ID,ID,...")
    known = {
        r[0]
        for r in store.con.execute(
            "SELECT person_id FROM people WHERE person_id IN (SELECT unnest(?))", [people]
        ).fetchall()
    }
    missing = [p for p in people if p not in known]
    if missing:
        raise NotFoundError(
            f'unknown person id(s): {", ".join(missing)} — check `salesorg sql "SELECT person_id '
            'FROM people"`'
        )
    if ote is not None and ote <= 0:
        raise ConfigError(f"--ote {ote}: on-target earnings must be positive")
    with store.transaction() as con:
        for person in people:
            con.execute(
                """UPDATE plan_assignments SET valid_to = ?
                   WHERE person_id = ? AND valid_to IS NULL AND valid_from < ?""",
                [valid_from, person, valid_from],
            )
            con.execute(
                "DELETE FROM plan_assignments WHERE plan_id = ? AND person_id = ? AND valid_from = ?",
                [plan_id, person, valid_from],
            )
            con.execute(
                "INSERT INTO plan_assignments VALUES (?, ?, ?, ?, ?)",
                [plan_id, person, valid_from, valid_to, ote],
            )
        store.audit(actor, "comp.plan.assign", plan_id, f"{','.join(people)} from {valid_from}")
    return len(people)
