"""``salesorg sql``: a read-only query on the store, for analysts."""

from __future__ import annotations

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.store import Store


def register(app: typer.Typer) -> None:
    @app.command("sql")
    def sql(
        query: str = typer.Argument(..., help="one SELECT statement"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Run a read-only SQL query on the store (writes are refused).

        Example: salesorg sql "SELECT role, count(*) FROM people GROUP BY role"
        """
        with Store.open(db, read_only=True) as store:
            emit(store.query(query), fmt)
