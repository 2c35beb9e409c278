"""Every JSON key of ``salesorg review`` is documented in docs/review.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from salesorg.review import FLAGS, MOVEMENTS, ReviewConfig, run_review
from salesorg.review.pack import KPI_LABELS
from salesorg.store import Store

DOC = Path(__file__).resolve().parents[2] / "docs" / "review.md"


def _documented() -> set[str]:
    return set(re.findall(r"`([a-z_0-9]+)`", DOC.read_text(encoding="utf-8")))


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        out = set(value)
        for v in value.values():
            out |= _keys(v)
        return out
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def test_every_json_key_is_documented(tiny: Store) -> None:
    data = run_review(tiny, "2026-03-31", "2026-03-17").to_json()
    missing = _keys(data) - _documented()
    assert not missing, f"document these keys in docs/review.md: {sorted(missing)}"


@pytest.mark.parametrize("name", [*FLAGS, *MOVEMENTS, *KPI_LABELS, *ReviewConfig().as_dict()])
def test_every_flag_movement_kpi_and_setting_is_documented(name: str) -> None:
    assert name in _documented()
