"""The data model: every table, column, type and key, in one place.

This module is the single source of truth used by :mod:`salesorg.store` (DDL), by
:mod:`salesorg.ingest` (which columns a native file must have, how each value is parsed and
checked) and by ``docs/data-format.md`` (a test checks that every table and column is
documented there).

Types are DuckDB/Ibis types. Money is ``DECIMAL(18,2)`` plus a currency column so that sums are
exact to the cent and never mix currencies. ``DATE`` values are ISO ``2026-06-08``; timestamps
are ISO without a zone, in the company's local time. A date used as ``as_of`` means the end of
that day.

Columns marked ``derived`` are not read from files: the store computes them at import.
``opportunity_history.valid_to`` is the moment the next change of the same opportunity replaced
the row, so that the state at any instant is a range filter rather than a window query.
``opportunity_history.currency``, ``pipeline`` and ``header_owner_id`` are copies of the
header's ``currency``, ``pipeline`` and ``owner_id``, so that the state needs no join with the
million-row ``opportunities`` header for its amounts, stages and owners (issue #3); the store
refreshes them whenever the history or the header of an opportunity changes
(:meth:`salesorg.store.Store.refresh_derived`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "HEADER_COPIES",
    "MONEY",
    "OPEN_END",
    "ROLE_FAMILIES",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "Table",
    "role_family",
]

#: Bumped when the schema changes; :mod:`salesorg.store` migrates older files forward.
#: 2: ``opportunities`` and ``opportunity_history`` lost their PRIMARY KEY index (``indexed``).
#: 3: ``opportunity_history`` gained the derived header copies ``currency``, ``pipeline`` and
#: ``header_owner_id`` (:data:`HEADER_COPIES`).
SCHEMA_VERSION = 3

MONEY = "DECIMAL(18,2)"

#: ``valid_to`` of the latest history row of an opportunity (still in force).
OPEN_END = "9999-12-31 00:00:00"

#: Derived columns of ``opportunity_history`` copied from the ``opportunities`` header:
#: history column -> header column.
HEADER_COPIES: dict[str, str] = {
    "currency": "currency",
    "pipeline": "pipeline",
    "header_owner_id": "owner_id",
}


@dataclass(frozen=True)
class Column:
    """One column: its name, DuckDB type, whether a file must give it, and its meaning.

    ``choices`` restricts a text column to a fixed set; ``minimum`` bounds a number from below;
    ``references`` names ``table.column`` that a value must exist in (checked at import).
    """

    name: str
    type: str
    required: bool = True
    doc: str = ""
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    references: str | None = None
    default: str | None = None
    derived: bool = False


@dataclass(frozen=True)
class Table:
    """One table: columns, natural key and meaning. ``imported`` tables have a native file.

    ``indexed`` says whether the store enforces ``key`` with a PRIMARY KEY. The two bulk
    tables (``opportunities``, ``opportunity_history``) have none: DuckDB maintains the key's
    index on every insert and writes it at commit, which made importing the 11-million-row
    history about 2x slower (issue #3). Their keys are unique all the same, because every
    writer checks them: an import finds duplicates in the incoming file and replaces stored
    rows with the same key (:mod:`salesorg.ingest`), and :meth:`salesorg.store.Store.insert_frame`
    refuses rows that repeat a key.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""
    imported: bool = True
    checks: tuple[str, ...] = field(default_factory=tuple)
    indexed: bool = True

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def file_columns(self) -> tuple[Column, ...]:
        """The columns a native file carries (everything but derived columns)."""
        return tuple(c for c in self.columns if not c.derived)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, required: bool = True, doc: str = "", **kw: object) -> Column:
    return Column(name, type_, required, doc, **kw)  # type: ignore[arg-type]


UNIT_KINDS = ("company", "region", "country", "team", "cell", "department")
QUOTA_KINDS = ("individual", "team")
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")

