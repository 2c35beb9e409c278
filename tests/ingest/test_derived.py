"""The derived header copies of ``opportunity_history`` (schema 3) on every write path.

Each history row carries its header's ``currency``, ``pipeline`` and ``owner_id``
(``header_owner_id``) so the point-in-time state needs no header join. They must follow the
header through a first import, a re-import of the header alone, a history re-import, a
snapshot import and :meth:`~salesorg.store.Store.insert_frame`.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from ingest_helpers import write_csvs

from salesorg.ingest import Options, import_files
from salesorg.metrics.pit import HEADER_COLUMNS, opportunity_state

PEOPLE = "person_id,name,role\nA1,Ann,AM\nA2,Bob,AM\n"
STAGES = (
    "pipeline,stage,ordinal,is_closed,is_won,default_probability\n"
    "default,Qualify,1,false,false,0.1\ndefault,Won,2,true,true,1.0\n"
    "renewal,Qualify,1,false,false,0.3\nrenewal,Won,2,true,true,1.0\n"
)
FX = "date,currency,rate\n2026-01-01,USD,0.9\n"
HEADER = (
    "opportunity_id,owner_id,created_on,currency,pipeline\n"
    "O1,A1,2026-01-05,EUR,default\nO2,A2,2026-01-06,USD,default\n"
)
HISTORY = (
    "opportunity_id,changed_at,stage,amount,owner_id\n"
    "O1,2026-01-05 09:00:00,Qualify,100,\nO1,2026-01-20 09:00:00,Won,120,\n"
    "O2,2026-01-06 09:00:00,Qualify,50,A1\n"
)


def _copies(store):
    """(opportunity_id, changed_at) -> (currency, pipeline, header_owner_id) of every row."""
    rows = store.con.execute(
        "SELECT opportunity_id, changed_at, currency, pipeline, header_owner_id "
        "FROM opportunity_history"
    ).fetchall()
    return {(r[0], str(r[1])): r[2:] for r in rows}


def _header_of_every_row(store):
    """What the copies must be: the header's values, joined the slow way."""
    rows = store.con.execute(
        "SELECT h.opportunity_id, h.changed_at, o.currency, o.pipeline, o.owner_id "
        "FROM opportunity_history h JOIN opportunities o USING (opportunity_id)"
    ).fetchall()
    return {(r[0], str(r[1])): r[2:] for r in rows}


def _load(store, tmp_path):
    paths = write_csvs(
        tmp_path / "first",
        people=PEOPLE,
        stages=STAGES,
        fx_rates=FX,
        opportunities=HEADER,
        opportunity_history=HISTORY,
    )
    import_files(store, "native", paths)


def _lean_equals_full(store, as_of):
    full = opportunity_state(store, as_of).execute()
    lean = opportunity_state(store, as_of, header=False).execute()
    assert list(lean.columns) == [c for c in full.columns if c not in HEADER_COLUMNS]
    pd.testing.assert_frame_equal(
        lean.sort_values("opportunity_id").reset_index(drop=True),
        full[list(lean.columns)].sort_values("opportunity_id").reset_index(drop=True),
    )


def test_a_first_import_fills_the_copies_on_the_way_in(store, tmp_path):
    _load(store, tmp_path)
    got = _copies(store)
    assert got == _header_of_every_row(store)
    assert got["O1", "2026-01-05 09:00:00"] == ("EUR", "default", "A1")
    assert got["O2", "2026-01-06 09:00:00"] == ("USD", "default", "A2")
    _lean_equals_full(store, "2026-01-10")


