"""``salesorg copy-to``: copy the store's tables to another backend (Spark, Postgres, ...)."""

from __future__ import annotations

import typer

from salesorg.backends import copy_store
from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.store import Store


def register(app: typer.Typer) -> None:
    @app.command("copy-to")
    def copy_to(
        target: str = typer.Argument(
            ..., help="target database path or URL, e.g. pyspark://local?warehouse=DIR"
        ),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Copy every table of the store to another backend, replacing its tables.

        Metrics and reviews then run there with --db TARGET (see docs/scale.md).

        Example: salesorg copy-to "postgres://salesorg@127.0.0.1:5432/crm"
        """
        with Store.open(db, read_only=True) as source, Store.open(target) as dest:
            counts = copy_store(source, dest)
        emit([{"table": k, "rows": v} for k, v in counts.items()], fmt)
