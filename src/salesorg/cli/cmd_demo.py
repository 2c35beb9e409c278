"""``salesorg demo``: build the demo company, run the demo steps, print what to try next."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.errors import ConfigError
from salesorg.store import Store, default_db


def _fresh(db: str) -> str:
    """Delete an existing demo database file (and its WAL) so the demo is rebuilt from scratch."""
    target = db.removeprefix("duckdb://")
    if "://" in target:
        raise ConfigError(f"{db}: the demo is built into a DuckDB file — pass --db PATH")
    if target != ":memory:":
        for p in (Path(target), Path(target + ".wal")):
            if p.is_dir():
                raise ConfigError(f"{p} is a directory — pass --db FILE.duckdb")
            p.unlink(missing_ok=True)
    return target


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("out"), "--out", help="folder for the demo's outputs"),
        seed: int = typer.Option(2026, "--seed", help="random seed (same seed, same company)"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Build the demo company into --db (rebuilt from scratch) and print a summary.

        Example: salesorg demo --out out --db demo.duckdb
        """
        from salesorg.demo import build_demo
        from salesorg.demo_steps import STEPS, DemoContext, next_steps

        target = _fresh(db or default_db())
        started = time.perf_counter()
        with Store.open(target) as store:
            summary = build_demo(store, seed=seed)
            built = time.perf_counter() - started
            ctx = DemoContext(store=store, out=out, summary=summary)
            outputs: list[str] = []
            for step in STEPS:
                try:
                    outputs += step.run(ctx)
                except ConfigError as exc:
                    outputs.append(f"{step.name}: skipped — {exc}")
        row = {
            "db": target,
            "seed": summary.seed,
            "as_of": summary.as_of,
            "people": summary.people,
            "people_by_role": summary.people_by_role,
            "units": summary.units,
            "opportunities": summary.opportunities,
            "open_opportunities": summary.open_opportunities,
            "history_rows": summary.history_rows,
            "first_created": summary.first_created,
            "last_change": summary.last_change,
            "quotas": summary.quotas,
            "initiative_members": len(summary.initiative_members),
            "build_seconds": round(built, 2),
            "outputs": outputs,
            "next": next_steps(db or ""),
        }
        if fmt is not Format.table:
            if fmt is Format.csv:
                row = {k: v for k, v in row.items() if not isinstance(v, (dict, list))}
            emit(row, fmt)
            return
        roles = ", ".join(f"{n} {r}" for r, n in summary.people_by_role.items())
        lines = [
            f"Demo company built into {target} in {built:.1f} s (seed {summary.seed}).",
            f"  people        {summary.people}: {roles}",
            f"  units         {summary.units} (company, 3 regions, 14 teams)",
            f"  opportunities {summary.opportunities:,} ({summary.open_opportunities:,} open)",
            f"  history rows  {summary.history_rows:,}",
            f"  date range    {summary.first_created} .. {summary.last_change} (as of {summary.as_of})",
            f"  quotas        {summary.quotas:,}; initiative 'solution-selling' with "
            f"{len(summary.initiative_members)} AMs from 2026-04-01",
        ]
        if outputs:
            lines += ["", "Outputs:", *(f"  {o}" for o in outputs)]
        lines += ["", "Try next:", *(f"  {c}" for c in next_steps(db or ""))]
        typer.echo("\n".join(lines))
