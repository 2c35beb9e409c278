"""Properties every metric keeps on random companies (Hypothesis), with a plain-Python oracle.

Random deals for the tiny company's AMs (A1, A2 in T1; A3 in T2) in EUR and CHF (rate 1.5):
group totals add up to the company total for every grouping, rates lie in [0, 1], the metrics
agree with each other, and the company win rate equals one computed by hand from the events.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesorg.metrics.run import compute
from salesorg.store import Store


def _load_tiny():
    """``load_tiny_company`` from tests/conftest.py (a second copy; fixtures are not used here)."""
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("_tiny_company", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_tiny_company


load_tiny_company = _load_tiny()

BASE = dt.date(2026, 1, 1)
RATE = 1.5

deal = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["A1", "A2", "A3"]),
        "created": st.integers(0, 90),
        "currency": st.sampled_from(["EUR", "EUR", "CHF"]),
        "steps": st.lists(
            st.tuples(
                st.integers(1, 30), st.sampled_from(["Qualify", "Propose"]), st.integers(1, 999)
            ),
            min_size=1,
            max_size=3,
        ),
        "end": st.sampled_from([None, "Won", "Lost"]),
        "end_gap": st.integers(1, 40),
    }
)


def _events(d: dict) -> list[tuple[dt.date, str, int]]:
    day = BASE + dt.timedelta(days=d["created"])
    out = []
    for k, (gap, stage, amount) in enumerate(d["steps"]):
        if k:
            day += dt.timedelta(days=gap)
        out.append((day, stage, amount))
    if d["end"]:
        out.append((day + dt.timedelta(days=d["end_gap"]), d["end"], out[-1][2]))
    return out


def _store(deals: list[dict]) -> Store:
    s = Store.open(":memory:")
    load_tiny_company(s)
    s.con.execute("DELETE FROM opportunity_history; DELETE FROM opportunities")
    s.insert_frame(
        "fx_rates",
        pd.DataFrame({"date": [dt.date(2025, 1, 1)], "currency": ["CHF"], "rate": [RATE]}),
    )
    opps, hist = [], []
    for i, d in enumerate(deals):
        oid = f"X{i}"
        ev = _events(d)
        opps.append({"opportunity_id": oid, "owner_id": d["owner"], "created_on": ev[0][0],
                     "currency": d["currency"], "pipeline": "default"})  # fmt: skip
        for day, stage, amount in ev:
            hist.append({"opportunity_id": oid, "changed_at": dt.datetime.combine(day, dt.time(9)),
                         "stage": stage, "amount": Decimal(amount), "close_date": day + dt.timedelta(days=60)
                         if stage not in ("Won", "Lost") else day, "owner_id": d["owner"]})  # fmt: skip
    if opps:
        s.insert_frame("opportunities", pd.DataFrame(opps))
        s.insert_frame("opportunity_history", pd.DataFrame(hist))
    return s


def _oracle(deals: list[dict], as_of: dt.date) -> dict[str, float]:
    won = lost = 0
    won_amt = 0.0
    for d in deals:
        known = [e for e in _events(d) if e[0] <= as_of]
        if known and known[-1][1] in ("Won", "Lost"):
            amt = known[-1][2] * (RATE if d["currency"] == "CHF" else 1)
            if known[-1][1] == "Won":
                won, won_amt = won + 1, won_amt + amt
            else:
                lost += 1
    return {"won": won, "lost": lost, "won_amount": won_amt}


SUMS = {
    "bookings": ("won", "won_amount"),
    "win-rate": ("won", "lost", "closed", "won_amount", "lost_amount"),
    "pipeline": ("open_count", "open_amount"),
}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    deals=st.lists(deal, max_size=10),
    as_of_offset=st.integers(0, 150),
    by=st.sampled_from(["owner", "unit", "month", "quarter"]),
)
def test_group_totals_add_up_and_match_a_hand_count(
    deals: list[dict], as_of_offset: int, by: str
) -> None:
    as_of = BASE + dt.timedelta(days=as_of_offset)
    with _store(deals) as s:
        for name, cols in SUMS.items():
            total = compute(s, name, as_of=as_of).iloc[0]
            parts = compute(s, name, as_of=as_of, by=by)
            for c in cols:
                assert float(parts[c].sum()) == pytest.approx(float(total[c] or 0)), (name, by, c)
            if name == "win-rate":
                expected = _oracle(deals, as_of)
                assert (total.won, total.lost) == (expected["won"], expected["lost"])
                assert float(total.won_amount) == pytest.approx(expected["won_amount"])
                rates = parts[["win_rate", "win_rate_amount"]].dropna()
                assert ((rates >= 0) & (rates <= 1)).all().all()
        assert compute(s, "deal-size", as_of=as_of, by=by)["won"].sum() == total_won(s, as_of)


def total_won(s: Store, as_of: dt.date) -> int:
    return int(compute(s, "bookings", as_of=as_of).iloc[0].won)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals=st.lists(deal, min_size=1, max_size=12), as_of_offset=st.integers(0, 150))
def test_conversion_never_exceeds_what_reached_the_stage(
    deals: list[dict], as_of_offset: int
) -> None:
    as_of = BASE + dt.timedelta(days=as_of_offset)
    with _store(deals) as s:
        df = compute(s, "conversion", as_of=as_of, by="owner")
        assert (df["converted"] <= df["reached"]).all()
        assert df["conversion_rate"].between(0, 1).all()
        total = compute(s, "conversion", as_of=as_of).set_index("stage")
        for stage, part in df.groupby("stage"):
            assert part["reached"].sum() == total.loc[stage, "reached"]


@pytest.mark.parametrize("by", ["owner", "unit", "quarter"])
def test_on_the_demo_company_groups_add_up_to_the_company_total(demo_store, by: str) -> None:
    as_of = dt.date(2026, 9, 30)
    for name, cols in SUMS.items():
        total = compute(demo_store, name, as_of=as_of).iloc[0]
        parts = compute(demo_store, name, as_of=as_of, by=by)
        if by == "unit":  # leavers keep their last team: nobody falls outside a unit
            assert parts["unit_id"].notna().all()
        for c in cols:
            assert float(parts[c].sum()) == pytest.approx(float(total[c])), (name, c)
