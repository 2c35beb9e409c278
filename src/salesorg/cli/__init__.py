"""The ``salesorg`` command: a thin Typer app over the library.

Each command group lives in its own module ``salesorg/cli/cmd_*.py`` that defines
``register(app)``; this module discovers them, so adding a command never edits a shared list.
Commands parse options, call the library and format the result with
:func:`salesorg.cli._output.emit`. Any :class:`~salesorg.errors.SalesorgError` becomes one clean
message on stderr and exit code 1; usage errors exit with 2 (Typer/Click's convention).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from salesorg.errors import SalesorgError

__all__ = ["app", "main"]

app = typer.Typer(
    name="salesorg",
    help="Run a sales organisation on its own numbers.\n\nExample: salesorg demo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Run a sales organisation on its own numbers.

    Example: salesorg demo
    """


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and map library errors to exit code 1."""
    try:
        app(args=argv, standalone_mode=False, prog_name="salesorg")
    except SalesorgError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Exception as exc:
        # Click's usage errors (Typer vendors Click, so match by shape, not by class)
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return int(exc.exit_code)
        raise
    return 0


def run() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
