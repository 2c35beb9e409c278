"""Stage conversion on the tiny company. Rungs: Qualify (1) → Propose (2) → Won (3); Lost is
not a rung. Highest rung by 2026-03-31: O1 Won, O2 Qualify (then lost), O3 Qualify, O4 Won
(created at Propose, so it passed Qualify), O5 Qualify."""

from __future__ import annotations

import pytest

from salesorg.metrics.run import compute


def _rates(df, *keys):
    return {tuple(r[k] for k in keys): (r["reached"], r["converted"]) for _, r in df.iterrows()}


def test_conversion_company_total(tiny) -> None:
    df = compute(tiny, "conversion", as_of="2026-03-31")
    assert _rates(df, "stage", "next_stage") == {
        ("Qualify", "Propose"): (5, 2),
        ("Propose", "Won"): (2, 2),
    }
    assert df.set_index("stage").loc["Qualify", "conversion_rate"] == pytest.approx(0.4)


def test_conversion_as_of_an_earlier_date_uses_history_known_then(tiny) -> None:
    df = compute(tiny, "conversion", as_of="2026-02-01")
    # O1 (Propose 01-20), O2, O3 created by 02-01; O1 not yet won
    assert _rates(df, "stage") == {("Qualify",): (3, 1), ("Propose",): (1, 0)}


def test_conversion_by_owner_uses_the_owner_as_of(tiny) -> None:
    df = compute(tiny, "conversion", as_of="2026-03-31", by="owner")
    got = _rates(df, "owner_id", "stage")
    assert got[("A1", "Qualify")] == (3, 1)  # O1, O2 and O5 (reassigned to A1)
    assert got[("A3", "Qualify")] == (1, 1)


def test_conversion_by_month_of_reaching_the_stage(tiny) -> None:
    df = compute(tiny, "conversion", as_of="2026-03-31", by="month")
    got = _rates(df, "month", "stage")
    assert got[("2026-01", "Qualify")] == (2, 1)
    assert got[("2026-01", "Propose")] == (1, 1)  # O1 reached Propose on 01-20
    assert got[("2026-03", "Qualify")] == (1, 0)  # O5


def test_conversion_window_counts_stages_first_reached_in_it(tiny) -> None:
    df = compute(tiny, "conversion", as_of="2026-03-31", period="2026-02")
    assert _rates(df, "stage") == {("Qualify",): (2, 1), ("Propose",): (1, 1)}  # O3, O4
