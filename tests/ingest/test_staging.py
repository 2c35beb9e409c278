"""Staging a file in memory and staging it batch by batch through a file on disk (what a file
too large for memory gets) give the same store, and the same located problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import BAD, run_cli, table_counts, write_csvs

import salesorg.ingest.validate as validate
from salesorg.ingest import import_files
from salesorg.model import TABLES
from salesorg.store import Store

PEOPLE = "person_id,name,role\nA1,Ann,AM\nA2, Bob ,AM\n"
STAGES = (
    "pipeline,stage,ordinal,is_closed,is_won,default_probability\n"
    "default,Qualify,1,false,false,0.1\ndefault,Propose,2,false,false,0.5\n"
    "default,Won,3,true,true,1.0\n"
)
HEADER = (
    "opportunity_id,owner_id,created_on,currency\n"
    "O1,A1,2026-01-05,EUR\nO2,A2,2026-01-06,EUR\nO3,A1,2026-01-07,EUR\n"
)
#: sorted by opportunity and time (once trimmed), so that the next row of a batch's last row
#: is in the next batch as often as the batch size allows
HISTORY = (
    "opportunity_id,changed_at,stage,amount,owner_id\n"
    "O1,2026-01-05 09:00:00,Qualify,100,\n"
    " O1,2026-01-10 09:00:00,Propose,110, \n"  # padded: trimmed, also as a batch's next row
    "O1,2026-01-20 09:00:00,Won,120,\n"
    "O2,2026-01-06 09:00:00,Qualify,50,A1\n"
    "O2,2026-01-08 09:00:00,Qualify,55,A1\n"
    "O3,2026-01-07 09:00:00,Propose,70,\n"
)
#: each HISTORY row's valid_to, by hand: (deal, month-day changed) -> the date of the same
#: deal's next change, else open
VALID_TO = {
    ("O1", "01-05"): "2026-01-10",
    ("O1", "01-10"): "2026-01-20",
    ("O1", "01-20"): "9999-12-31",
    ("O2", "01-06"): "2026-01-08",
    ("O2", "01-08"): "9999-12-31",
    ("O3", "01-07"): "9999-12-31",
}


def _company(folder: Path, history: str = HISTORY) -> list[Path]:
    """The files of a small company with ``history``."""
    return write_csvs(
        folder, people=PEOPLE, stages=STAGES, opportunities=HEADER, opportunity_history=history
    )


def _contents(store: Store) -> dict[str, list[tuple]]:
    """Every row of every imported table, sorted (the store's physical order may differ)."""
    out = {}
    for name, table in TABLES.items():
        if table.imported:
            rows = store.con.execute(f"SELECT * FROM {name}").fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def _spill_every_batch(monkeypatch: pytest.MonkeyPatch, rows_per_batch: int) -> None:
    monkeypatch.setattr(validate, "STAGE_MEMORY_BYTES", 0)
    monkeypatch.setattr(validate, "_BATCH_ROWS", rows_per_batch)


@pytest.mark.parametrize("rows_per_batch", [1, 2, 4])
def test_a_spilled_staging_stores_what_the_in_memory_one_stores(
    tmp_path, monkeypatch, rows_per_batch
):
    paths = _company(tmp_path / "files")
    with Store.open(tmp_path / "memory.duckdb") as store:
        import_files(store, "native", paths)
        in_memory = _contents(store)
    _spill_every_batch(monkeypatch, rows_per_batch)
    with Store.open(tmp_path / "spilled.duckdb") as store:
        import_files(store, "native", paths)
        assert _contents(store) == in_memory
    valid_to = {(r[0], str(r[1])[5:10]): str(r[7])[:10] for r in in_memory["opportunity_history"]}
    assert valid_to == VALID_TO
    assert ("A2", "Bob") in [p[:2] for p in in_memory["people"]]  # trimmed


@pytest.mark.parametrize("case", ["negative_amount", "history_out_of_order", "duplicate_id"])
def test_a_spilled_staging_locates_the_same_problem(case, tiny_db, monkeypatch):
    from test_bad_input import CASES

    _spill_every_batch(monkeypatch, 1)
    opts, location, rule = CASES[case]
    before = table_counts(tiny_db)
    code, _out, err = run_cli("import", "native", str(BAD / case), "--db", str(tiny_db), *opts)
    assert code == 1, err
    assert location in err and rule in err, err
    assert table_counts(tiny_db) == before


def _staged_history(rows_per_batch: int | None, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """HISTORY staged (in memory, or spilled in batches of ``rows_per_batch``): each row's
    key, next-row columns and row number."""
    import duckdb

    from salesorg.ingest.readers import Source
    from salesorg.ingest.validate import Staged

    if rows_per_batch is not None:
        _spill_every_batch(monkeypatch, rows_per_batch)
    con = duckdb.connect()
    lines = [line.split(",") for line in HISTORY.strip().splitlines()[1:]]
    con.execute("CREATE TABLE hist (i INTEGER, opportunity_id VARCHAR, changed_at TIMESTAMP)")
    con.executemany("INSERT INTO hist VALUES (?, ?, ?)", [(i, *x[:2]) for i, x in enumerate(lines)])
    st = Staged("opportunity_history", Source(Path("h.csv"), "h.csv", "hist", [], "csv"))
    st.trim_later = {"opportunity_id"}  # as the selects of a text column read as text say
    validate._stage(con, st, "SELECT opportunity_id, changed_at FROM hist ORDER BY i")
    got = con.execute(
        f"SELECT opportunity_id, _next_at, _key_up, _row FROM {st.name} ORDER BY _row"
    ).fetchall()
    validate.drop_staged(con, st)
    return [(o, str(n)[:10], k, r) for o, n, k, r in got]


@pytest.mark.parametrize("rows_per_batch", [None, 1, 2, 4])
def test_each_staged_history_row_knows_its_next_row_across_batches(rows_per_batch, monkeypatch):
    assert _staged_history(rows_per_batch, monkeypatch) == [
        ("O1", "2026-01-10", True, 2),
        ("O1", "2026-01-20", True, 3),
        ("O1", "9999-12-31", True, 4),
        ("O2", "2026-01-08", True, 5),
        ("O2", "9999-12-31", True, 6),
        ("O3", "9999-12-31", False, 7),  # the last row has no next row
    ]


@pytest.mark.parametrize("rows_per_batch", [None, 1])
def test_a_history_grouped_by_deal_but_not_sorted_gets_the_same_intervals(
    tmp_path, monkeypatch, rows_per_batch
):
    """Deals in the order O3, O1, O2 (keys do not ascend; each deal's rows together and in
    time order): the file-order path of the first load, checked in file order."""
    head, *rows = HISTORY.strip().splitlines()
    grouped = "\n".join([head, rows[5], *rows[:5]]) + "\n"
    paths = _company(tmp_path / "files", grouped)
    if rows_per_batch is not None:
        _spill_every_batch(monkeypatch, rows_per_batch)
    with Store.open(tmp_path / "grouped.duckdb") as store:
        import_files(store, "native", paths)
        got = store.con.execute(
            "SELECT opportunity_id, changed_at, valid_to FROM opportunity_history"
        ).fetchall()
    assert {(o, str(c)[5:10]): str(v)[:10] for o, c, v in got} == VALID_TO
