from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from review_helpers import D, S, add_deal, load_mini

from salesorg.review import MOVEMENTS, ReviewConfig, bridge, change_base
from salesorg.review.config import quarter_bounds
from salesorg.store import Store


def _bridge(store: Store, *, window: str = "quarter", owners=None, as_of=D, since=S):
    base = change_base(store, as_of, since, config=ReviewConfig(window=window), owners=owners)
    return bridge(base, window=window)


def test_tiny_company_bridge_by_hand(tiny: Store) -> None:
    br = _bridge(tiny, as_of="2026-03-31", since="2026-03-17")
    # in Q1 at S only O4 (80, closing 03-31) was open; it was won
    assert br.start == Decimal("80.00") and br.end == Decimal("0.00")
    assert br.movements["won"] == Decimal("-80.00")
    assert sum(v != 0 for v in br.movements.values()) == 1
    all_open = _bridge(tiny, window="all", as_of="2026-03-31", since="2026-03-17")
    assert (all_open.start, all_open.end) == (Decimal("310.00"), Decimal("230.00"))


def test_reassignment_into_a_team_is_its_own_movement(tiny: Store) -> None:
    br = _bridge(tiny, window="all", owners={"A1", "A2"}, as_of="2026-03-31", since="2026-03-24")
    assert (br.start, br.end) == (Decimal("200.00"), Decimal("230.00"))
    assert br.movements["reassigned_in"] == Decimal("30.00")
    out = _bridge(tiny, window="all", owners={"A3"}, as_of="2026-03-31", since="2026-03-24")
    assert out.movements["reassigned_out"] == Decimal("-30.00")
    assert out.reconciles and br.reconciles


def test_each_movement_of_the_quarter_pipeline(mini: Store) -> None:
    q = ("2026-03-01T10:00:00", "Qualify", 100, "2026-03-31", "A1")
    add_deal(mini, "NEW", [("2026-03-26T10:00:00", "Qualify", 11, "2026-03-31", "A1")])
    add_deal(mini, "WON", [q, ("2026-03-27T10:00:00", "Won", 120, "2026-03-27", "A1")])
    add_deal(mini, "LOST", [q, ("2026-03-27T10:00:00", "Lost", 100, "2026-03-27", "A1")])
    add_deal(mini, "UP", [q, ("2026-03-27T10:00:00", "Qualify", 130.5, "2026-03-31", "A1")])
    add_deal(mini, "DOWN", [q, ("2026-03-27T10:00:00", "Qualify", 70.25, "2026-03-31", "A1")])
    add_deal(mini, "OUT", [q, ("2026-03-27T10:00:00", "Qualify", 100, "2026-04-15", "A1")])
    add_deal(
        mini,
        "IN",
        [
            ("2026-03-01T10:00:00", "Qualify", 40, "2026-05-15", "A1"),
            ("2026-03-27T10:00:00", "Qualify", 40, "2026-03-30", "A1"),
        ],
    )
    add_deal(
        mini,
        "REOPEN",
        [
            ("2026-03-01T10:00:00", "Lost", 9, "2026-03-01", "A1"),
            ("2026-03-27T10:00:00", "Propose", 9, "2026-03-31", "A1"),
        ],
    )
    br = _bridge(mini)
    assert br.start == Decimal("500.00")  # WON, LOST, UP, DOWN, OUT
    assert br.movements == {
        "new": Decimal("11.00"),
        "reopened": Decimal("9.00"),
        "reassigned_in": Decimal("0.00"),
        "pulled_in": Decimal("40.00"),
        "amount_up": Decimal("30.50"),
        "amount_down": Decimal("-29.75"),
        "fx": Decimal("0.00"),
        "won": Decimal("-100.00"),  # at last week's amount
        "lost": Decimal("-100.00"),
        "reassigned_out": Decimal("0.00"),
        "slipped_out": Decimal("-100.00"),
    }
    assert br.end == Decimal("260.75")  # NEW 11 + UP 130.5 + DOWN 70.25 + IN 40 + REOPEN 9
    assert br.reconciles


