"""Helpers shared by the importer tests (paths, in-process CLI runs, table fingerprints)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from salesorg.cli import main
from salesorg.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
BAD = DATA / "bad"
MAVEN_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "crm_sales_opportunities"


def write_csvs(folder: Path, **tables: str) -> list[Path]:
    """Write each ``table=text`` as ``folder/table.csv``; return the paths in that order."""
    folder.mkdir(exist_ok=True)
    paths = []
    for name, text in tables.items():
        p = folder / f"{name}.csv"
        p.write_text(text)
        paths.append(p)
    return paths


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``salesorg ARGS`` in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def table_counts(db: Path) -> dict[str, int]:
    """Row count of every table (the fingerprint "nothing was written" is checked against)."""
    from salesorg.model import TABLES

    with Store.open(db, read_only=True) as s:
        return {t: s.count(t) for t in TABLES}


def load_tiny(store: Store) -> None:
    """Load the tiny company of ``tests/conftest.py`` into ``store`` (for Hypothesis tests)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_tiny_company", DATA.parent / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.load_tiny_company(store)
