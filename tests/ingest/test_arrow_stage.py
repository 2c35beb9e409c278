"""The history's staging pass on Arrow gives what DuckDB's SQL gives: comparing each row with
the next one as ``lead() OVER ()`` does, however the rows are split into chunks, and trimming
text as ``nullif(trim(x), '')`` does."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from salesorg.ingest.arrow_stage import OPEN_END_US, SPACES, next_row, trim_blank
from salesorg.model import OPEN_END

_IDS = st.one_of(st.none(), st.sampled_from(["A", "B", "C", "AB", "b", "É", ""]))
_TIMES = st.one_of(
    st.none(),
    st.sampled_from([dt.datetime(2025, 1, d, h) for d in (1, 2, 3) for h in (0, 12)]),
)
_ROWS = st.lists(st.tuples(_IDS, _TIMES), max_size=30)


def _chunked(values: list, type_: pa.DataType, cuts: list[int]) -> pa.ChunkedArray:
    """``values`` as a chunked array split at ``cuts`` (empty chunks included; each chunk a
    slice of one array, so chunks start at an offset into shared buffers)."""
    whole = pa.array(values, type=type_)
    bounds = [0, *sorted(c % (len(values) + 1) for c in cuts), len(values)]
    return pa.chunked_array(
        [whole.slice(a, b - a) for a, b in itertools.pairwise(bounds)], type=type_
    )


def _by_sql(rows: list[tuple]) -> tuple[list, list]:
    """The same two columns from DuckDB's window over the rows in order."""
    con = duckdb.connect()
    con.register(
        "rows_table",
        pa.table(
            {
                "i": pa.array(range(len(rows)), pa.int64()),
                "opportunity_id": pa.array([r[0] for r in rows], pa.string()),
                "changed_at": pa.array([r[1] for r in rows], pa.timestamp("us")),
            }
        ),
    )
    got = con.execute(
        f"""SELECT CASE WHEN n0 = opportunity_id THEN n1 ELSE TIMESTAMP '{OPEN_END}' END,
                   coalesce(opportunity_id < n0 OR (opportunity_id = n0 AND changed_at < n1),
                            false)
            FROM (SELECT *, lead(opportunity_id) OVER (ORDER BY i) AS n0,
                         lead(changed_at) OVER (ORDER BY i) AS n1 FROM rows_table)
            ORDER BY i"""
    ).fetchall()
    return [g[0] for g in got], [g[1] for g in got]


@settings(max_examples=200, deadline=None)
@given(rows=_ROWS, cuts=st.lists(st.integers(0, 40), max_size=4))
def test_next_row_matches_duckdbs_lead_window(rows: list[tuple], cuts: list[int]) -> None:
    ids = _chunked([r[0] for r in rows], pa.string(), cuts)
    times = _chunked([r[1] for r in rows], pa.timestamp("us"), cuts[::-1])
    got = next_row(ids, times)
    want_at, want_up = _by_sql(rows)
    as_python = pa.array(got.next_at, type=pa.timestamp("us"), from_pandas=True).to_pylist()
    assert as_python == want_at
    assert got.key_up.tolist() == want_up


def test_a_sorted_history_has_every_key_up_but_the_last() -> None:
    ids = pa.chunked_array([["O1", "O1"], ["O1", "O2"]])
    at = [dt.datetime(2025, 1, d) for d in (1, 2, 5, 3)]
    got = next_row(ids, pa.chunked_array([at[:1], at[1:]], type=pa.timestamp("us")))
    assert got.key_up.tolist() == [True, True, True, False]
    assert got.next_at[:2].tolist() == [at[1], at[2]]
    assert got.next_at[2] == OPEN_END_US and got.next_at[3] == OPEN_END_US


def test_an_empty_file_has_no_neighbours() -> None:
    got = next_row(pa.chunked_array([], pa.string()), pa.chunked_array([], pa.timestamp("us")))
    assert len(got.next_at) == 0 and len(got.key_up) == 0
    assert got.next_at.dtype == np.dtype("datetime64[us]")


#: every space DuckDB trims, a tab (it does not), and characters sharing their UTF-8 bytes
_TEXT = st.one_of(st.none(), st.text(alphabet=SPACES + "\tab\u00e9\u20ac\u00c2", max_size=6))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_TEXT, max_size=20), cuts=st.lists(st.integers(0, 25), max_size=3))
def test_trim_blank_matches_duckdbs_nullif_trim(values: list, cuts: list[int]) -> None:
    got = trim_blank(_chunked(values, pa.string(), cuts)).to_pylist()
    con = duckdb.connect()
    con.register("texts", pa.table({"x": pa.array(values, pa.string())}))
    want = con.execute("SELECT nullif(trim(x), '') FROM texts").fetchall()
    assert got == [w[0] for w in want]


def test_trim_blank_keeps_a_clean_column_as_it_is() -> None:
    clean = pa.chunked_array([["O1", "O2"], [None, "O3"]])
    assert trim_blank(clean) is clean
