"""``salesorg org show``, ``salesorg scenario run|compare`` and ``salesorg cells plan``.

Thin commands over :mod:`salesorg.orgdesign`; JSON keys are documented in
``docs/org-design.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.errors import ConfigError
from salesorg.store import Store

org_app = typer.Typer(help="The organisation as of a date.\n\nExample: salesorg org show",
                      no_args_is_help=True)  # fmt: skip
scenario_app = typer.Typer(
    help="Simulate org-design scenarios.\n\nExample: salesorg scenario compare baseline span:14 cells",
    no_args_is_help=True,
)
cells_app = typer.Typer(help="Propose working-supervisor cells.\n\nExample: salesorg cells plan",
                        no_args_is_help=True)  # fmt: skip


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of: value {value!r} — not an ISO date, e.g. 2026-06-30") from None


def org_show_payload(
    store: Store, as_of: dt.date | None, min_span: int, max_span: int
) -> dict[str, Any]:
    """The JSON object of ``salesorg org show`` (documented in docs/org-design.md)."""
    from salesorg.orgdesign import build_org, latest_date

    if min_span > max_span:
        raise ConfigError(f"--min-span {min_span} > --max-span {max_span} — swap them")
    org = build_org(store, as_of or latest_date(store))
    spans = org.spans()
    spans["flag"] = [
        "below" if s < min_span else ("above" if s > max_span else "") for s in spans["span"]
    ]
    cos = org.cost_of_sales()
    return {
        "as_of": org.as_of, "currency": org.currency, "layers": org.layers,
        "managers": org.managers, "front_line_managers": org.front_line_managers,
        "mean_span": round(org.mean_span(), 3), "headcount": org.headcount(),
        "cost": round(org.cost(), 2), "bookings": round(org.bookings(), 2),
        "cost_of_sales_pct": None if cos != cos else round(100 * cos, 3),
        "min_span": min_span, "max_span": max_span,
        "spans": spans.to_dict(orient="records"), "notes": org.notes,
    }  # fmt: skip


@org_app.command("show")
def org_show(
    as_of: str = typer.Option(None, "--as-of", help="date (default: the last recorded change)"),
    min_span: int = typer.Option(5, "--min-span", help="flag spans below this"),
    max_span: int = typer.Option(12, "--max-span", help="flag spans above this"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Spans per manager, layers and cost of sales; flags spans outside the range.

    Example: salesorg org show --as-of 2026-06-30 --min-span 6 --max-span 12
    """
    with Store.open(db, read_only=True) as store:
        payload = org_show_payload(store, _date(as_of), min_span, max_span)
    if fmt is Format.json:
        emit(payload, fmt)
        return
    emit(
        payload["spans"],
        fmt,
        title=(
            f"as of {payload['as_of']}: {payload['layers']} layers, {payload['managers']} managers, "
            f"mean span {payload['mean_span']:.1f}, cost of sales {payload['cost_of_sales_pct']} %"
        ),
    )


def _compare(db: str | None, refs: list[str], as_of: str | None, trials: int, seed: int) -> Any:
    from salesorg.orgdesign import compare_scenarios

    with Store.open(db, read_only=True) as store:
        return compare_scenarios(store, refs, as_of=_date(as_of), trials=trials, seed=seed)


def _emit_comparison(comp: Any, fmt: Format, out: Path | None) -> None:
    from salesorg.orgdesign import comparison_document, text_summary

    if out is not None:
        from salesorg.report import write

        path = write(comparison_document(comp), out)
        typer.echo(f"wrote {path}", err=True)
    if fmt is Format.json:
        emit(comp.summaries(), fmt)
    elif fmt is Format.csv:
        rows = [{"scenario": r.name, "quantity": q, **r.quantiles(q)}
                for r in comp.results for q in r.draws]  # fmt: skip
        emit(rows, fmt)
    else:
        typer.echo(text_summary(comp))


@scenario_app.command("run")
def scenario_run(
    scenario: str = typer.Argument(..., help="FILE.toml or a preset: baseline, span:N, cells"),
    as_of: str = typer.Option(None, "--as-of"),
    trials: int = typer.Option(10_000, "--trials", min=10),
    seed: int = typer.Option(42, "--seed"),
    out: Path = typer.Option(None, "--out", help="report.html, .pdf or .xlsx"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Simulate one scenario against the baseline (P10/P50/P90 of every quantity).

    Example: salesorg scenario run span:14 --trials 10000 --seed 1
    """
    _emit_comparison(_compare(db, [scenario], as_of, trials, seed), fmt, out)


@scenario_app.command("compare")
def scenario_compare(
    scenarios: list[str] = typer.Argument(
        ..., help="FILE.toml or presets: baseline, span:N, cells"
    ),
    as_of: str = typer.Option(None, "--as-of"),
    trials: int = typer.Option(10_000, "--trials", min=10),
    seed: int = typer.Option(42, "--seed"),
    out: Path = typer.Option(None, "--out", help="report.html, .pdf or .xlsx"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Compare scenarios with common random numbers; the baseline is always included.

    Example: salesorg scenario compare baseline span:14 cells --out report.html
    """
    _emit_comparison(_compare(db, scenarios, as_of, trials, seed), fmt, out)


@cells_app.command("plan")
def cells_plan(
    fixed: Path = typer.Option(None, "--fixed", help="CSV person_id,cell_lead_id to honour"),
    cells: int = typer.Option(None, "--cells", help="number of cells (default: one per team)"),
    max_seconds: float = typer.Option(10.0, "--max-seconds", min=0.1),
    include_ams: bool = typer.Option(False, "--include-ams/--no-ams"),
    as_of: str = typer.Option(None, "--as-of"),
    db: str = DbOption,
    fmt: Format = FormatOption,
) -> None:
    """Propose cells with CP-SAT: leads, members, and why each was assigned.

    Example: salesorg cells plan --max-seconds 10 --format json
    """
    from salesorg.orgdesign import build_org, latest_date
    from salesorg.orgdesign.cells import plan_cells, read_fixed

    with Store.open(db, read_only=True) as store:
        org = build_org(store, _date(as_of) or latest_date(store))
    plan = plan_cells(org, n_cells=cells, fixed=read_fixed(fixed) if fixed else None,
                      max_seconds=max_seconds, include_ams=include_ams)  # fmt: skip
    if fmt is Format.json:
        emit(plan.to_json(), fmt)
        return
    emit(
        plan.assignments,
        fmt,
        title=(
            f"{plan.n_cells} cells: objective {plan.objective:,.0f}, bound {plan.bound:,.0f}, "
            f"gap {100 * plan.gap:.2f} % ({plan.status})"
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
    app.add_typer(scenario_app, name="scenario")
    app.add_typer(cells_app, name="cells")
