"""The review on the demo company: reconciled, plausible, and the packs ``make demo`` writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from salesorg.demo import build_demo
from salesorg.review import run_review, write_demo_packs
from salesorg.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, object]]:
    path = tmp_path_factory.mktemp("demo-review") / "demo.duckdb"
    with Store.open(path) as s:
        summary = build_demo(s)
        yield s, summary


def test_demo_review_reconciles_and_flags_real_movement(demo) -> None:
    store, summary = demo
    review = run_review(store, summary.as_of, compare=False)
    try:
        assert review.bridge.reconciles
        data = review.to_json()
        flags = {f for c in data["changes"] for f in c["flags"]}
        assert {"new", "won", "lost", "advanced"} <= flags
        assert 0 < len(data["exceptions"]) < len(data["changes"])
        assert data["suppressed"] == len(data["changes"]) - len(data["exceptions"])
        scores = [e["materiality"] for e in data["exceptions"]]
        assert scores == sorted(scores, reverse=True) and min(scores) >= 1
    finally:
        review.release()


def test_write_demo_packs_writes_company_and_team_packs(demo, tmp_path: Path) -> None:
    store, _ = demo
    paths, top = write_demo_packs(store, tmp_path)
    assert len(paths) == 6 and all(p.stat().st_size > 0 for p in paths)
    assert {p.suffix for p in paths} == {".html", ".pdf", ".xlsx"}
    assert any("company" in p.name for p in paths)
    assert len(top) == 5
    assert list(top["materiality"]) == sorted(top["materiality"], reverse=True)
    xlsx = next(p for p in paths if p.suffix == ".xlsx" and "company" in p.name)
    assert "Exceptions" in openpyxl.load_workbook(xlsx, read_only=True).sheetnames
