"""Errors a user can act on.

Every error salesorg raises on purpose derives from :class:`SalesorgError`; the CLI turns any
of them into one clean message and exit code 1, the web app into a 4xx page or JSON body.
A traceback that reaches a user is a bug.

::

    SalesorgError
    ├── InputError                 bad input files (one or more located problems)
    ├── NotFoundError              an unknown ID (person, unit, opportunity, initiative, plan, ...)
    ├── ConfigError                a bad option, scenario, plan or mapping file
    ├── StoreError                 the database cannot be opened, is newer than this version, ...
    │   └── ReadOnlyError          a write was attempted through a read-only path (``salesorg sql``)
    └── DataError                  the data in the store cannot answer the question (e.g. no fx rate)

Messages say what, where and how to fix, e.g.
``deals.csv:412:amount: 'N/A' is not a number — clean the column or map N/A with --null N/A``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ConfigError",
    "DataError",
    "InputError",
    "NotFoundError",
    "Problem",
    "ReadOnlyError",
    "SalesorgError",
    "StoreError",
]


class SalesorgError(Exception):
    """Base class of every error salesorg raises for a user to act on."""


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it (the header is
    row 1, the first data row is row 2); ``None`` when the problem is about the whole file or
    a whole column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column is not None:
            where += f":{self.column}"
        if self.value is None:
            return f"{where}: {self.rule}"
        return f"{where}: value {self.value!r} — {self.rule}"


@dataclass
class InputError(SalesorgError):
    """Input files broke one or more rules; nothing was written.

    Carries every problem found (not only the first); ``str()`` shows at most ``shown`` of
    them and a count of the rest.
    """

    problems: list[Problem] = field(default_factory=list)
    shown: int = 50

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(p) for p in self.problems[: self.shown]]
        rest = len(self.problems) - self.shown
        if rest > 0:
            lines.append(f"... and {rest} more problem(s) not shown")
        head = f"{len(self.problems)} problem(s) found; nothing was written"
        return "\n".join([head, *lines])

    def __str__(self) -> str:
        return self.render()


class NotFoundError(SalesorgError):
    """An ID the user gave does not exist in the store."""


class ConfigError(SalesorgError):
    """A bad option value, scenario, plan or mapping file."""


class StoreError(SalesorgError):
    """The store cannot be opened or used as asked."""


class ReadOnlyError(StoreError):
    """A write was attempted through a read-only path."""


class DataError(SalesorgError):
    """The stored data cannot answer the question as asked (say what to import to fix it)."""