def test_reimporting_the_header_alone_refreshes_its_history(store, tmp_path):
    _load(store, tmp_path)
    changed = "opportunity_id,owner_id,created_on,currency,pipeline\nO1,A2,2026-01-05,USD,renewal\n"
    import_files(store, "native", write_csvs(tmp_path / "again", opportunities=changed))
    got = _copies(store)
    assert got == _header_of_every_row(store)
    assert got["O1", "2026-01-05 09:00:00"] == got["O1", "2026-01-20 09:00:00"]
    assert got["O1", "2026-01-20 09:00:00"] == ("USD", "renewal", "A2")
    assert got["O2", "2026-01-06 09:00:00"] == ("USD", "default", "A2")  # untouched
    st = opportunity_state(store, "2026-01-10", header=False).execute().set_index("opportunity_id")
    assert st.loc["O1", "owner_id"] == "A2" and st.loc["O2", "owner_id"] == "A1"
    assert st.loc["O1", "default_probability"] == 0.3  # the renewal pipeline's stage
    assert float(st.loc["O1", "amount_rc"]) == 90.0  # 100 USD at 0.9
    _lean_equals_full(store, "2026-01-10")
    _lean_equals_full(store, "2026-01-25")


def test_a_history_reimport_copies_the_stored_header(store, tmp_path):
    _load(store, tmp_path)
    more = "opportunity_id,changed_at,stage,amount,owner_id\nO2,2026-02-01 09:00:00,Won,60,\n"
    import_files(store, "native", write_csvs(tmp_path / "more", opportunity_history=more))
    got = _copies(store)
    assert got == _header_of_every_row(store)
    assert got["O2", "2026-02-01 09:00:00"] == ("USD", "default", "A2")
    _lean_equals_full(store, "2026-02-02")


def test_a_snapshot_import_fills_the_copies(tiny, tmp_path):
    f = tmp_path / "week.csv"
    pd.DataFrame(
        [("S1", "A2", "Qualify", 100, "USD"), ("O3", "A3", "Propose", 250, None)],
        columns=["opportunity_id", "owner_id", "stage", "amount", "currency"],
    ).to_csv(f, index=False)
    import_files(tiny, "snapshot", [f], options=Options(as_of=dt.date(2026, 4, 6)))
    got = _copies(tiny)
    assert got == _header_of_every_row(tiny)
    assert got["S1", "2026-04-06 00:00:00"] == ("USD", "default", "A2")
    _lean_equals_full(tiny, "2026-04-06")


def test_insert_frame_fills_the_copies_whichever_table_comes_first(store):
    hist = pd.DataFrame(
        [
            {
                "opportunity_id": "O1",
                "changed_at": dt.datetime(2026, 1, 5, 9),
                "stage": "Qualify",
                "amount": 10.0,
            }
        ]
    )
    store.insert_frame("opportunity_history", hist)  # before its header: nothing to copy yet
    assert _copies(store) == {("O1", "2026-01-05 09:00:00"): (None, None, None)}
    header = pd.DataFrame(
        [
            {
                "opportunity_id": "O1",
                "owner_id": "A1",
                "created_on": dt.date(2026, 1, 5),
                "currency": "GBP",
                "pipeline": "default",
            }
        ]
    )
    store.insert_frame("opportunities", header)
    assert _copies(store) == {("O1", "2026-01-05 09:00:00"): ("GBP", "default", "A1")}
    later = hist.assign(changed_at=dt.datetime(2026, 1, 7, 9))
    store.insert_frame("opportunity_history", later)
    assert _copies(store) == _header_of_every_row(store)


def _keeps_order(store) -> bool:
    return store.con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]


def test_an_import_writes_in_any_order_and_restores_the_setting_after(store, tmp_path):
    """The insert may write rows in any order (issue #3's speed); the connection keeps the
    file-order setting it had, after an import that fails inside its transaction (a first
    history load whose insert finds an unknown stage) and after one that succeeds."""
    import pytest

    from salesorg.errors import InputError

    assert _keeps_order(store)
    header = write_csvs(
        tmp_path / "header", people=PEOPLE, stages=STAGES, fx_rates=FX, opportunities=HEADER
    )
    import_files(store, "native", header)
    bad = write_csvs(tmp_path / "bad", opportunity_history=HISTORY.replace("Qualify,50", "Nope,50"))
    with pytest.raises(
        InputError, match=re.escape("opportunity_history.csv:4:stage: value 'Nope'")
    ):
        import_files(store, "native", bad)
    assert _keeps_order(store)
    assert store.count("opportunity_history") == 0
    _load(store, tmp_path)
    assert _keeps_order(store)
    assert _copies(store) == _header_of_every_row(store)
