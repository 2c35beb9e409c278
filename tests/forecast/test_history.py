"""The array history agrees with the point-in-time views, and forecasts are point-in-time pure."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from forecast_synth import load
from hypothesis import given
from hypothesis import strategies as st

from salesorg.forecast.api import METHODS, forecast
from salesorg.forecast.history import _sort_rows, _stable_order, load_history
from salesorg.metrics.pit import opportunity_state
from salesorg.store import Store


@pytest.mark.parametrize("as_of", ["2026-01-05", "2026-02-28", "2026-03-24", "2026-03-31"])
def test_state_from_arrays_equals_opportunity_state(tiny, as_of):
    h = load_history(tiny)
    st = h.known_at(as_of).state
    ours = {
        h.opp_ids[o]: (h.stage_names[s], a, h.person_ids[w])
        for o, s, a, w in zip(st["opp"], st["stage"], st["amount_rc"], st["owner"], strict=True)
    }
    ref = opportunity_state(tiny, as_of).execute()
    theirs = {r.opportunity_id: (r.stage, float(r.amount_rc), r.owner_id) for r in ref.itertuples()}
    assert ours == theirs


def test_foreign_amounts_convert_like_opportunity_state(tiny):
    tiny.con.execute("UPDATE opportunities SET currency = 'CHF' WHERE opportunity_id = 'O3'")
    tiny.refresh_derived()  # a raw SQL edit: refresh the history's copies
    tiny.insert_frame(
        "fx_rates",
        pd.DataFrame(
            [
                {"date": dt.date(2026, 1, 1), "currency": "CHF", "rate": 1.05},
                {"date": dt.date(2026, 3, 1), "currency": "CHF", "rate": 1.10},
            ]
        ),
    )
    h = load_history(tiny)
    for as_of, rate in [("2026-02-15", 1.05), ("2026-03-20", 1.10)]:
        st = h.known_at(as_of).state
        o3 = list(h.opp_ids).index("O3")
        assert st["amount_rc"][st["opp"] == o3][0] == pytest.approx(200 * rate)
        ref = opportunity_state(tiny, as_of).execute().set_index("opportunity_id")
        assert float(ref.loc["O3", "amount_rc"]) == pytest.approx(200 * rate)


def test_spells_merge_rows_in_the_same_stage(tiny):
    h = load_history(tiny)
    sp = h.spells
    o3 = list(h.opp_ids).index("O3")
    assert (sp["opp"] == o3).sum() == 1  # two Qualify rows, one spell


def test_spells_not_yet_ended_at_as_of_are_censored(tiny):
    h = load_history(tiny)
    sp = h.known_at("2026-01-25").known_spells()
    o1 = list(h.opp_ids).index("O1")
    rows = np.flatnonzero(sp["opp"] == o1)
    assert [h.stage_names[s] for s in sp["stage"][rows]] == ["Qualify", "Propose"]
    assert sp["next_stage"][rows][1] == -1  # the win on 2026-02-10 is not known yet


@pytest.fixture(scope="module")
def early_and_late(synth_tables, tmp_path_factory):
    d = tmp_path_factory.mktemp("purity")
    with Store.open(d / "cut.duckdb") as cut:
        load(cut, synth_tables, until=dt.datetime(2024, 8, 15))
        early = load_history(cut)
    with Store.open(d / "full.duckdb") as full:
        load(full, synth_tables)
        late = load_history(full)
    return early, late


@pytest.mark.parametrize("method", METHODS)
def test_adding_later_history_does_not_change_an_earlier_forecast(method, early_and_late):
    import warnings

    early, late = early_and_late
    assert len(late.at) > len(early.at)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for period in ("2024Q3", "2024Q4"):
            kw = {"period": period, "as_of": dt.date(2024, 8, 14), "method": method}
            a = forecast(early, by="owner", trials=2000, **kw)
            b = forecast(late, by="owner", trials=2000, **kw)
            pd.testing.assert_frame_equal(a, b)


def _arrays(h) -> dict:
    names = ("at", "until", "opp", "stage", "amount", "close", "fcat", "owner", "opp_created")
    return {n: getattr(h, n) for n in names}


def test_loading_in_one_row_batches_gives_the_same_history(tiny):
    # a stage missing from the stages table and an owner missing from people arrive mid-stream
    tiny.con.execute(
        "INSERT INTO opportunity_history (opportunity_id, changed_at, stage, amount, close_date, "
        "owner_id) VALUES ('O5', TIMESTAMP '2026-03-28 10:00:00', 'Parked', 30, "
        "DATE '2026-06-30', 'X9')"
    )
    tiny.refresh_derived()
    whole = load_history(tiny)
    streamed = load_history(tiny, batch_rows=1)
    for name, values in _arrays(whole).items():
        np.testing.assert_array_equal(getattr(streamed, name), values, err_msg=name)
    assert (
        streamed.stage_names
        == whole.stage_names
        == [
            "Qualify",
            "Propose",
            "Won",
            "Lost",
            "Parked",
        ]
    )
    assert streamed.person_ids == whole.person_ids == sorted(whole.person_ids)
    assert "X9" in whole.person_ids
    last = int(np.flatnonzero(whole.opp == list(whole.opp_ids).index("O5"))[-1])
    assert whole.person_ids[whole.owner[last]] == "X9"
    assert whole.stage_names[whole.stage[last]] == "Parked"


def test_codes_are_stored_narrow_and_ids_are_looked_up_by_code(tiny):
    h = load_history(tiny)
    assert (h.opp.dtype, h.stage.dtype, h.owner.dtype, h.fcat.dtype) == (
        np.int32,
        np.int32,
        np.int32,
        np.int8,
    )
    assert h.n_opps == 5
    assert list(h.ids_of(np.array([4, 0]))) == ["O5", "O1"]
    assert list(h.opp_ids) == ["O1", "O2", "O3", "O4", "O5"]


@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 10**9)),
        min_size=0,
        max_size=60,
        unique=True,
    )
)
def test_rows_end_up_ordered_by_opportunity_then_time(pairs):
    opp = np.array([p[0] for p in pairs], dtype=np.int32)
    at = np.array([p[1] for p in pairs], dtype=np.int64)
    tag = np.arange(len(pairs), dtype=np.int64)  # travels with its row
    cols = {"opp": opp.copy(), "at": at.copy(), "tag": tag}
    _sort_rows(cols)
    expected = np.lexsort((at, opp))
    np.testing.assert_array_equal(cols["tag"], expected)
    np.testing.assert_array_equal(cols["opp"], opp[expected])
    np.testing.assert_array_equal(cols["at"], at[expected])


@given(st.lists(st.integers(-(10**12), 10**12), max_size=80))
def test_packed_sort_gives_the_stable_order(values):
    a = np.array(values, dtype=np.int64)
    np.testing.assert_array_equal(_stable_order(a), np.argsort(a, kind="stable"))


def test_packed_sort_falls_back_when_keys_do_not_fit():
    a = np.array([2**62, -(2**62), 5, 5, 0], dtype=np.int64)
    np.testing.assert_array_equal(_stable_order(a), np.argsort(a, kind="stable"))
