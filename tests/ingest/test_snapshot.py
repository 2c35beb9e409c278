"""Snapshots: successive weekly exports rebuild history; point-in-time state reproduces each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ingest_helpers import load_tiny

from salesorg.errors import ConfigError
from salesorg.ingest import Options, import_files
from salesorg.metrics.pit import opportunity_state
from salesorg.store import Store

OPEN = ["Qualify", "Propose"]
OWNERS = ["A1", "A2", "A3"]
START = dt.date(2026, 1, 5)


def _write(path, rows):
    pd.DataFrame(
        rows, columns=["opportunity_id", "owner_id", "stage", "amount", "close_date"]
    ).to_csv(path, index=False)


def _state_rows(store, as_of):
    st_ = opportunity_state(store, as_of)
    df = st_.filter(~st_.is_closed).execute()
    return {
        r.opportunity_id: (r.owner_id, r.stage, Decimal(r.amount), r.close_date.date().isoformat())
        for r in df.itertuples()
    }


deal = st.tuples(
    st.sampled_from(OWNERS),
    st.sampled_from(OPEN),
    st.integers(1, 500).map(lambda x: Decimal(x * 10)),
    st.integers(0, 60).map(lambda d: (START + dt.timedelta(days=30 + d)).isoformat()),
)
snapshot = st.dictionaries(st.sampled_from([f"S{i}" for i in range(8)]), deal, max_size=6)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(weeks=st.lists(snapshot, min_size=1, max_size=4))
# two identical (empty) files on different dates are two snapshots, not a re-import
@example(weeks=[{}, {"S0": ("A1", "Qualify", Decimal(10), "2026-02-04")}, {}])
def test_state_at_each_snapshot_date_reproduces_that_snapshot(weeks, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snap")

    with Store.open(":memory:") as store:
        load_tiny(store)
        for i, week in enumerate(weeks):
            f = tmp / f"week{i}.csv"
            _write(f, [(k, *v) for k, v in week.items()])
            import_files(
                store, "snapshot", [f], options=Options(as_of=START + dt.timedelta(weeks=i))
            )
        for i, week in enumerate(weeks):
            got = {
                k: v
                for k, v in _state_rows(store, START + dt.timedelta(weeks=i)).items()
                if k.startswith("S")
            }
            assert got == dict(week.items())
            # a deal open earlier and missing now is closed lost as of that week
            if i:
                closed = opportunity_state(store, START + dt.timedelta(weeks=i)).execute()
                gone = set(weeks[i - 1]) - set(week)
                lost = set(closed[(closed.stage == "Lost")].opportunity_id)
                assert gone <= lost


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(week=snapshot)
def test_reimporting_a_snapshot_changes_nothing(week, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snap")

    with Store.open(":memory:") as store:
        load_tiny(store)
        f = tmp / "week.csv"
        _write(f, [(k, *v) for k, v in week.items()])
        import_files(store, "snapshot", [f], options=Options(as_of=START))
        before = store.query("SELECT * FROM opportunity_history ORDER BY ALL")
        r = import_files(store, "snapshot", [f], options=Options(as_of=START))
        assert r.status == "unchanged"
        pd.testing.assert_frame_equal(
            store.query("SELECT * FROM opportunity_history ORDER BY ALL"), before
        )


def test_unchanged_deal_gets_no_new_history_row(tiny, tmp_path):
    f1, f2 = tmp_path / "w1.csv", tmp_path / "w2.csv"
    _write(f1, [("S1", "A1", "Qualify", 100, "2026-03-31")])
    _write(
        f2, [("S1", "A1", "Qualify", 100, "2026-03-31"), ("S2", "A2", "Propose", 50, "2026-04-30")]
    )
    import_files(tiny, "snapshot", [f1], options=Options(as_of=dt.date(2026, 2, 2)))
    r = import_files(tiny, "snapshot", [f2], options=Options(as_of=dt.date(2026, 2, 9)))
    assert r.report["changed_or_new_rows"] == 1 and r.report["new_opportunities"] == 1


def test_snapshots_out_of_date_order_are_refused(tiny, tmp_path):
    f1, f2 = tmp_path / "w1.csv", tmp_path / "w2.csv"
    _write(f1, [("S1", "A1", "Qualify", 100, "2026-03-31")])
    _write(f2, [("S1", "A1", "Qualify", 110, "2026-03-31")])
    import_files(tiny, "snapshot", [f1], options=Options(as_of=dt.date(2026, 2, 9)))
    with pytest.raises(ConfigError, match="date order"):
        import_files(tiny, "snapshot", [f2], options=Options(as_of=dt.date(2026, 2, 2)))
