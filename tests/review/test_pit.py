"""Point in time: a review for a past date does not change when later facts arrive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from salesorg.report.html import render_html
from salesorg.review import review_pack, run_review
from salesorg.store import Store


def _later_facts(store: Store) -> None:
    store.insert_frame(
        "opportunities",
        pd.DataFrame(
            [
                {
                    "opportunity_id": "O6",
                    "owner_id": "A2",
                    "name": "O6",
                    "created_on": dt.date(2026, 3, 28),
                    "currency": "EUR",
                    "pipeline": "default",
                }
            ]
        ),
    )
    rows = [
        ("O6", "2026-03-28T09:00:00", "Qualify", "500", "2026-03-31", "A2"),
        ("O3", "2026-03-26T09:00:00", "Propose", "260", "2026-04-10", "A2"),
        ("O5", "2026-03-30T09:00:00", "Lost", "30", "2026-03-30", "A1"),
        # a change made late on the review day itself would count; this one is the next morning
        ("O3", "2026-03-25T00:00:00", "Qualify", "999", "2026-03-31", "A2"),
    ]
    store.insert_frame(
        "opportunity_history",
        pd.DataFrame(
            [
                {
                    "opportunity_id": o,
                    "changed_at": dt.datetime.fromisoformat(t),
                    "stage": s,
                    "amount": Decimal(a),
                    "close_date": dt.date.fromisoformat(c),
                    "owner_id": w,
                }
                for o, t, s, a, c, w in rows
            ]
        ),
    )
    store.con.execute(
        "INSERT INTO deal_pauses VALUES ('O3', DATE '2026-03-27', DATE '2026-06-30', 'x', 't')"
    )
    # A2 moves to team 2 after the review date
    store.con.execute("UPDATE assignments SET valid_to = DATE '2026-03-28' WHERE person_id = 'A2'")
    store.con.execute("INSERT INTO assignments VALUES ('A2', 'T2', 'M2', DATE '2026-03-28', NULL)")


def test_an_old_review_does_not_change_when_later_history_arrives(tiny: Store) -> None:
    before = {u: run_review(tiny, "2026-03-24", "2026-03-10", unit_id=u) for u in (None, "T1")}
    json_before = {u: r.to_json() for u, r in before.items()}
    html_before = render_html(review_pack(before["T1"], tiny))
    _later_facts(tiny)
    after = {u: run_review(tiny, "2026-03-24", "2026-03-10", unit_id=u) for u in (None, "T1")}
    assert {u: r.to_json() for u, r in after.items()} == json_before
    assert render_html(review_pack(after["T1"], tiny)) == html_before


def test_the_later_facts_do_change_a_later_review(tiny: Store) -> None:
    old = run_review(tiny, "2026-03-31", "2026-03-24").to_json()
    _later_facts(tiny)
    new = run_review(tiny, "2026-03-31", "2026-03-24").to_json()
    assert old != new
    assert "O6" in {c["opportunity_id"] for c in new["changes"]}
