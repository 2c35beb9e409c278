"""Column-mapping files (TOML) for exports whose files or columns are named differently.

A mapping file has one section per native table; every key is optional::

    [opportunities]
    file = "deals.csv"                 # the file that holds this table (default: opportunities.*)

    [opportunities.columns]            # native column = column header in the file
    opportunity_id = "Deal ID"
    owner_id = "Owner"
    created_on = "Created"

    [opportunities.defaults]           # a constant for a column the file lacks
    currency = "EUR"

    [opportunity_history.values.stage] # recode values of one column (file value = native value)
    "Closed Won" = "Won"
    "Closed Lost" = "Lost"

Columns not listed keep their own name. Unknown tables or columns are a
:class:`~salesorg.errors.ConfigError` naming the mapping file, so a typo never silently drops a
column.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from salesorg.errors import ConfigError
from salesorg.model import TABLES

__all__ = ["Mapping", "TableMapping", "load_mapping"]


@dataclass(frozen=True)
class TableMapping:
    """How one native table is found and read: its file name, renames, defaults, recodes."""

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def source_column(self, native: str) -> str:
        """The header in the file that holds native column ``native``."""
        return self.columns.get(native, native)


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file: one :class:`TableMapping` per native table mentioned."""

    tables: dict[str, TableMapping] = field(default_factory=dict)
    path: str | None = None

    def for_table(self, table: str) -> TableMapping:
        return self.tables.get(table, TableMapping())


def _strs(d: object, where: str, path: str) -> dict[str, str]:
    if not isinstance(d, dict):
        raise ConfigError(f'{path}: [{where}] must be a table of name = "value" pairs')
    out = {}
    for k, v in d.items():
        if not isinstance(v, (str, int, float, bool)):
            raise ConfigError(f"{path}: [{where}] {k} must be a string")
        out[str(k)] = str(v).lower() if isinstance(v, bool) else str(v)
    return out


def parse_mapping(data: dict[str, object], *, path: str = "<mapping>") -> Mapping:
    """Build a :class:`Mapping` from parsed TOML, checking tables and columns against the model."""
    tables: dict[str, TableMapping] = {}
    for name, body in data.items():
        if name not in TABLES or not TABLES[name].imported:
            importable = ", ".join(t for t in TABLES if TABLES[t].imported)
            raise ConfigError(f"{path}: unknown table [{name}] — use one of {importable}")
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        known = set(TABLES[name].names)
        unknown_keys = set(body) - {"file", "columns", "defaults", "values"}
        if unknown_keys:
            raise ConfigError(
                f"{path}: [{name}] has unknown key(s) {', '.join(sorted(unknown_keys))} — "
                "use file, columns, defaults, values"
            )
        columns = _strs(body.get("columns", {}), f"{name}.columns", path)
        defaults = _strs(body.get("defaults", {}), f"{name}.defaults", path)
        values_raw = body.get("values", {})
        if not isinstance(values_raw, dict):
            raise ConfigError(f"{path}: [{name}.values] must hold one table per column")
        values = {c: _strs(v, f"{name}.values.{c}", path) for c, v in values_raw.items()}
        for col in [*columns, *defaults, *values]:
            if col not in known:
                raise ConfigError(
                    f"{path}: [{name}] unknown column {col!r} — columns: {', '.join(sorted(known))}"
                )
        file = body.get("file")
        if file is not None and not isinstance(file, str):
            raise ConfigError(f"{path}: [{name}] file must be a string")
        tables[name] = TableMapping(file, columns, defaults, values)
    return Mapping(tables, path)


def load_mapping(path: str | Path | None) -> Mapping:
    """Read a mapping TOML file (``None`` gives the identity mapping)."""
    if path is None:
        return Mapping()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: mapping file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML — {exc}") from exc
    return parse_mapping(data, path=str(p))
