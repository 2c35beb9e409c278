"""The store: DDL from the model, the schema 1 → 2 → 3 migrations, keys of the unindexed tables."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd
import pytest

from salesorg.errors import StoreError
from salesorg.model import HEADER_COPIES, SCHEMA_VERSION, TABLES
from salesorg.store import Store, table_ddl

BULK = ("opportunities", "opportunity_history")


def _primary_keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    return {r[0] for r in rows}


def _history_row(changed_at: str, amount: float = 10.0) -> dict[str, object]:
    return {
        "opportunity_id": "O1",
        "changed_at": dt.datetime.fromisoformat(changed_at),
        "stage": "Qualify",
        "amount": amount,
    }


def _before_v3(table):
    """A table as schema 1 and 2 had it: the history without the header copies."""
    if table.name != "opportunity_history":
        return table
    return dataclasses.replace(
        table, columns=tuple(c for c in table.columns if c.name not in HEADER_COPIES)
    )


def _history_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'opportunity_history' ORDER BY ordinal_position"
    ).fetchall()
    return [r[0] for r in rows]


def test_only_the_bulk_tables_lack_a_primary_key(store):
    keyed = {t.name for t in TABLES.values() if t.key}
    assert _primary_keys(store.con) == keyed - set(BULK)
    assert {t.name for t in TABLES.values() if not t.indexed} == set(BULK)


def test_a_schema_1_file_is_migrated_without_the_bulk_keys_and_keeps_rows_and_checks(tmp_path):
    db = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(db))
    for t in TABLES.values():  # schema 1: every key was a PRIMARY KEY
        con.execute(table_ddl(dataclasses.replace(_before_v3(t), indexed=True)))
    con.execute("INSERT INTO settings VALUES ('schema_version', '1')")
    con.execute(
        "INSERT INTO opportunities VALUES ('O1', NULL, 'A1', NULL, NULL, NULL, "
        "'2026-01-05', 'EUR', 'default')"
    )
    con.execute(
        "INSERT INTO opportunity_history VALUES ('O1', '2026-01-05 09:00', 'Qualify', "
        "100, NULL, NULL, NULL, '9999-12-31')"
    )
    assert set(BULK) <= _primary_keys(con)
    con.close()

    with Store.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION == 3
        assert not set(BULK) & _primary_keys(store.con)
        assert store.count("opportunities") == store.count("opportunity_history") == 1
        with pytest.raises(duckdb.ConstraintException):  # key columns stay NOT NULL
            store.con.execute("INSERT INTO opportunities (opportunity_id) VALUES (NULL)")
        with pytest.raises(duckdb.ConstraintException):  # the CHECK on amount is kept
            store.con.execute(
                "INSERT INTO opportunity_history (opportunity_id, changed_at, stage, amount) "
                "VALUES ('O1', '2026-01-06', 'Qualify', -1)"
            )
    with Store.open(db) as again:  # opening once more changes nothing
        assert again.schema_version == 3 and again.count("opportunity_history") == 1


def test_a_schema_2_file_gets_the_header_copies_filled_from_the_header(tmp_path):
    db = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(db))
    for t in TABLES.values():
        con.execute(table_ddl(_before_v3(t)))
    con.execute("INSERT INTO settings VALUES ('schema_version', '2')")
    con.execute(
        "INSERT INTO opportunities VALUES ('O1', NULL, 'A1', NULL, NULL, NULL, "
        "'2026-01-05', 'USD', 'renewal'), ('O2', NULL, 'A2', NULL, NULL, NULL, "
        "'2026-01-06', 'EUR', 'default')"
    )
    con.execute(
        "INSERT INTO opportunity_history VALUES "
        "('O1', '2026-01-05 09:00', 'Qualify', 100, NULL, NULL, NULL, '2026-01-07 09:00'), "
        "('O1', '2026-01-07 09:00', 'Won', 120, NULL, NULL, 'A3', '9999-12-31'), "
        "('O2', '2026-01-06 09:00', 'Qualify', 50, NULL, NULL, NULL, '9999-12-31')"
    )
    con.close()

    with Store.open(db) as store:
        assert store.schema_version == 3
        assert _history_columns(store.con) == list(TABLES["opportunity_history"].names)
        rows = store.con.execute(
            "SELECT opportunity_id, owner_id, valid_to, currency, pipeline, header_owner_id "
            "FROM opportunity_history ORDER BY opportunity_id, valid_to"
        ).fetchall()
        assert [(r[0], r[1], str(r[2]), *r[3:]) for r in rows] == [
            ("O1", None, "2026-01-07 09:00:00", "USD", "renewal", "A1"),
            ("O1", "A3", "9999-12-31 00:00:00", "USD", "renewal", "A1"),
            ("O2", None, "9999-12-31 00:00:00", "EUR", "default", "A2"),
        ]
    with Store.open(tmp_path / "fresh.duckdb") as fresh:  # same columns as a new store
        assert _history_columns(fresh.con) == list(TABLES["opportunity_history"].names)


def test_insert_frame_refuses_a_repeated_history_key_and_writes_nothing(tiny):
    before = tiny.count("opportunity_history")
    frame = pd.DataFrame([_history_row("2026-01-05 09:00:00")])  # O1's first change again
    with pytest.raises(StoreError, match="O1/2026-01-05 09:00:00 would be stored twice"):
        tiny.insert_frame("opportunity_history", frame)
    assert tiny.count("opportunity_history") == before


def test_insert_frame_refuses_a_key_repeated_within_the_frame(store):
    frame = pd.DataFrame(
        [
            {
                "opportunity_id": "O1",
                "owner_id": "A1",
                "created_on": dt.date(2026, 1, 5),
                "currency": "EUR",
            }
        ]
        * 2
    )
    with pytest.raises(StoreError, match="opportunities: key"):
        store.insert_frame("opportunities", frame)
    assert store.count("opportunities") == 0


def test_insert_frame_appends_new_history_keys_and_computes_valid_to(store):
    store.insert_frame("opportunity_history", pd.DataFrame([_history_row("2026-01-05 09:00")]))
    store.insert_frame("opportunity_history", pd.DataFrame([_history_row("2026-01-07 09:00")]))
    rows = store.query("SELECT valid_to FROM opportunity_history ORDER BY changed_at")
    assert [str(v) for v in rows.valid_to] == ["2026-01-07 09:00:00", "9999-12-31 00:00:00"]


def test_a_store_never_draws_progress_bars_into_command_output(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as s:
        assert s.con.sql("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]
