"""Write ``docs/cli.md`` from the ``salesorg`` command's own help texts.

Run ``python scripts/gen_cli_docs.py`` after changing a command; ``tests/test_docs.py`` fails
while the committed page differs from what this prints, so the reference never drifts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer.main

from salesorg.cli import app

HEADER = """# Command-line reference

Generated from the commands' own help by `python scripts/gen_cli_docs.py`; a test keeps it
current. Every command that prints results takes `--format table|json|csv` and `--db PATH|URL`;
exit code 0 on success, 1 on a user error (bad input, unknown ID) with a message that says what,
where and how to fix, 2 on a usage error. The JSON keys of each command are documented on the
page of its engine (linked from the README).
"""


def _walk(cmd, path):  # type: ignore[no-untyped-def]
    import click  # noqa: F401  (typer vendors click; attributes are the same)

    sub = getattr(cmd, "commands", None)
    if sub:
        for name in sorted(sub):
            yield from _walk(sub[name], [*path, name])
    else:
        yield path, cmd


def render() -> str:
    root = typer.main.get_command(app)
    parts = [HEADER]
    for path, cmd in _walk(root, []):
        ctx = cmd.make_context(
            " ".join(["salesorg", *path]),
            [],
            resilient_parsing=True,
            terminal_width=100,
            max_content_width=100,
        )
        parts.append(f"## `salesorg {' '.join(path)}`\n\n```\n{cmd.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    out = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    out.write_text(render())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
