"""What ``salesorg demo`` runs after building the demo company: an ordered list of steps.

Each step is a function of a :class:`DemoContext` that writes its outputs (into
``context.out``) and returns short lines for the summary (what it did, where the output is).
Later features add their step here with :func:`demo_step` (the review pack, a scenario
comparison, the initiative's impact), so the command itself never changes::

    @demo_step("review pack")
    def _review(ctx: DemoContext) -> list[str]:
        path = ctx.out / "review.html"
        ...
        return [f"weekly review: {path}"]

Steps run in the order they are registered; a step that needs an optional extra that is not
installed raises :class:`~salesorg.errors.ConfigError` and the command reports it and carries on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from salesorg.demo import DemoSummary
from salesorg.store import Store

__all__ = ["STEPS", "DemoContext", "DemoStep", "demo_step", "next_steps"]


@dataclass
class DemoContext:
    """What every step gets: the store with the demo, the output folder and the summary."""

    store: Store
    out: Path
    summary: DemoSummary
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[DemoContext], list[str]]


#: The registered steps, in the order they run.
STEPS: list[DemoStep] = []


def demo_step(
    name: str,
) -> Callable[[Callable[[DemoContext], list[str]]], Callable[[DemoContext], list[str]]]:
    """Register ``fn`` as a step of ``salesorg demo`` under ``name``."""

    def deco(fn: Callable[[DemoContext], list[str]]) -> Callable[[DemoContext], list[str]]:
        STEPS.append(DemoStep(name, fn))
        return fn

    return deco


@demo_step("metrics snapshot")
def _metrics_snapshot(ctx: DemoContext) -> list[str]:
    """Write the company's headline metrics as of the demo date to ``OUT/metrics.json``."""
    import json

    from salesorg.cli._output import jsonable, records
    from salesorg.metrics.run import compute

    as_of = ctx.summary.as_of
    payload = {
        "as_of": as_of,
        "reporting_currency": ctx.store.reporting_currency,
        **{
            name: records(compute(ctx.store, name, as_of=as_of, by=by))
            for name, by in (
                ("pipeline", None), ("bookings", "quarter"), ("win-rate", "unit"),
                ("deal-size", None), ("cycle-time", None), ("conversion", None),
                ("attainment", None),
            )
        },
    }  # fmt: skip
    ctx.out.mkdir(parents=True, exist_ok=True)
    path = ctx.out / "metrics.json"
    path.write_text(json.dumps(jsonable(payload), indent=2) + "\n", encoding="utf-8")
    return [f"headline metrics as of {as_of}: {path}"]


@demo_step("review packs")
def _review_packs(ctx: DemoContext) -> list[str]:
    """The company pack and one team pack for the demo's latest week (HTML, PDF, Excel)."""
    from salesorg.review import write_demo_packs

    paths, top = write_demo_packs(ctx.store, ctx.out)
    lines = [f"review pack: {p}" for p in paths]
    lines.append("five most material exceptions:")
    lines += [
        f"  {r.opportunity_id} {r.owner_id} {' '.join(r.flags)} {r.amount_after:,.0f} ({r.reason})"
        for r in top.itertuples()
    ]
    return lines


@demo_step("initiative impact")
def _impact(ctx: DemoContext) -> list[str]:
    """The solution-selling programme measured against comparable teams."""
    from salesorg.impact import demo_outputs

    return list(demo_outputs(ctx.store, ctx.out))


@demo_step("org-design scenarios")
def _scenarios(ctx: DemoContext) -> list[str]:
    """Baseline (1:8) against span 1:14 and working-supervisor cells, as text and HTML."""
    from salesorg.orgdesign import demo_comparison

    text, path = demo_comparison(ctx.store, ctx.out)
    return [*text.splitlines(), f"scenario comparison: {path}"]


@demo_step("web users")
def _web_users(ctx: DemoContext) -> list[str]:
    """One web user per role with a fresh password, printed once, and how to start the server."""
    try:
        from salesorg.web.users import demo_users
    except ImportError as exc:  # the web extra is not installed
        from salesorg.errors import ConfigError

        raise ConfigError("web users skipped: pip install 'salesorg[web]'") from exc
    users = demo_users(ctx.store, as_of=ctx.summary.as_of)
    lines = ["web users (passwords are shown only now; see docs/web.md):"]
    lines += [f"  {role:<9} {email:<31} {password}" for email, role, password in users]
    lines.append(
        f"start the web app: salesorg serve --db {ctx.store.path}  (http://127.0.0.1:8000)"
    )
    return lines


def next_steps(db: str) -> list[str]:
    """Commands worth trying on the demo store (shown after the summary)."""
    flag = "" if db in ("", "salesorg.duckdb", "./salesorg.duckdb") else f" --db {db}"
    return [
        f"salesorg review --unit T-STR --out pack.pdf{flag}",
        f"salesorg forecast --period 2026Q4 --by unit{flag}",
        f"salesorg scenario compare baseline span:14 cells --out scenarios.pdf{flag}",
        f"salesorg impact solution-selling --metric solution-share --out impact.html{flag}",
        f"salesorg metrics win-rate --by unit{flag}",
        f"salesorg metrics attainment --by quarter{flag}",
        f"salesorg metrics pipeline --by owner --format json{flag}",
        f'salesorg sql "SELECT role, count(*) FROM people GROUP BY role"{flag}',
    ]
