"""The pipeline bridge: last review's pipeline, plus each movement, equals this week's.

The pipeline followed is set by :attr:`ReviewConfig.window`: by default the open deals whose
close date falls in the quarter of D (the same quarter at both dates, so the start is "what
last week's pipeline held for this quarter"); ``"all"`` follows every open deal. For a unit,
a deal counts when its owner (at that date) is a member of the unit on D's reporting line.

Every opportunity's contribution moves from ``c0`` (its amount at S, in the reporting currency
at S's rate, if it was in the pipeline at S, else 0) to ``c1`` (likewise at D). The change
``c1 - c0`` is assigned to exactly one movement (two for a deal in both: ``fx`` and
``amount_up``/``amount_down``), so start + Σ movements = end holds to the cent by construction
(and is checked by a Hypothesis test against an independent replay of the history).

Movements (sign: + adds to the pipeline):

``new``            created after S, in the pipeline at D (+)
``reopened``       closed at S, open and in the pipeline at D (+)
``reassigned_in``  owner at S outside the unit, inside at D (+; unit scope only)
``pulled_in``      open at S but outside the window (close date later, earlier or unknown),
                   inside at D (+)
``won``/``lost``   in the pipeline at S, closed at D (−, at the S amount)
``reassigned_out`` in the pipeline at S, owner outside the unit at D (−)
``slipped_out``    in the pipeline at S, open at D but close date outside the window (−)
``amount_up``/``amount_down``  in at both dates: the change of amount at D's rate
``fx``             in at both dates: the S amount revalued from S's rate to D's rate
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis

__all__ = ["MOVEMENTS", "Bridge", "bridge", "movement_columns"]

#: Bridge movements in display order.
MOVEMENTS = (
    "new",
    "reopened",
    "reassigned_in",
    "pulled_in",
    "amount_up",
    "amount_down",
    "fx",
    "won",
    "lost",
    "reassigned_out",
    "slipped_out",
)


@dataclass(frozen=True)
class Bridge:
    """Start, movements and end of the pipeline, exact decimals in the reporting currency."""

    start: Decimal
    end: Decimal
    movements: dict[str, Decimal] = field(default_factory=dict)
    window: str = "quarter"

    @property
    def reconciles(self) -> bool:
        return self.start + sum(self.movements.values(), Decimal(0)) == self.end

    def as_dict(self) -> dict[str, Any]:
        """``start``, one amount per movement, ``end`` (the JSON ``bridge`` object)."""
        return {"start": self.start, **self.movements, "end": self.end}


def movement_columns(base: ibis.Table) -> dict[str, ibis.Value]:
    """One signed amount column per movement for each row of
    :func:`salesorg.review.changes.change_base` (0 where the movement does not apply)."""
    zero = ibis.literal(Decimal("0.00"), type=base.amount_rc.type())
    c0 = base.amount_rc_0.coalesce(zero)
    c1 = base.amount_rc
    both = base.in_0 & base.in_1
    enters = ~base.in_0 & base.in_1
    leaves = base.in_0 & ~base.in_1
    existed = base.changed_at_0.notnull()
    delta = c1 - base.amount_0_rc1.coalesce(zero)

    def when(cond: ibis.Value, value: ibis.Value) -> ibis.Value:
        return ibis.ifelse(cond, value, zero)

    return {
        "new": when(enters & ~existed, c1),
        "reopened": when(enters & existed & base.is_closed_0.coalesce(False), c1),
        "reassigned_in": when(
            enters & existed & ~base.is_closed_0.coalesce(False) & ~base.scope_0, c1
        ),
        "pulled_in": when(enters & existed & ~base.is_closed_0.coalesce(False) & base.scope_0, c1),
        "amount_up": when(both & (delta > zero), delta),
        "amount_down": when(both & (delta < zero), delta),
        "fx": when(both, base.amount_0_rc1.coalesce(zero) - c0),
        "won": when(leaves & base.is_closed & base.is_won, -c0),
        "lost": when(leaves & base.is_closed & ~base.is_won, -c0),
        "reassigned_out": when(leaves & ~base.is_closed & ~base.scope_1, -c0),
        "slipped_out": when(leaves & ~base.is_closed & base.scope_1, -c0),
    }


def bridge(base: ibis.Table, *, window: str = "quarter") -> Bridge:
    """Aggregate the bridge from the review's base table (one query)."""
    zero = ibis.literal(Decimal("0.00"), type=base.amount_rc.type())
    cols = movement_columns(base)
    aggs = {f"m_{k}": v.sum() for k, v in cols.items()}
    aggs["start"] = ibis.ifelse(base.in_0, base.amount_rc_0, zero).sum()
    aggs["end"] = ibis.ifelse(base.in_1, base.amount_rc, zero).sum()
    row = base.aggregate(**aggs).execute().iloc[0]

    def dec(v: Any) -> Decimal:
        if v is None or (isinstance(v, float) and v != v):
            return Decimal("0.00")
        return Decimal(str(v)).quantize(Decimal("0.01"))

    return Bridge(
        start=dec(row["start"]),
        end=dec(row["end"]),
        movements={k: dec(row[f"m_{k}"]) for k in MOVEMENTS},
        window=window,
    )
