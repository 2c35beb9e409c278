"""The review part of ``make demo``: the company pack and one team pack for the latest week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from salesorg.report import write
from salesorg.review.pack import review_pack
from salesorg.review.run import default_as_of, run_review
from salesorg.review.scope import team_units

__all__ = ["write_demo_packs"]


def write_demo_packs(
    store: object,
    out_dir: str | Path,
    *,
    today: dt.date | None = None,
    formats: tuple[str, ...] = ("html", "pdf", "xlsx"),
) -> tuple[list[Path], pd.DataFrame]:
    """Write the company pack and the first team's pack for the latest week with data.

    Returns the paths written and the five most material exceptions of the company review
    (columns ``opportunity_id``, ``owner_id``, ``flags``, ``amount_before``,
    ``amount_after``, ``materiality``, ``reason``).
    """
    out = Path(out_dir)
    as_of = default_as_of(store, today or dt.date.max)  # type: ignore[arg-type]
    paths: list[Path] = []
    teams = team_units(store)  # type: ignore[arg-type]
    company = None
    for unit in [None, *teams[:1]]:
        review = run_review(store, as_of, unit_id=unit)  # type: ignore[arg-type]
        doc = review_pack(review, store)
        stem = f"review-{unit or 'company'}-{as_of}"
        for fmt in formats:
            paths.append(write(doc, out / f"{stem}.{fmt}"))
        if unit is None:
            company = review
    assert company is not None
    top = company.exceptions.head(5)[
        [
            "opportunity_id",
            "owner_id",
            "flags",
            "amount_before",
            "amount_after",
            "materiality",
            "reason",
        ]
    ].reset_index(drop=True)
    return paths, top
