"""Quota proposals: bottom-up from history, top-down from a target, reconciled to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from salesorg.comp.quota import apply_quotas, propose_quotas
from salesorg.errors import ConfigError
from salesorg.store import Store

from .conftest import add_deal

D = Decimal


def _history(store: Store) -> None:
    # Q1 and Q2 2026: A1 books 100,000 and 80,000; A2 books 40,000 and 60,000; A3 nothing.
    add_deal(store, "H1", "A1", "100000.00", "2026-02-01")
    add_deal(store, "H2", "A1", "80000.00", "2026-05-01")
    add_deal(store, "H3", "A2", "40000.00", "2026-02-01")
    add_deal(store, "H4", "A2", "60000.00", "2026-05-01")
    store.insert_frame(
        "accounts",
        pd.DataFrame(
            [
                {"account_id": "X", "name": "X", "revenue": 30.0},
                {"account_id": "Y", "name": "Y", "revenue": 10.0},
            ]
        ),
    )
    store.con.execute(
        "UPDATE opportunities SET account_id = CASE WHEN owner_id = 'A1' THEN 'X' ELSE 'Y' END"
    )


def test_bottom_up_is_mean_history_grown_and_top_down_allocates_the_target(company: Store) -> None:
    _history(company)
    p = propose_quotas(
        company,
        "2026Q3",
        history=2,
        growth=D("0.10"),
        company_target=D("300000"),
        potential_weight=D("0.5"),
        people=["A1", "A2"],
    )
    t = p.table.set_index("person_id")
    # bottom-up: A1 mean 90,000 × 1.1 = 99,000.00; A2 mean 50,000 × 1.1 = 55,000.00
    assert t.loc["A1", "bottom_up"] == D("99000.00") and t.loc["A2", "bottom_up"] == D("55000.00")
    # shares: history 90/140 and 50/140; potential (account revenue) 30/40 and 10/40
    # A1 = 300,000 × (0.5 × 0.75 + 0.5 × 9/14) = 300,000 × 0.696428571… = 208,928.571… → 208,928.57
    # A2 = 300,000 − 208,928.57 = 91,071.43 (largest remainder keeps the sum exact)
    assert t.loc["A1", "top_down"] == D("208928.57")
    assert t.loc["A2", "top_down"] == D("91071.43")
    assert t["proposed"].sum() == D("300000.00")
    assert p.bottom_up_total == D("154000.00")
    # past attainment: A1 180,000 / 200,000 = 0.9
    assert t.loc["A1", "past_attainment"] == D("0.9000")


def test_without_a_target_top_down_redistributes_the_bottom_up_total(company: Store) -> None:
    _history(company)
    p = propose_quotas(
        company, "2026Q3", history=2, growth=D("0"), potential_weight=D("0"), people=["A1", "A2"]
    )
    assert p.company_target == p.bottom_up_total == D("140000.00")
    assert list(p.table["gap"]) == [D("0.00"), D("0.00")]


def test_applying_a_proposal_writes_quotas_and_refuses_to_overwrite(company: Store) -> None:
    _history(company)
    p = propose_quotas(company, "2027Q1", history=4, people=["A1", "A2"])
    apply_quotas(company, p)
    rows = company.con.execute(
        "SELECT holder_id, amount FROM quotas WHERE period_start = ? ORDER BY 1",
        [dt.date(2027, 1, 1)],
    ).fetchall()
    assert [r[0] for r in rows] == ["A1", "A2"]
    assert sum(r[1] for r in rows) == p.company_target
    with pytest.raises(ConfigError, match="--replace"):
        apply_quotas(company, p)


def test_a_person_with_thin_history_is_warned_about(company: Store) -> None:
    _history(company)
    p = propose_quotas(company, "2026Q3", history=2, people=["A1", "A2", "A3"])
    assert any(w.startswith("A3:") and "thin history" in w for w in p.warnings)
