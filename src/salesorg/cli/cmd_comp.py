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
    from salesorg.comp.plan import load_plan
    from salesorg.comp.registry import add_plan

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
    from salesorg.comp.registry import assign_plan

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
    from salesorg.comp.registry import list_plans

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
    if not run.statements:
        from salesorg.errors import DataError

        raise DataError(
            f"nobody is on a commission plan in {run.window.label}"
            + (f" for person {person}" if person else "")
            + " — add one with `salesorg comp plan add FILE.toml` and put people on it with "
            "`salesorg comp plan assign PLAN --people ID,... --from DATE`"
        )
    if out is not None:
        from salesorg.report import write

        write(statement_document(run), out)
        typer.echo(f"wrote {out}", err=True)
    if fmt is Format.json:
        emit(run_json(run), fmt)
    else:
        emit(run_lines(run), fmt, title=f"Payouts {run.window.label} ({run.currency})")


quota_app = typer.Typer(
    help="Quota proposals from history.\n\nExample: salesorg comp quota propose --period 2027Q1",
    no_args_is_help=True,
    rich_markup_mode=None,
)
comp_app.add_typer(quota_app, name="quota")


@quota_app.command("propose")
def quota_propose(
    period: str = typer.Option(..., "--period", help="the quota period, e.g. 2027Q1"),
    growth: str = typer.Option("10", "--growth", help="growth target on history, in %"),
    target: str | None = typer.Option(None, "--target", help="company target to allocate"),
    history: int = typer.Option(4, "--history", help="past periods to average"),
    kind: str = typer.Option("quarter", "--kind", help="month, quarter or year"),
    potential: str = typer.Option("accounts", "--potential", help="accounts or pipeline"),
    potential_weight: str = typer.Option("0.5", "--potential-weight", help="0..1"),
    people: str | None = typer.Option(None, "--people", help="comma-separated person ids"),
    apply: bool = typer.Option(False, "--apply", help="write the proposal to the quotas table"),
    replace: bool = typer.Option(False, "--replace", help="with --apply: overwrite quotas"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Propose quotas (bottom-up from history vs top-down from a target) and reconcile them.

    Example: salesorg comp quota propose --period 2027Q1 --growth 12 --target 9000000
    """
    from salesorg.comp.quota import apply_quotas, propose_quotas

    with Store.open(db, read_only=not apply) as store:
        prop = propose_quotas(
            store,
            period,
            kind=kind,
            history=history,
            growth=_decimal(growth, "--growth") / 100,
            company_target=None if target is None else _decimal(target, "--target"),
            potential=potential,
            potential_weight=_decimal(potential_weight, "--potential-weight"),
            people=None if people is None else [p.strip() for p in people.split(",")],
        )
        if apply:
            apply_quotas(store, prop, replace=replace)
    if fmt is Format.json:
        emit(prop.to_json(), fmt)
    else:
        emit(
            prop.table,
            fmt,
            title=f"Quota proposal {prop.period.label}: target {prop.company_target}"
            f" vs bottom-up {prop.bottom_up_total}",
        )
        for w in prop.warnings:
            typer.echo(f"warning: {w}", err=True)


@comp_app.command("whatif")
def whatif_cmd(
    plan_id: str = typer.Argument(..., help="a stored plan id"),
    period: str = typer.Option(..., "--period", help="the period to simulate, e.g. 2026Q4"),
    sims: int = typer.Option(2000, "--sims", help="number of simulated outcomes"),
    method: str = typer.Option("bootstrap", "--method", help="bootstrap or lognormal"),
    history: int = typer.Option(8, "--history", help="past periods to draw from"),
    seed: int = typer.Option(0, "--seed", help="random seed"),
    people: str | None = typer.Option(None, "--people", help="default: people on the plan"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Simulate a plan with its quotas: attainment, share at 100 %, pay and cost (P10/P50/P90).

    Example: salesorg comp whatif am-individual --period 2026Q4 --sims 5000 --format json
    """
    import numpy as np

    from salesorg.comp.compare import _population
    from salesorg.comp.periods import parse_window, plan_periods
    from salesorg.comp.registry import get_plan
    from salesorg.comp.whatif import simulate

    with Store.open(db, read_only=True) as store:
        plan = get_plan(store, plan_id)
        ps = plan_periods(
            plan.period, parse_window(period), fiscal_start_month=plan.fiscal_year_start_month
        )
        if not ps:
            raise ConfigError(f"no {plan.period} of plan {plan_id} ends inside {period}")
        who = (
            [p.strip() for p in people.split(",")]
            if people
            else _population(store, [plan_id], ps[0])
        )
        res = simulate(
            store,
            plan,
            ps[0],
            who,
            rng=np.random.default_rng(seed),
            n_sims=sims,
            method=method,
            history=history,
        )
    if fmt is Format.json:
        emit(res.to_json(), fmt)
    else:
        rows = [
            {"metric": m, **getattr(res, m)}
            for m in (
                "attainment",
                "share_at_or_above_quota",
                "variable_pay",
                "bookings",
                "cost_of_sales",
            )
        ]
        emit(rows, fmt, title=f"What-if {plan_id} {res.period} ({res.n_sims} {method} sims)")
        for w in res.warnings:
            typer.echo(f"warning: {w}", err=True)


@comp_app.command("compare")
def compare_cmd(
    plan_a: str = typer.Argument(...),
    plan_b: str = typer.Argument(...),
    period: str = typer.Option("", "--period", help="default: the latest quarter with quotas"),
    sims: int = typer.Option(2000, "--sims"),
    method: str = typer.Option("bootstrap", "--method", help="bootstrap or lognormal"),
    history: int = typer.Option(8, "--history"),
    seed: int = typer.Option(0, "--seed"),
    out: Path | None = typer.Option(None, "--out", help="write a report (.html, .pdf, .xlsx)"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Compare two plans side by side on the same people and the same simulated outcomes.

    Example: salesorg comp compare am-individual cell-team --period 2026Q3 --format json
    """
    import numpy as np

    from salesorg.comp.compare import compare_plans
    from salesorg.comp.registry import get_plan

    with Store.open(db, read_only=True) as store:
        if not period:
            row = store.con.execute("SELECT max(period_end) FROM quotas").fetchone()
            if row is None or row[0] is None:
                raise ConfigError("no quotas in the store — give --period")
            period = f"{row[0].year}Q{(row[0].month - 1) // 3 + 1}"
        res = compare_plans(
            store,
            get_plan(store, plan_a),
            get_plan(store, plan_b),
            period,
            rng=np.random.default_rng(seed),
            n_sims=sims,
            method=method,
            history=history,
        )
    if out is not None:
        from salesorg.comp.statement import comparison_document
        from salesorg.report import write

        write(comparison_document(res), out)
        typer.echo(f"wrote {out}", err=True)
    if fmt is Format.json:
        emit(res, fmt)
    else:
        emit(res["rows"], fmt, title=f"{plan_a} (a) vs {plan_b} (b), {res['period']}")


@comp_app.command("behaviour")
def behaviour_cmd(
    period: str = typer.Option(..., "--period", help="the window to scan, e.g. 2026"),
    weeks: int = typer.Option(2, "--weeks", help="the quarter-end weeks to compare"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Flag quarter-end patterns: deals slipping after a cap, discount spikes before period end.

    Example: salesorg comp behaviour --period 2026 --format json
    """
    from dataclasses import asdict

    from salesorg.comp.behaviour import behaviour_checks

    with Store.open(db, read_only=True) as store:
        checks = behaviour_checks(store, period, weeks=weeks)
    if fmt is Format.json:
        emit({"period": period, "checks": [asdict(c) for c in checks]}, fmt)
    else:
        emit([{k: v for k, v in asdict(c).items() if k != "examples"} for c in checks], fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(comp_app, name="comp")
