"""``salesorg serve`` and ``salesorg users ...``: the web server and its users."""

from __future__ import annotations

import sys

import typer

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.errors import ConfigError
from salesorg.store import Store, default_db

users_app = typer.Typer(
    help="Web users: add, list, issue API tokens.\n\nExample: salesorg users list",
    no_args_is_help=True,
)


def _read_password() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ConfigError("no password on standard input — pipe one line, e.g. `echo PW |`")
        return line
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    email: str = typer.Argument(..., help="the login e-mail"),
    role: str = typer.Option(..., "--role", help="am|manager|director|gm|revops|admin"),
    person: str | None = typer.Option(None, "--person", help="person_id this user is"),
    db: str = DbOption,
) -> None:
    """Add a user (or change their role/person/password); the password is read from stdin
    when it is not a terminal, else prompted twice.

    Example: echo 's3cret-pass' | salesorg users add ann@example.com --role am --person A1
    """
    from salesorg.web.users import ROLES, add_user

    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} — use one of {', '.join(ROLES)}")
    password = _read_password()
    with Store.open(db) as store:
        user = add_user(store, email, role=role, password=password, person_id=person, actor="cli")
    typer.echo(f"saved {user.email} ({user.role})")


@users_app.command("token")
def users_token(email: str = typer.Argument(...), db: str = DbOption) -> None:
    """Issue a new API bearer token (printed once; only its hash is stored).

    Example: salesorg users token ann@example.com
    """
    from salesorg.web.users import issue_token

    with Store.open(db) as store:
        typer.echo(issue_token(store, email, actor="cli"))


@users_app.command("list")
def users_list(db: str = DbOption, fmt: Format = FormatOption) -> None:
    """List users: email, role, person_id, has_password, has_token, locked_until, created_at.

    Example: salesorg users list --format json
    """
    from salesorg.web.users import list_users

    with Store.open(db, read_only=True) as store:
        emit(list_users(store), fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="address to bind"),
        port: int = typer.Option(8000, "--port", help="TCP port"),
        db: str = DbOption,
    ) -> None:
        """Serve the web app (pages and /api) over the store.

        Example: salesorg serve --port 8000 --db salesorg.duckdb
        """
        import uvicorn

        from salesorg.web import create_app

        target = db or default_db()
        typer.echo(f"salesorg web on http://{host}:{port}/ (store {target}); Ctrl-C stops")
        uvicorn.run(create_app(target), host=host, port=port, log_level="warning")
