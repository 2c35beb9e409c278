"""Marking a deal paused, so the review does not flag it stale until a date.

A pause is a row of ``deal_pauses`` (opportunity, the day it was paused, until, reason, who)
and an audit-log entry. It applies to reviews whose D lies between ``paused_on`` and
``until`` (inclusive), so a review of an earlier date is unchanged (point in time).
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from salesorg.errors import ConfigError, NotFoundError
from salesorg.metrics.pit import to_date

__all__ = ["pause_deal"]


def pause_deal(
    store: object,
    opportunity_id: str,
    *,
    until: dt.date | str,
    reason: str,
    paused_on: dt.date | str,
    actor: str = "cli",
) -> dict[str, object]:
    """Pause ``opportunity_id`` from ``paused_on`` to ``until`` with a ``reason``; audited.

    Pausing the same deal again on the same day replaces that day's pause.

    Raises:
        NotFoundError: no such opportunity.
        ConfigError: ``until`` before ``paused_on`` or an empty reason.
    """
    start, end = to_date(paused_on), to_date(until)
    if end < start:
        raise ConfigError(f"--until {end} is before today ({start}); give a later date")
    if not reason.strip():
        raise ConfigError("--reason is empty; say why the deal is paused (shown in the review)")
    con = store.con  # type: ignore[attr-defined]
    found = con.execute(
        "SELECT count(*) FROM opportunities WHERE opportunity_id = ?", [opportunity_id]
    ).fetchone()[0]
    if not found:
        raise NotFoundError(
            f"opportunity {opportunity_id!r} not found — check the ID with "
            f"`salesorg sql \"SELECT opportunity_id, name FROM opportunities WHERE name ILIKE '%...%'\"`"
        )
    row = {
        "opportunity_id": opportunity_id,
        "paused_on": start,
        "until": end,
        "reason": reason.strip(),
        "created_by": actor,
    }
    with store.transaction():  # type: ignore[attr-defined]
        con.execute(
            "DELETE FROM deal_pauses WHERE opportunity_id = ? AND paused_on = ?",
            [opportunity_id, start],
        )
        store.insert_frame("deal_pauses", pd.DataFrame([row]))  # type: ignore[attr-defined]
        store.audit(  # type: ignore[attr-defined]
            actor,
            "review.pause",
            opportunity_id,
            json.dumps({"paused_on": str(start), "until": str(end), "reason": row["reason"]}),
        )
    return row
