"""``salesorg comp``: commission plans, payouts, quota proposals, what-if and behaviour checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.errors import ConfigError
from salesorg.store import Store

comp_app = typer.Typer(
    help="Quotas and commission: plans, payouts, what-if.\n\nExample: salesorg comp payouts --period 2026Q3",
    no_args_is_help=True,
    rich_markup_mode=None,
)
plan_app = typer.Typer(
    help="Commission plans (TOML).\n\nExample: salesorg comp plan list",
    no_args_is_help=True,
    rich_markup_mode=None,
)
comp_app.add_typer(plan_app, name="plan")


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r}: not a date — use YYYY-MM-DD") from None


def _decimal(value: str, option: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ConfigError(f"{option} {value!r}: not a number") from None


@plan_app.command("add")
def plan_add(
    file: Path = typer.Argument(..., help="plan TOML file (see docs/comp.md)"),
    replace: bool = typer.Option(False, "--replace", help="replace a stored plan of the same id"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Validate a plan file and store it.

    Example: salesorg comp plan add src/salesorg/comp/examples/am_individual.toml
    """
    from salesorg.comp.plan import add_plan, load_plan

    plan = load_plan(file)
    with Store.open(db) as store:
        add_plan(store, plan, replace=replace)
    emit({"plan_id": plan.plan_id, "name": plan.name, "components": len(plan.components)}, fmt)


@plan_app.command("assign")
def plan_assign(
    plan_id: str = typer.Argument(..., help="a stored plan id"),
    people: str = typer.Option(..., "--people", help="comma-separated person ids"),
    valid_from: str = typer.Option(..., "--from", help="first day on the plan (YYYY-MM-DD)"),
    until: str | None = typer.Option(None, "--to", help="first day no longer on it (exclusive)"),
    ote: str | None = typer.Option(None, "--ote", help="on-target earnings for these people"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Put people on a plan from a date (an earlier open assignment ends then).

    Example: salesorg comp plan assign am-individual --people A1,A2 --from 2026-01-01
    """
    from salesorg.comp.plan import assign_plan

    ids = [p.strip() for p in people.split(",") if p.strip()]
    with Store.open(db) as store:
        n = assign_plan(
            store,
            plan_id,
            ids,
            valid_from=_date(valid_from, "--from"),
            valid_to=None if until is None else _date(until, "--to"),
            ote=None if ote is None else _decimal(ote, "--ote"),
        )
    emit({"plan_id": plan_id, "assigned": n, "valid_from": valid_from}, fmt)


@plan_app.command("list")
def plan_list(db: str = DbOption, fmt: Format = FormatOption) -> None:
    """List stored plans with their shape and how many people are on them.

    Example: salesorg comp plan list --format json
    """
    from salesorg.comp.plan import list_plans

    with Store.open(db, read_only=True) as store:
        emit(list_plans(store), fmt)


@comp_app.command("split")
def split(
    opportunity_id: str = typer.Argument(...),
    shares: str = typer.Option(..., "--shares", help="PERSON:PERCENT,... summing to 100"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Split a deal's credit across account-team members (percentages summing to 100).

    Example: salesorg comp split O-1001 --shares A1:70,SE1:30
    """
    from salesorg.comp.credit import set_splits

    parsed: dict[str, Decimal] = {}
    for part in shares.split(","):
        person, _, pct = part.partition(":")
        if not person or not pct:
            raise ConfigError(f"--shares {part!r}: write PERSON:PERCENT, e.g. A1:70")
        parsed[person.strip()] = _decimal(pct, "--shares") / 100
    with Store.open(db) as store:
        set_splits(store, opportunity_id, parsed)
    emit(
        [{"opportunity_id": opportunity_id, "person_id": p, "share": s} for p, s in parsed.items()],
        fmt,
    )


@comp_app.command("payouts")
def payouts_cmd(
    period: str = typer.Option(..., "--period", help="2026Q3, 2026-07, 2026 or START..END"),
    person: str | None = typer.Option(None, "--person", help="one person's statement"),
    plan: str | None = typer.Option(None, "--plan", help="only this plan"),
    out: Path | None = typer.Option(None, "--out", help="write the statement (.html, .pdf, .xlsx)"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Commission statements: each component's attainment, payout and the deals behind it.

    Example: salesorg comp payouts --period 2026Q3 --person A1 --out statement.pdf
    """
    from salesorg.comp.payout import payouts
    from salesorg.comp.statement import run_json, run_lines, statement_document

    with Store.open(db, read_only=True) as store:
        run = payouts(store, period, person=person, plan_id=plan)
    if out is not None:
        from salesorg.report import write

        write(statement_document(run), out)
        typer.echo(f"wrote {out}", err=True)
    if fmt is Format.json:
        emit(run_json(run), fmt)
    else:
        emit(run_lines(run), fmt, title=f"Payouts {run.window.label} ({run.currency})")


def register(app: typer.Typer) -> None:
    app.add_typer(comp_app, name="comp")
