from __future__ import annotations

import sys

import pytest

from salesorg.review.meter import reporting_meter


def test_fallback_meter_uses_53_minute_meetings_twice_a_month_plus_preparation(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "salesorg.orgdesign.timebudget", None)
    m = reporting_meter(8, 3)
    assert m["by_hand_hours_month"] == pytest.approx(53 * 2 * 8 * 1.5 / 60, abs=0.05)
    assert m["with_salesorg_hours_month"] == pytest.approx((15 + 30) * 52 / 12 / 60, abs=0.05)
    assert m["source"] == "salesorg.review.meter defaults"


def test_by_hand_time_grows_with_span() -> None:
    assert (
        reporting_meter(14, 0)["by_hand_hours_month"] > reporting_meter(8, 0)["by_hand_hours_month"]
    )
