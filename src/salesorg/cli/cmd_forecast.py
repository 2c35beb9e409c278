"""``salesorg forecast``, ``salesorg forecast override|overrides`` and ``salesorg backtest``."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.errors import ConfigError
from salesorg.store import Store

METHOD_HELP = "weighted | weighted-learned | markov | run-rate | judgment"


@contextmanager
def _show_warnings() -> Iterator[None]:
    """Print the forecasters' named warnings on stderr (stdout stays clean for JSON/CSV)."""
    from salesorg.forecast._warnings import ForecastWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ForecastWarning)
        yield
    for msg in sorted(
        {
            f"warning: {w.category.__name__}: {w.message}"
            for w in caught
            if issubclass(w.category, ForecastWarning)
        }
    ):
        typer.echo(msg, err=True)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Forecast bookings for a period with P10/P50/P90.\n\n"
        "Example: salesorg forecast --period 2026Q4 --by unit --method markov",
        rich_markup_mode=None,
    )

    @group.callback(invoke_without_command=True)
    def forecast(
        ctx: typer.Context,
        period: str = typer.Option(None, "--period", help="quarter 2026Q4 or month 2026-11"),
        as_of: str = typer.Option(None, "--as-of", help="date (default: last day with data)"),
        by: str = typer.Option("company", "--by", help="company | unit | owner"),
        method: str = typer.Option("markov", "--method", help=METHOD_HELP),
        trials: int = typer.Option(10_000, "--trials", min=100, help="Monte Carlo trials"),
        seed: int = typer.Option(0, "--seed", help="random seed (same seed, same answer)"),
        calibrated: bool = typer.Option(
            False,
            "--calibrated",
            help="widen P10-P90 by the method's backtested coverage over the past year "
            "(split-conformal; slower: runs a short backtest)",
        ),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Forecast bookings for a period (P10/P50/P90, booked, open pipeline) by group.

        Example: salesorg forecast --period 2026Q4 --by unit --method markov
        """
        if ctx.invoked_subcommand is not None:
            return
        if period is None:
            raise ConfigError("give --period (e.g. --period 2026Q4 or --period 2026-11)")
        from salesorg.forecast.api import forecast as run

        with Store.open(db, read_only=True) as store, _show_warnings():
            from salesorg.forecast.history import load_history

            history = load_history(store)
            df = run(
                history, period=period, as_of=as_of, by=by, method=method, trials=trials, seed=seed
            )
            if calibrated:
                from salesorg.forecast.api import widen
                from salesorg.forecast.pack import best_method
                from salesorg.metrics.pit import to_date

                day = history.last_day if as_of is None else to_date(as_of)
                _, scores = best_method(history, as_of=day)
                k = next((s["width_factor"] for s in scores if s["method"] == method), 1.0)
                df = widen(df, k)
        title = f"Forecast {period} ({method})"
        if not calibrated:
            title += " — the model's own range; --calibrated widens it by backtested coverage"
        emit(df, fmt, title=title)

    @group.command("override")
    def override(
        unit: str = typer.Option(..., "--unit", help="unit ID the call is for"),
        period: str = typer.Option(..., "--period", help="quarter 2026Q4 or month 2026-11"),
        amount: float = typer.Option(None, "--amount", help="the unit's number for the period"),
        opportunity: str = typer.Option(None, "--opportunity", help="deal ID (with --category)"),
        category: str = typer.Option(
            None, "--category", help="commit | best_case | pipeline | omitted"
        ),
        comment: str = typer.Option(..., "--comment", help="why (shown next to the call)"),
        author: str = typer.Option(None, "--author", help="email (default $SALESORG_USER)"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Record a forecast call for a unit (a number, or a category for one deal).

        Example: salesorg forecast override --unit T1 --period 2026Q4 --amount 1200000 --comment "two renewals slip"
        """
        from salesorg.forecast.overrides import add_override

        who = author or os.environ.get("SALESORG_USER") or "cli"
        with Store.open(db) as store:
            row = add_override(
                store,
                unit_id=unit,
                period=period,
                amount=amount,
                opportunity_id=opportunity,
                category=category,
                comment=comment,
                author=who,
                created_at=dt.datetime.now(),
            )
        emit(row, fmt)

    @group.command("overrides")
    def overrides(
        period: str = typer.Option(None, "--period", help="only this period"),
        unit: str = typer.Option(None, "--unit", help="only this unit"),
        accuracy: bool = typer.Option(False, "--accuracy", help="backtest calls vs computed"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """List forecast calls with their history, or (--accuracy) how good they were.

        Example: salesorg forecast overrides --period 2026Q4
        """
        from salesorg.forecast.overrides import backtest_overrides, list_overrides

        with Store.open(db, read_only=True) as store, _show_warnings():
            df = (
                backtest_overrides(store)
                if accuracy
                else list_overrides(store, period=period, unit_id=unit)
            )
        emit(df, fmt, title="Forecast calls")

    app.add_typer(group, name="forecast")

    @app.command("backtest")
    def backtest(
        method: list[str] = typer.Option(None, "--method", help=f"repeatable; {METHOD_HELP}"),
        start: str = typer.Option(..., "--from", help="first as-of date"),
        end: str = typer.Option(..., "--to", help="last as-of date"),
        every: str = typer.Option("week", "--every", help="week | month"),
        trials: int = typer.Option(2_000, "--trials", min=100, help="Monte Carlo trials"),
        seed: int = typer.Option(0, "--seed"),
        out: Path = typer.Option(None, "--out", help="write the WAPE-by-week chart (FILE.html)"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Backtest forecast methods on the past, using only what was known at each date.

        Example: salesorg backtest --from 2025-01-01 --to 2025-12-31 --every month --method markov --method weighted
        """
        from salesorg.forecast.backtest import backtest as run
        from salesorg.forecast.backtest import wape_chart

        with Store.open(db, read_only=True) as store, _show_warnings():
            scores, _ = run(
                store,
                start=start,
                end=end,
                methods=method or None,
                every=every,
                trials=trials,
                seed=seed,
            )
        if out is not None:
            if out.suffix.lower() != ".html":
                raise ConfigError(f"--out {out}: only .html is supported for the backtest chart")
            wape_chart(scores).save(str(out), inline=True)
        if fmt is Format.json:
            emit(scores, fmt)
        else:
            emit(
                [{k: v for k, v in s.items() if k != "by_week_of_quarter"} for s in scores],
                fmt,
                title="Backtest",
            )
