"""``salesorg review``: the weekly pipeline review, and ``salesorg review pause``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.errors import ConfigError
from salesorg.store import Store

_PACK_FORMATS = ("html", "pdf", "xlsx")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{option} {value!r} is not a date — use YYYY-MM-DD") from exc


def _print_table(review: object) -> None:
    from rich.console import Console

    r = review  # type: ignore[assignment]
    br = r.bridge  # type: ignore[attr-defined]
    console = Console(width=140)
    console.print(
        f"Review of {r.scope.name} as of {r.as_of} since {r.since} ({r.currency})"  # type: ignore[attr-defined]
    )
    moves = ", ".join(f"{k} {float(v):+,.2f}" for k, v in br.movements.items() if v != 0)
    console.print(f"Bridge ({br.window}): {float(br.start):,.2f} → {float(br.end):,.2f}  [{moves}]")
    ex = r.exceptions  # type: ignore[attr-defined]
    rows = [
        {
            "manager": x["manager_id"],
            "owner": x["owner_id"],
            "opportunity": x["opportunity_id"],
            "flags": " ".join(x["flags"]),
            "before": x["amount_before"],
            "after": x["amount_after"],
            "materiality": x["materiality"],
            "reason": x["reason"],
        }
        for x in ex.to_dict(orient="records")
    ]
    emit(rows, Format.table, title=f"{len(rows)} exception(s)") if rows else console.print(
        "No material changes."
    )
    console.print(f"{r.suppressed['count']} change(s) suppressed: {r.suppressed['rule']}")  # type: ignore[attr-defined]


def register(app: typer.Typer) -> None:
    review_app = typer.Typer(
        help="The weekly pipeline review.\n\nExample: salesorg review --unit T1 --out pack.html",
        invoke_without_command=True,
        no_args_is_help=False,
        rich_markup_mode=None,
    )

    @review_app.callback(invoke_without_command=True)
    def review(
        ctx: typer.Context,
        as_of: str = typer.Option(
            None, "--as-of", help="review date D (default: today or the last day with data)"
        ),
        since: str = typer.Option(None, "--since", help="last review S (default: D - 7 days)"),
        unit: str = typer.Option(None, "--unit", help="unit ID (company, region, team or cell)"),
        out: str = typer.Option(
            None, "--out", help="write the pack: FILE.html|.pdf|.xlsx, or DIR/ with --per-unit"
        ),
        per_unit: bool = typer.Option(
            False, "--per-unit", help="with --out DIR/: one pack per team and cell"
        ),
        pack_format: list[str] = typer.Option(
            ["html"], "--pack-format", help="with --per-unit: html, pdf and/or xlsx (repeatable)"
        ),
        window: str = typer.Option(
            "quarter", "--window", help="bridge pipeline: quarter (default) or all"
        ),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Changes since the last review, the bridge, exceptions by materiality and KPIs.

        Example: salesorg review --as-of 2026-03-31 --unit T1 --out pack.pdf
        """
        if ctx.invoked_subcommand is not None:
            return
        from salesorg.report import write
        from salesorg.review import ReviewConfig, default_as_of, review_pack, run_review
        from salesorg.review.scope import team_units

        config = ReviewConfig(window=window)
        with Store.open(db, read_only=True) as store:
            d = _date(as_of, "--as-of") or default_as_of(store, dt.date.today())
            s = _date(since, "--since")
            if per_unit:
                if out is None:
                    raise ConfigError("--per-unit needs --out DIR/ (a directory for the packs)")
                bad = sorted(set(pack_format) - set(_PACK_FORMATS))
                if bad:
                    raise ConfigError(f"--pack-format {bad[0]!r}: use html, pdf or xlsx")
                folder = Path(out)
                written = []
                for u in team_units(store):
                    r = run_review(store, d, s, unit_id=u, config=config)
                    doc = review_pack(r, store)
                    for f in pack_format:
                        written.append(write(doc, folder / f"review-{u}-{d}.{f}"))
                for p in written:
                    print(f"wrote {p}", file=sys.stderr)
            review_result = run_review(store, d, s, unit_id=unit, config=config)
            if out is not None and not per_unit:
                path = write(review_pack(review_result, store), out)
                print(f"wrote {path}", file=sys.stderr)
        if fmt is Format.json:
            emit(review_result.to_json(), fmt)
        elif fmt is Format.csv:
            payload = review_result.to_json()["changes"]
            for c in payload:
                c["flags"] = " ".join(c["flags"])
            emit(payload, fmt)
        else:
            _print_table(review_result)

    @review_app.command("pause")
    def pause(
        opportunity_id: str = typer.Argument(..., help="the opportunity to pause"),
        until: str = typer.Option(..., "--until", help="last day of the pause (YYYY-MM-DD)"),
        reason: str = typer.Option(..., "--reason", help="why (shown in the audit log)"),
        actor: str = typer.Option("cli", "--actor", help="who pauses it (for the audit log)"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Mark a deal paused so the review does not flag it stale until a date.

        Example: salesorg review pause O-1042 --until 2026-07-31 --reason "budget freeze"
        """
        from salesorg.review import pause_deal

        end = _date(until, "--until")
        with Store.open(db) as store:
            row = pause_deal(
                store,
                opportunity_id,
                until=end,
                reason=reason,
                paused_on=dt.date.today(),
                actor=actor,
            )
        emit(row, fmt)

    app.add_typer(review_app, name="review")