#: Role titles (case-insensitive) and the family each belongs to. Free-text roles not listed
#: here are mapped by :func:`role_family` to ``other``.
ROLE_FAMILIES: dict[str, str] = {
    "am": "am",
    "account manager": "am",
    "snram": "senior_am",
    "senior am": "senior_am",
    "senior account manager": "senior_am",
    "gam": "senior_am",
    "global account manager": "senior_am",
    "clientexec": "senior_am",
    "client executive": "senior_am",
    "execam": "senior_am",
    "executive account manager": "senior_am",
    "se": "se",
    "systems engineer": "se",
    "sales engineer": "se",
    "insidesales": "inside_sales",
    "inside sales": "inside_sales",
    "consultant": "consultant",
    "sm": "manager",
    "sales manager": "manager",
    "manager": "manager",
    "director": "director",
    "sales director": "director",
    "gm": "gm",
    "general manager": "gm",
}


def role_family(role: str | None) -> str:
    """Map a free-text role title to its family (``am``, ``senior_am``, ``se``, ..., ``other``).

    >>> role_family("GAM"), role_family("Sales Manager"), role_family("Chief Wizard")
    ('senior_am', 'manager', 'other')
    """
    if role is None:
        return "other"
    return ROLE_FAMILIES.get(role.strip().lower(), "other")


