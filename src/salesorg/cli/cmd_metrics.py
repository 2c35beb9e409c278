"""``salesorg metrics NAME``: one metric as of a date, by owner, unit, month or quarter."""

from __future__ import annotations

import datetime as dt
import enum

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.store import Store


class MetricName(enum.StrEnum):
    pipeline = "pipeline"
    bookings = "bookings"
    win_rate = "win-rate"
    deal_size = "deal-size"
    cycle_time = "cycle-time"
    conversion = "conversion"
    attainment = "attainment"


class By(enum.StrEnum):
    owner = "owner"
    unit = "unit"
    month = "month"
    quarter = "quarter"


def register(app: typer.Typer) -> None:
    @app.command("metrics")
    def metrics(
        name: MetricName = typer.Argument(..., help="which metric (see docs/metrics.md)"),
        as_of: str = typer.Option(
            None, "--as-of", help="date YYYY-MM-DD (default: the last day with data)"
        ),
        by: By = typer.Option(None, "--by", help="group by owner, unit, month or quarter"),
        period: str = typer.Option(
            None, "--period", help="calendar window: 2026, 2026Q3 or 2026-07"
        ),
        start: str = typer.Option(None, "--from", help="window start YYYY-MM-DD"),
        end: str = typer.Option(None, "--to", help="window end YYYY-MM-DD (inclusive)"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Compute one metric as of a date (default window: trailing 12 months).

        NAME is pipeline, bookings, win-rate, deal-size, cycle-time, conversion or attainment.
        Amounts are in the reporting currency.

        Example: salesorg metrics win-rate --by owner --period 2026Q3 --format json
        """
        from salesorg.metrics.pit import to_date
        from salesorg.metrics.run import compute, last_data_date
        from salesorg.metrics.window import resolve_window

        with Store.open(db, read_only=True) as store:
            day = _date(as_of, "--as-of") if as_of else last_data_date(store)
            df = compute(
                store,
                name.value,
                as_of=day,
                by=by.value if by else None,
                period=period,
                start=_date(start, "--from") if start else None,
                end=_date(end, "--to") if end else None,
            )
            if fmt is Format.table:
                window = (
                    resolve_window(
                        day,
                        period=period,
                        start=start,
                        end=end,
                        future=name is MetricName.pipeline,
                    )
                    if name is not MetricName.pipeline or period or start or end
                    else None
                )
                span = f", {window.label} {window.start}..{window.end}" if window else ""
                title = f"{name.value} as of {to_date(day)}{span} ({store.reporting_currency})"
                emit(df, fmt, title=title)
            else:
                emit(df, fmt)


def _date(text: str, option: str) -> dt.date:
    from salesorg.errors import ConfigError

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a date — use YYYY-MM-DD") from None
