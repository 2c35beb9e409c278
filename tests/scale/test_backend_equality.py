"""The same point-in-time views and metrics on DuckDB, Spark and PostgreSQL give the same numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from salesorg.backends import copy_store
from salesorg.metrics.pit import opportunity_state, reporting_line
from salesorg.store import Store

AS_OFS = ["2026-01-31", "2026-02-28", "2026-03-24", "2026-03-31"]


def _normalise(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = pd.to_datetime(out[c]).dt.tz_localize(None).astype("datetime64[us]")
        elif out[c].dtype == object:
            out[c] = out[c].map(
                lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            )
    return out.sort_values(key).reset_index(drop=True)


def _state_frames(store: Store) -> dict[str, pd.DataFrame]:
    frames = {}
    for d in AS_OFS:
        frames[f"state {d}"] = _normalise(opportunity_state(store, d).execute(), ["opportunity_id"])
        frames[f"line {d}"] = _normalise(reporting_line(store, d).execute(), ["person_id"])
    return frames


def _assert_same(duck: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame]) -> None:
    for name, expected in duck.items():
        got = other[name][expected.columns]
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=name)


@pytest.mark.spark
@pytest.mark.slow
def test_point_in_time_views_agree_on_spark(tiny, spark_url):
    with Store.open(spark_url) as spark:
        copy_store(tiny, spark)
        _assert_same(_state_frames(tiny), _state_frames(spark))


@pytest.mark.postgres
@pytest.mark.slow
def test_point_in_time_views_agree_on_postgres(tiny, postgres_url):
    with Store.open(postgres_url) as pg:
        copy_store(tiny, pg)
        _assert_same(_state_frames(tiny), _state_frames(pg))


def test_warehouse_history_without_valid_to_is_derived(tiny):
    import ibis

    from salesorg.backends import history_with_valid_to

    raw = tiny.table("opportunity_history").drop("valid_to")
    derived = history_with_valid_to(raw).execute().sort_values(["opportunity_id", "changed_at"])
    stored = (
        tiny.table("opportunity_history").execute().sort_values(["opportunity_id", "changed_at"])
    )
    assert list(derived["valid_to"]) == list(stored["valid_to"])
    assert ibis is not None