_TABLES: tuple[Table, ...] = (
    Table(
        "people",
        (
            _c("person_id", "VARCHAR", doc="stable ID, e.g. the CRM user ID"),
            _c("name", "VARCHAR"),
            _c("email", "VARCHAR", required=False),
            _c(
                "role",
                "VARCHAR",
                doc="AM, SnrAM, GAM, ClientExec, ExecAM, SE, InsideSales, Consultant, SM, Director, GM, or free text",
            ),
            _c(
                "cost_per_year",
                MONEY,
                required=False,
                minimum=0,
                doc="fully loaded fixed cost per year",
            ),
            _c("currency", "VARCHAR", required=False, doc="ISO 4217 of cost_per_year"),
            _c("hired_on", "DATE", required=False),
            _c("left_on", "DATE", required=False),
            _c("country", "VARCHAR", required=False),
        ),
        key=("person_id",),
        doc="Everyone in the sales organisation, with their role and cost.",
    ),
    Table(
        "units",
        (
            _c("unit_id", "VARCHAR"),
            _c("name", "VARCHAR"),
            _c("kind", "VARCHAR", choices=UNIT_KINDS),
            _c("parent_unit_id", "VARCHAR", required=False, references="units.unit_id"),
        ),
        key=("unit_id",),
        doc="The organisation tree: company, regions, countries, teams and cells.",
    ),
    Table(
        "assignments",
        (
            _c("person_id", "VARCHAR", references="people.person_id"),
            _c("unit_id", "VARCHAR", references="units.unit_id"),
            _c("manager_id", "VARCHAR", required=False, references="people.person_id"),
            _c("valid_from", "DATE"),
            _c("valid_to", "DATE", required=False, doc="exclusive; empty = still in force"),
        ),
        key=("person_id", "valid_from"),
        doc="Who belonged to which unit and reported to whom, when (effective-dated).",
    ),
    Table(
        "accounts",
        (
            _c("account_id", "VARCHAR"),
            _c("name", "VARCHAR"),
            _c("industry", "VARCHAR", required=False),
            _c("country", "VARCHAR", required=False),
            _c("employees", "BIGINT", required=False, minimum=0),
            _c("revenue", "DOUBLE", required=False, minimum=0, doc="annual revenue, in millions"),
        ),
        key=("account_id",),
        doc="Customer accounts.",
    ),
    Table(
        "opportunities",
        (
            _c("opportunity_id", "VARCHAR"),
            _c("account_id", "VARCHAR", required=False, references="accounts.account_id"),
            _c("owner_id", "VARCHAR", references="people.person_id", doc="current owner"),
            _c("name", "VARCHAR", required=False),
            _c("product", "VARCHAR", required=False),
            _c("deal_type", "VARCHAR", required=False, doc="e.g. new, upsell, renewal, solution"),
            _c("created_on", "DATE"),
            _c("currency", "VARCHAR", doc="ISO 4217 of every amount of this opportunity"),
            _c(
                "pipeline",
                "VARCHAR",
                required=False,
                default="default",
                doc="sales motion; selects the stage list",
            ),
        ),
        key=("opportunity_id",),
        doc="The opportunity header; its state over time is in opportunity_history.",
        indexed=False,
    ),
    Table(
        "opportunity_history",
        (
            _c("opportunity_id", "VARCHAR", references="opportunities.opportunity_id"),
            _c("changed_at", "TIMESTAMP"),
            _c("stage", "VARCHAR"),
            _c("amount", MONEY, minimum=0),
            _c(
                "close_date",
                "DATE",
                required=False,
                doc="expected (open) or actual (closed) close date; empty = unknown",
            ),
            _c("forecast_category", "VARCHAR", required=False, choices=FORECAST_CATEGORIES),
            _c(
                "owner_id",
                "VARCHAR",
                required=False,
                references="people.person_id",
                doc="empty = the header's owner",
            ),
            _c(
                "valid_to",
                "TIMESTAMP",
                derived=True,
                doc="when the next change replaced this state (9999-12-31 if none)",
            ),
            _c(
                "currency",
                "VARCHAR",
                derived=True,
                doc="the header's currency (a copy, so the state needs no header join)",
            ),
            _c("pipeline", "VARCHAR", derived=True, doc="the header's pipeline (a copy)"),
            _c(
                "header_owner_id",
                "VARCHAR",
                derived=True,
                doc="the header's owner_id (a copy; the owner where owner_id is empty)",
            ),
        ),
        key=("opportunity_id", "changed_at"),
        doc="One row per change: the full state after the change (as Salesforce's OpportunityHistory).",
        indexed=False,
    ),
    Table(
        "stages",
        (
            _c("pipeline", "VARCHAR", required=False, default="default"),
            _c("stage", "VARCHAR"),
            _c("ordinal", "INTEGER", minimum=0),
            _c("is_closed", "BOOLEAN"),
            _c("is_won", "BOOLEAN"),
            _c("default_probability", "DOUBLE", minimum=0, doc="0..1, the CRM's probability"),
        ),
        key=("pipeline", "stage"),
        doc="The company's own stage list, per pipeline.",
    ),
    Table(
        "fx_rates",
        (
            _c("date", "DATE"),
            _c("currency", "VARCHAR"),
            _c("rate", "DOUBLE", minimum=0, doc="units of reporting currency per unit of currency"),
        ),
        key=("date", "currency"),
        doc="Exchange rates to the reporting currency (settings.reporting_currency).",
    ),
    Table(
        "quotas",
        (
            _c("holder_id", "VARCHAR", doc="a person_id or a unit_id"),
            _c("period_start", "DATE"),
            _c("period_end", "DATE", doc="inclusive"),
            _c("amount", MONEY, minimum=0),
            _c("currency", "VARCHAR"),
            _c("kind", "VARCHAR", choices=QUOTA_KINDS),
        ),
        key=("holder_id", "period_start", "kind"),
        doc="Quotas of people (individual) and units (team).",
    ),
    Table(
        "initiatives",
        (
            _c("initiative_id", "VARCHAR"),
            _c("name", "VARCHAR"),
            _c("started_on", "DATE"),
            _c("description", "VARCHAR", required=False),
        ),
        key=("initiative_id",),
        doc="Programmes whose effect is measured, e.g. a solution-selling training.",
    ),
    Table(
        "initiative_members",
        (
            _c("initiative_id", "VARCHAR", references="initiatives.initiative_id"),
            _c("holder_id", "VARCHAR", doc="a person_id or a unit_id"),
            _c("joined_on", "DATE"),
            _c("wave", "INTEGER", required=False, minimum=0),
        ),
        key=("initiative_id", "holder_id"),
        doc="Who took part in an initiative, from when.",
    ),
    Table(
        "comp_plans",
        (
            _c("plan_id", "VARCHAR"),
            _c("name", "VARCHAR"),
            _c("definition", "VARCHAR", doc="the plan as TOML (see docs/comp.md)"),
            _c("created_at", "TIMESTAMP", required=False),
        ),
        key=("plan_id",),
        doc="Commission plans.",
        imported=False,
    ),
    Table(
        "plan_assignments",
        (
            _c("plan_id", "VARCHAR", references="comp_plans.plan_id"),
            _c("person_id", "VARCHAR", references="people.person_id"),
            _c("valid_from", "DATE"),
            _c("valid_to", "DATE", required=False),
            _c(
                "ote",
                MONEY,
                required=False,
                minimum=0,
                doc="on-target earnings, overrides the plan's",
            ),
        ),
        key=("plan_id", "person_id", "valid_from"),
        doc="Which person is on which plan, when.",
        imported=False,
    ),
    Table(
        "credit_splits",
        (
            _c("opportunity_id", "VARCHAR", references="opportunities.opportunity_id"),
            _c("person_id", "VARCHAR", references="people.person_id"),
            _c(
                "share",
                "DECIMAL(5,4)",
                minimum=0,
                doc="fraction of the deal credited to the person; a deal's shares sum to 1",
            ),
        ),
        key=("opportunity_id", "person_id"),
        doc="Split credit of a deal across account-team members (else the owner gets 100 %).",
        imported=False,
    ),
    Table(
        "deal_pauses",
        (
            _c("opportunity_id", "VARCHAR", references="opportunities.opportunity_id"),
            _c("paused_on", "DATE"),
            _c("until", "DATE"),
            _c("reason", "VARCHAR"),
            _c("created_by", "VARCHAR", required=False),
        ),
        key=("opportunity_id", "paused_on"),
        doc="Deals marked paused: not flagged stale until the date.",
        imported=False,
    ),
    Table(
        "forecast_overrides",
        (
            _c("override_id", "VARCHAR"),
            _c("holder_id", "VARCHAR", doc="unit_id the call is for"),
            _c("period", "VARCHAR", doc="e.g. 2026Q4 or 2026-11"),
            _c(
                "opportunity_id",
                "VARCHAR",
                required=False,
                doc="set for a per-deal category call; empty for a number for the unit",
            ),
            _c(
                "amount",
                MONEY,
                required=False,
                minimum=0,
                doc="the unit's call, reporting currency",
            ),
            _c("category", "VARCHAR", required=False, choices=FORECAST_CATEGORIES),
            _c("comment", "VARCHAR", required=False),
            _c("author", "VARCHAR"),
            _c("created_at", "TIMESTAMP", doc="when the call was made; it applies from then on"),
            _c(
                "supersedes",
                "VARCHAR",
                required=False,
                doc="override_id of the earlier call on the same unit, period (and deal) it replaces",
            ),
        ),
        key=("override_id",),
        doc="Forecast calls by managers and cell leads: append-only, the latest per unit, period "
        "(and deal) applies; earlier calls stay as history.",
        imported=False,
    ),
    Table(
        "users",
        (
            _c("email", "VARCHAR"),
            _c("role", "VARCHAR", choices=("am", "manager", "director", "gm", "revops", "admin")),
            _c("person_id", "VARCHAR", required=False),
            _c("password_hash", "VARCHAR", required=False),
            _c("token_hash", "VARCHAR", required=False),
            _c("failed_logins", "INTEGER", required=False),
            _c("locked_until", "TIMESTAMP", required=False),
            _c("created_at", "TIMESTAMP", required=False),
        ),
        key=("email",),
        doc="Web users and their roles.",
        imported=False,
    ),
    Table(
        "audit_log",
        (
            _c("at", "TIMESTAMP"),
            _c("actor", "VARCHAR"),
            _c("action", "VARCHAR"),
            _c("target", "VARCHAR", required=False),
            _c("detail", "VARCHAR", required=False),
        ),
        key=(),
        doc="Every write through the CLI or web: who, when, what.",
        imported=False,
    ),
    Table(
        "imports",
        (
            _c("import_id", "VARCHAR"),
            _c("source", "VARCHAR", doc="the preset"),
            _c("file", "VARCHAR"),
            _c("sha256", "VARCHAR"),
            _c("rows", "BIGINT"),
            _c("started_at", "TIMESTAMP"),
            _c("finished_at", "TIMESTAMP", required=False),
            _c("status", "VARCHAR", choices=("ok", "unchanged", "failed")),
            _c("message", "VARCHAR", required=False),
        ),
        key=("import_id",),
        doc="The audit trail of every import.",
        imported=False,
    ),
    Table(
        "settings",
        (
            _c("key", "VARCHAR"),
            _c("value", "VARCHAR"),
        ),
        key=("key",),
        doc="Store-wide settings, e.g. reporting_currency and schema_version.",
        imported=False,
    ),
)

#: Every table by name, in dependency order (referenced tables first).
TABLES: dict[str, Table] = {t.name: t for t in _TABLES}

#: Native importable tables, in the order an import applies them.
IMPORT_ORDER: tuple[str, ...] = tuple(t.name for t in _TABLES if t.imported)
