"""``salesorg import`` and ``salesorg validate``: bring CRM exports into the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.errors import ConfigError

PRESET_HELP = "native | maven-crm | salesforce | hubspot | snapshot"


def _options(as_of: str | None, mapping: Path | None, strict: bool, encoding: str | None) -> Any:
    from salesorg.ingest import Options, load_mapping

    day = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise ConfigError(f"--as-of {as_of!r}: not a date — use YYYY-MM-DD") from exc
    return Options(mapping=load_mapping(mapping), strict=strict, encoding=encoding, as_of=day)


def _summary(result: Any, fmt: Format) -> None:
    if fmt is Format.json:
        emit(result.as_dict(), fmt)
        return
    rows = [{"table": t, "rows": n} for t, n in result.rows.items()]
    for key, value in result.report.items():
        if isinstance(value, (int, float, str)):
            rows.append({"table": f"({key})", "rows": value})
    emit(rows, fmt, title=f"{result.preset}: {result.status}", columns=["table", "rows"])
    if fmt is Format.table:
        for key, value in result.report.items():
            if isinstance(value, (dict, list)) and value:
                typer.echo(f"{key}: {value}")


# the options `import` and `validate` share (validate checks exactly what import would)
AsOfOption = typer.Option(None, "--as-of", help="snapshot date (snapshot preset), YYYY-MM-DD")
MappingOption = typer.Option(None, "--mapping", help="column-mapping TOML file")
StrictOption = typer.Option(False, "--strict", help="reject columns the model does not know")
EncodingOption = typer.Option(None, "--encoding", help="file encoding if not UTF-8, e.g. cp1252")


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        preset: str = typer.Argument(..., help=PRESET_HELP),
        paths: list[Path] = typer.Argument(..., help="files or folders"),
        as_of: str = AsOfOption,
        mapping: Path = MappingOption,
        strict: bool = StrictOption,
        encoding: str = EncodingOption,
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Import files with a preset: all rows land or none; re-importing is a no-op.

        Example: salesorg import maven-crm ../shared/data/crm_sales_opportunities
        """
        from salesorg.ingest import import_files
        from salesorg.store import Store

        opts = _options(as_of, mapping, strict, encoding)
        with Store.open(db) as store:
            result = import_files(store, preset, paths, options=opts)
        _summary(result, fmt)

    @app.command("validate")
    def validate(
        preset: str = typer.Argument(..., help=PRESET_HELP),
        paths: list[Path] = typer.Argument(..., help="files or folders"),
        as_of: str = AsOfOption,
        mapping: Path = MappingOption,
        strict: bool = StrictOption,
        encoding: str = EncodingOption,
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Check files exactly as `import` would, against the store, writing nothing.

        Example: salesorg validate native exports/ --strict
        """
        from salesorg.ingest import import_files
        from salesorg.store import Store, default_db

        opts = _options(as_of, mapping, strict, encoding)
        target = db or default_db()
        exists = target == ":memory:" or Path(target.removeprefix("duckdb://")).exists()
        with Store.open(target if exists else ":memory:", read_only=exists) as store:
            result = import_files(store, preset, paths, options=opts, dry_run=True)
        _summary(result, fmt)
