"""The same point-in-time views, metrics, weekly review and forecast on DuckDB, Spark and
PostgreSQL.

Data are copied from a DuckDB store into each backend with :func:`salesorg.backends.copy_store`;
every result is then computed on both and compared value by value (money to the cent).
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from salesorg.backends import copy_store, history_with_valid_to
from salesorg.forecast.api import forecast
from salesorg.forecast.history import load_history
from salesorg.metrics import METRICS, compute
from salesorg.metrics.pit import opportunity_state, reporting_line
from salesorg.review import run_review
from salesorg.store import Store

AS_OFS = ["2026-01-31", "2026-02-28", "2026-03-24", "2026-03-31"]
GROUPINGS = [None, "owner", "unit", "month", "quarter"]


def _normalise(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = pd.to_datetime(out[c]).dt.tz_localize(None).astype("datetime64[us]")
        elif out[c].dtype == object:
            out[c] = out[c].map(
                lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            )
        elif str(out[c].dtype).startswith(("float", "Float")):
            out[c] = out[c].astype("float64").round(9)
    key = [k for k in key if k in out.columns]
    return out.sort_values(key).reset_index(drop=True) if key else out.reset_index(drop=True)


def _results(store: Store) -> dict[str, object]:
    """Everything compared across backends, computed on ``store``."""
    out: dict[str, object] = {}
    for d in AS_OFS:
        out[f"state {d}"] = _normalise(opportunity_state(store, d).execute(), ["opportunity_id"])
        out[f"line {d}"] = _normalise(reporting_line(store, d).execute(), ["person_id"])
    for name in sorted(METRICS):
        for by in GROUPINGS:
            df = compute(store, name, as_of="2026-03-31", by=by)
            out[f"metric {name} by {by}"] = _normalise(df, list(df.columns[:3]))
    for unit in (None, "T1"):
        review = run_review(store, "2026-03-31", "2026-03-01", unit_id=unit).to_json()
        out[f"review {unit}"] = json.loads(json.dumps(review, sort_keys=True, default=str))
    history = load_history(store, batch_rows=4)  # several batches even on the tiny company
    for name in ("at", "until", "opp", "stage", "amount", "close", "fcat", "owner", "opp_created"):
        out[f"forecast history {name}"] = getattr(history, name).tolist()
    out["forecast history keys"] = [list(history.opp_ids), history.person_ids, history.stage_names]
    for method in ("weighted", "markov"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the tiny company's thin history
            df = forecast(
                history, period="2026Q2", as_of="2026-03-24", method=method, by="owner", trials=500
            )
        out[f"forecast {method}"] = _normalise(df, ["owner_id"])
    return out


def _assert_same(expected: dict[str, object], got: dict[str, object]) -> None:
    for name, want in expected.items():
        have = got[name]
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(have[want.columns], want, check_dtype=False, obj=name)
        else:
            assert have == want, name


@pytest.mark.spark
@pytest.mark.slow
def test_views_metrics_and_review_agree_on_spark(tiny, spark_url):
    with Store.open(spark_url) as spark:
        copy_store(tiny, spark)
        _assert_same(_results(tiny), _results(spark))


@pytest.mark.postgres
@pytest.mark.slow
def test_views_metrics_and_review_agree_on_postgres(tiny, postgres_url):
    with Store.open(postgres_url) as pg:
        copy_store(tiny, pg)
        _assert_same(_results(tiny), _results(pg))


def test_history_without_valid_to_gets_it_derived_in_the_query(tiny):
    raw = tiny.table("opportunity_history").drop("valid_to")
    derived = history_with_valid_to(raw).execute().sort_values(["opportunity_id", "changed_at"])
    stored = (
        tiny.table("opportunity_history").execute().sort_values(["opportunity_id", "changed_at"])
    )
    assert list(derived["valid_to"]) == list(stored["valid_to"])


class _Replica:
    """A CRM replica: the model's tables, but a history without the header copies."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reporting_currency = store.reporting_currency

    def table(self, name: str):
        t = self.store.table(name)
        if name == "opportunity_history":
            t = t.drop("currency", "pipeline", "header_owner_id")
        return t


def test_a_history_without_the_header_copies_falls_back_to_the_header_join(tiny):
    from salesorg.review.pair import state_pair

    replica = _Replica(tiny)
    for d in AS_OFS:
        for header in (True, False):
            want = opportunity_state(tiny, d, header=header).execute()
            got = opportunity_state(replica, d, header=header).execute()
            pd.testing.assert_frame_equal(
                _normalise(got, ["opportunity_id"]), _normalise(want, ["opportunity_id"])
            )
    want = state_pair(tiny, AS_OFS[-1], AS_OFS[0]).execute()
    got = state_pair(replica, AS_OFS[-1], AS_OFS[0]).execute()
    pd.testing.assert_frame_equal(
        _normalise(got, ["opportunity_id"]), _normalise(want, ["opportunity_id"])
    )


class _Target:
    """A copy target that keeps what it is given."""

    read_only = False

    def __init__(self) -> None:
        self.tables: dict[str, object] = {}

    def replace_table(self, name: str, arrow) -> None:
        self.tables[name] = arrow


def test_copy_store_writes_the_header_copies_even_from_a_replica_without_them(tiny):
    target = _Target()
    copy_store(_Replica(tiny), target, tables=("opportunities", "opportunity_history"))
    got = target.tables["opportunity_history"].to_pandas()
    want = tiny.table("opportunity_history").to_pyarrow().to_pandas()
    assert list(got.columns) == list(want.columns)
    key = ["opportunity_id", "changed_at"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    )