def test_exchange_rate_changes_are_a_separate_movement(mini: Store) -> None:
    mini.insert_frame(
        "fx_rates",
        pd.DataFrame(
            {
                "date": [dt.date(2026, 3, 20), dt.date(2026, 3, 30)],
                "currency": ["USD", "USD"],
                "rate": [0.9, 0.8],
            }
        ),
    )
    add_deal(
        mini,
        "U",
        [
            ("2026-03-01T10:00:00", "Qualify", 1000, "2026-03-31", "A1"),
            ("2026-03-27T10:00:00", "Qualify", 1100, "2026-03-31", "A1"),
        ],
        currency="USD",
    )
    br = _bridge(mini)
    assert br.start == Decimal("900.00") and br.end == Decimal("880.00")
    assert br.movements["fx"] == Decimal("-100.00")  # 1000 USD from 0.9 to 0.8
    assert br.movements["amount_up"] == Decimal("80.00")  # +100 USD at 0.8
    assert br.reconciles


# ---------------------------------------------------------------- property: random histories

STAGE_NAMES = ["Qualify", "Propose", "Negotiate", "Won", "Lost"]
CLOSED = {"Won", "Lost"}
OWNERS = ["A1", "A2", "A3"]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store.open(tmp_path_factory.mktemp("bridge") / "b.duckdb") as s:
        load_mini(s)
        yield s


event = st.tuples(
    st.integers(0, 60),  # day offset from 2026-02-15
    st.sampled_from(STAGE_NAMES),
    st.integers(1, 500_000),  # cents
    st.one_of(st.none(), st.integers(0, 200)),  # close date offset from 2026-02-15
    st.sampled_from(OWNERS),
)
deal = st.lists(event, min_size=1, max_size=5)


def _replay(deals: dict[str, list], day: dt.date, q: tuple[dt.date, dt.date] | None, owners):
    """The pipeline at the end of ``day``, computed directly from the events."""
    total = Decimal(0)
    for rows in deals.values():
        known = [
            r for r in rows if r[0] < dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        ]
        if not known:
            continue
        _, stage, cents, close, owner = known[-1]
        if stage in CLOSED or (owners is not None and owner not in owners):
            continue
        if q is not None and (close is None or not q[0] <= close <= q[1]):
            continue
        total += Decimal(cents) / 100
    return total


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    deals=st.lists(deal, min_size=1, max_size=12),
    since_offset=st.integers(20, 50),
    gap=st.integers(1, 20),
    window=st.sampled_from(["quarter", "all"]),
    owners=st.sampled_from([None, ("A1", "A2"), ("A3",)]),
)
def test_bridge_reconciles_exactly_for_random_histories(
    shared_store: Store, deals, since_offset, gap, window, owners
) -> None:
    store = shared_store
    store.con.execute("DELETE FROM opportunity_history")
    store.con.execute("DELETE FROM opportunities")
    origin = dt.datetime(2026, 2, 15, 9)
    built: dict[str, list] = {}
    for i, events in enumerate(deals):
        rows, seen = [], set()
        for day, stage, cents, close, owner in sorted(events, key=lambda e: e[0]):
            at = origin + dt.timedelta(days=day)
            if at in seen:
                continue
            seen.add(at)
            close_d = None if close is None else origin.date() + dt.timedelta(days=close)
            rows.append((at, stage, cents, close_d, owner))
        built[f"R{i}"] = rows
        add_deal(
            store,
            f"R{i}",
            [
                (
                    at.isoformat(),
                    stage,
                    Decimal(cents) / 100,
                    None if c is None else c.isoformat(),
                    o,
                )
                for at, stage, cents, c, o in rows
            ],
        )
    since = origin.date() + dt.timedelta(days=since_offset)
    as_of = since + dt.timedelta(days=gap)
    q = quarter_bounds(as_of) if window == "quarter" else None
    members = None if owners is None else set(owners)
    br = _bridge(store, window=window, owners=members, as_of=as_of, since=since)
    assert br.start == _replay(built, since, q, members)
    assert br.end == _replay(built, as_of, q, members)
    assert br.start + sum(br.movements.values(), Decimal(0)) == br.end
    assert set(br.movements) == set(MOVEMENTS)
