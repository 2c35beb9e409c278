"""The weekly pipeline review: changes since the last review, the bridge, exceptions by
materiality, KPIs and the review pack (see ``docs/review.md``).

>>> from salesorg.review import run_review, review_pack   # doctest: +SKIP
>>> review = run_review(store, "2026-03-31", unit_id="T1")  # doctest: +SKIP
>>> salesorg.report.write(review_pack(review, store), "pack.html")  # doctest: +SKIP
"""

from __future__ import annotations

from salesorg.review.bridge import MOVEMENTS, Bridge, bridge
from salesorg.review.changes import change_base
from salesorg.review.config import FLAGS, ReviewConfig
from salesorg.review.demo import write_demo_packs
from salesorg.review.forecast import forecast_rollup
from salesorg.review.pack import review_pack
from salesorg.review.pause import pause_deal
from salesorg.review.run import Review, default_as_of, run_review

__all__ = [
    "FLAGS",
    "MOVEMENTS",
    "Bridge",
    "Review",
    "ReviewConfig",
    "bridge",
    "change_base",
    "default_as_of",
    "forecast_rollup",
    "pause_deal",
    "review_pack",
    "run_review",
    "write_demo_packs",
]
