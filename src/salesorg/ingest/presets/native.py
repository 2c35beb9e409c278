"""The ``native`` preset: one file per table, named after the table, columns as in the model.

Paths are files (``people.csv``, ``opportunity_history.parquet``, ...) or directories holding
them; ``.csv``, ``.xlsx`` and ``.parquet`` are read. A mapping file (``--mapping``) can name a
table's file (``file = "deals.csv"``), rename columns, set constant defaults and recode values.
Files that are not named after a table (and not mapped) are an error, so nothing is skipped
silently. With ``--strict`` a column the model does not know is an error; otherwise it is
ignored and reported.
"""

from __future__ import annotations

from pathlib import Path

from salesorg.errors import InputError, Problem
from salesorg.ingest.load import Options, Prepared
from salesorg.ingest.mapping import TableMapping
from salesorg.ingest.readers import Source, open_source
from salesorg.ingest.validate import Staged
from salesorg.model import TABLES
from salesorg.store import Store

__all__ = ["prepare", "stage_source"]

SUFFIXES = (".csv", ".xlsx", ".parquet")


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def stage_source(src: Source, table: str, tm: TableMapping | None = None) -> Staged:
    """Map a source's columns onto native table ``table`` (renames/defaults from ``tm``)."""
    tm = tm or TableMapping()
    st = Staged(table, src, recode=dict(tm.values))
    cols = set(src.columns)
    used: set[str] = set()
    for c in TABLES[table].file_columns:
        header = tm.source_column(c.name)
        st.labels[c.name] = header
        if header in cols:
            st.columns[c.name] = _ident(header)
            used.add(header)
        elif c.name in tm.defaults:
            st.columns[c.name] = _q(tm.defaults[c.name])
    st.unknown = [c for c in src.columns if c not in used and c not in ("_row", "_file")]
    return st


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(
                f
                for f in p.iterdir()
                if f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
            )
        else:
            out.append(p)
    return out


def table_for(path: Path, mapped: dict[str, str]) -> str | None:
    """The native table a file holds: by the mapping's ``file =``, else by its name."""
    if path.name in mapped:
        return mapped[path.name]
    stem = path.stem
    if stem in TABLES and TABLES[stem].imported:
        return stem
    return None


def prepare(store: Store, paths: list[Path], options: Options) -> Prepared:
    files = _files(paths)
    mapped = {tm.file: t for t, tm in options.mapping.tables.items() if tm.file}
    problems: list[Problem] = []
    staged: list[Staged] = []
    if not files:
        raise InputError(
            [
                Problem(
                    ", ".join(map(str, paths)),
                    None,
                    None,
                    None,
                    "no .csv, .xlsx or .parquet files found",
                )
            ]
        )
    for i, f in enumerate(files):
        table = table_for(f, mapped)
        if table is None:
            importable = ", ".join(t for t in TABLES if TABLES[t].imported)
            problems.append(
                Problem(
                    f.name,
                    None,
                    None,
                    None,
                    f"not a native table file — name it after a table ({importable}) or map it with --mapping",
                )
            )
            continue
        src = open_source(store.con, f, encoding=options.encoding, name=f"_salesorg_src_{i}")
        staged.append(stage_source(src, table, options.mapping.for_table(table)))
    if problems:
        raise InputError(problems)
    ignored = {st.source.display: st.unknown for st in staged if st.unknown}
    report = {"tables": {st.source.display: st.table for st in staged}}
    if ignored and not options.strict:
        report["ignored_columns"] = ignored
    return Prepared(staged, files, report)
