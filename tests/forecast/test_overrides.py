"""Forecast calls: validated, append-only with history, audited, rolled up, measured."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from salesorg.errors import ConfigError, NotFoundError
from salesorg.forecast.overrides import (
    add_override,
    backtest_overrides,
    current_overrides,
    list_overrides,
    rollup_with_overrides,
)

T0 = dt.datetime(2026, 3, 1, 12)


def _add(store, **kw):
    base = {"unit_id": "T1", "period": "2026Q1", "comment": "c", "author": "m1@x", "created_at": T0}
    return add_override(store, **{**base, **kw})


def test_a_new_call_supersedes_the_old_one_which_stays_as_history(tiny):
    first = _add(tiny, amount=150)
    second = _add(tiny, amount=170, created_at=T0 + dt.timedelta(days=2))
    allrows = list_overrides(tiny)
    assert list(allrows.override_id) == [first["override_id"], second["override_id"]]
    assert second["supersedes"] == first["override_id"]
    now = current_overrides(allrows, "2026-03-10")
    assert list(now.amount.astype(float)) == [170.0]
    before = current_overrides(allrows, "2026-03-01")
    assert list(before.amount.astype(float)) == [150.0]


def test_every_call_is_audited(tiny):
    _add(tiny, amount=150)
    log = tiny.table("audit_log").to_pandas()
    assert list(log.action) == ["forecast.override"]
    assert log.actor.iloc[0] == "m1@x" and log.target.iloc[0] == "T1/2026Q1"


def test_a_deal_category_call_needs_a_known_deal_and_category(tiny):
    row = _add(tiny, opportunity_id="O3", category="commit")
    assert row["category"] == "commit" and row["amount"] is None
    with pytest.raises(NotFoundError, match="O99"):
        _add(tiny, opportunity_id="O99", category="commit")
    with pytest.raises(ConfigError, match="not one of"):
        _add(tiny, opportunity_id="O3", category="maybe")


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({}, "either --amount"),
        ({"amount": 5, "category": "commit", "opportunity_id": "O3"}, "either --amount"),
        ({"amount": -1}, "negative"),
        ({"amount": 5, "unit_id": "NOPE"}, "unit 'NOPE'"),
        ({"amount": 5, "period": "2026Q9"}, "2026Q4"),
    ],
)
def test_bad_calls_are_refused_with_a_hint(tiny, kw, msg):
    with pytest.raises((ConfigError, NotFoundError), match=msg):
        _add(tiny, **kw)
    assert list_overrides(tiny).empty


def test_calls_roll_up_the_unit_tree():
    units = pd.DataFrame(
        {"unit_id": ["C", "R", "T1", "T2", "T3"], "parent_unit_id": [None, "C", "R", "R", "C"]}
    )
    computed = pd.DataFrame(
        {"unit_id": ["C", "R", "T1", "T2", "T3"], "p50": [100.0, 70.0, 40.0, 25.0, 30.0]}
    )
    calls = pd.DataFrame(
        {
            "holder_id": ["T1"],
            "opportunity_id": [None],
            "amount": [55.0],
            "override_id": ["o1"],
            "author": ["a"],
            "comment": ["x"],
        }
    )
    r = rollup_with_overrides(computed, calls, units).set_index("unit_id")
    # R = 70 − 40 − 25 + 55 + 25 = 85 (5 of R's own); C = 100 − 70 − 30 + 85 + 30 = 115
    assert r.loc["T1", "call"] == 55 and r.loc["T1", "source"] == "override"
    assert r.loc["R", "call"] == 85 and r.loc["R", "source"] == "rollup"
    assert r.loc["C", "call"] == 115 and r.loc["T3", "source"] == "computed"
    calls2 = pd.concat([calls, calls.assign(holder_id="C", amount=90.0, override_id="o2")])
    assert (
        rollup_with_overrides(computed, calls2, units).set_index("unit_id").loc["C", "call"] == 90
    )


def test_judgment_uses_deal_category_calls_made_by_then(tiny):
    import warnings

    from salesorg.forecast.history import load_history
    from salesorg.forecast.judgment import JudgmentForecaster

    _add(tiny, opportunity_id="O4", category="commit", created_at=dt.datetime(2026, 2, 16, 9))
    o = current_overrides(list_overrides(tiny), "2026-02-20")
    view = load_history(tiny).known_at("2026-02-20")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = JudgmentForecaster(overrides=o).fit(view).predict("2026Q1").iloc[0]
    assert (r.p10, r.p50, r.p90) == (120.0, 200.0, 200.0)  # booked 120 + O4 80 as commit


def test_calls_are_measured_against_the_outcome_and_the_computed_forecast(synth):
    add_override(
        synth,
        unit_id="T1",
        period="2025Q2",
        amount=1_000_000,
        comment="cautious",
        author="m@x",
        created_at=dt.datetime(2025, 4, 15, 9),
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = backtest_overrides(synth, trials=500).iloc[0]
    assert r.unit_id == "T1" and r.as_of == dt.date(2025, 4, 15)
    assert r.call_error == pytest.approx(abs(1_000_000 - r.actual), abs=0.01)
    assert r.computed_error == pytest.approx(abs(r.computed_p50 - r.actual), abs=0.01)
    assert r.actual > 0
