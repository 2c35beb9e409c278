"""Proposing quotas from history: bottom-up per person, top-down from a company target, reconciled.

* **Bottom-up**: each person's mean credited bookings over the last ``history`` periods, grown
  by ``growth`` (``bottom_up = mean × (1 + growth)``).
* **Top-down**: a company target ``T`` (default: the sum of bottom-up figures) allocated by a
  blend of territory potential and history, ``share = w · potential share + (1 − w) · history
  share``; amounts are whole cents allocated by largest remainder, so they sum to ``T`` exactly.
* **Territory potential** is either the revenue of the accounts a person sells to
  (``accounts.revenue`` of accounts on their deals, as known before the period starts), or their
  open pipeline in the reporting currency at that moment (``pipeline``).

The reconciliation table shows both figures and the gap per person; the proposal is the top-down
figure. Rising quotas lower the share of people reaching 100 % — check a proposal with
:func:`salesorg.comp.whatif.simulate` before applying it.

References:
    DOMAIN.md #6a/#6b (52–59 % of reps reach quota; distributions are right-skewed; practitioners
    aim for 60–70 % at or above quota — Alexander Group, "Quota Setting Practices").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from salesorg.comp.core import to_money
from salesorg.comp.history import booking_history, past_periods
from salesorg.comp.periods import Period, parse_window
from salesorg.errors import ConfigError, DataError
from salesorg.metrics.pit import opportunity_state
from salesorg.store import Store

__all__ = ["QuotaProposal", "apply_quotas", "propose_quotas"]


@dataclass
class QuotaProposal:
    """The reconciliation table (one row per person) and its totals, assumptions and warnings."""

    period: Period
    table: pd.DataFrame
    company_target: Decimal
    bottom_up_total: Decimal
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "start": self.period.start,
            "end": self.period.end,
            "company_target": self.company_target,
            "bottom_up_total": self.bottom_up_total,
            "gap": self.company_target - self.bottom_up_total,
            "people": self.table.to_dict(orient="records"),
            "assumptions": self.assumptions,
            "warnings": self.warnings,
        }


def _potential(store: Store, people: list[str], day: dt.date, kind: str) -> dict[str, Fraction]:
    st = opportunity_state(store, day)
    if kind == "pipeline":
        open_ = st.filter(~st.is_closed & st.owner_id.isin(people))
        df = open_.group_by("owner_id").aggregate(v=open_.amount_rc.sum()).execute()
        return {r.owner_id: Fraction(Decimal(str(r.v))) for r in df.itertuples() if pd.notna(r.v)}
    if kind == "accounts":
        acc = store.table("accounts")
        mine = st.filter(st.owner_id.isin(people)).select("owner_id", "account_id").distinct()
        j = mine.join(acc, mine.account_id == acc.account_id)
        df = j.group_by("owner_id").aggregate(v=j.revenue.sum()).execute()
        return {
            r.owner_id: Fraction(Decimal(repr(float(r.v))))
            for r in df.itertuples()
            if pd.notna(r.v)
        }
    raise ConfigError(f"--potential {kind!r}: use accounts or pipeline")


def propose_quotas(
    store: Store,
    period: Period | str,
    *,
    kind: str = "quarter",
    history: int = 4,
    growth: Decimal = Decimal("0.10"),
    company_target: Decimal | None = None,
    potential: str = "accounts",
    potential_weight: Decimal = Decimal("0.5"),
    people: list[str] | None = None,
) -> QuotaProposal:
    """Propose each person's quota for ``period`` and reconcile top-down with bottom-up."""
    if isinstance(period, str):
        period = parse_window(period)
    if not Decimal(0) <= potential_weight <= 1:
        raise ConfigError(f"--potential-weight {potential_weight}: must be between 0 and 1")
    if history < 1:
        raise ConfigError("--history must be at least 1 period")
    periods = past_periods(kind, period, history)
    hist = booking_history(store, periods, people)
    if people is None and not hist.empty:
        # only people employed when the quota period starts get a quota
        active = {
            r[0]
            for r in store.con.execute(
                """SELECT person_id FROM people WHERE (left_on IS NULL OR left_on >= ?)
                   AND (hired_on IS NULL OR hired_on <= ?)""",
                [period.start, period.end],
            ).fetchall()
        }
        hist = hist[hist.person_id.isin(active)]
    if hist.empty:
        raise DataError(
            f"no bookings or people in the {history} {kind}s before {period.start} — import "
            "opportunity history first, or pass --people"
        )
    ids = sorted(hist["person_id"].unique())
    names = dict(store.con.execute("SELECT person_id, name FROM people").fetchall())
    g = Fraction(growth)
    mean = {
        p: Fraction(int(hist.loc[hist.person_id == p, "bookings_cents"].sum()), len(periods))
        for p in ids
    }
    pot = _potential(store, ids, period.start - dt.timedelta(days=1), potential)
    total_hist = sum(mean.values(), Fraction(0))
    total_pot = sum((pot.get(p, Fraction(0)) for p in ids), Fraction(0))
    warnings: list[str] = []
    if total_hist == 0:
        raise DataError(f"nobody booked anything in the {history} {kind}s before {period.start}")
    w = Fraction(potential_weight)
    if total_pot == 0:
        warnings.append(f"no territory potential ({potential}) found: allocation uses history only")
        w = Fraction(0)
    bottom = {p: mean[p] * (1 + g) for p in ids}
    bottom_total = sum(bottom.values(), Fraction(0))
    target_cents = (
        round(bottom_total) if company_target is None else int(Decimal(company_target) * 100)
    )
    share = {
        p: w * (pot.get(p, Fraction(0)) / total_pot if total_pot else 0)
        + (1 - w) * mean[p] / total_hist
        for p in ids
    }
    # largest remainder on exact shares, so the allocation sums to the target to the cent
    raw = {p: target_cents * share[p] for p in ids}
    base = {p: int(raw[p]) for p in ids}
    left = target_cents - sum(base.values())
    for p in sorted(ids, key=lambda x: (-(raw[x] - base[x]), x))[:left]:
        base[p] += 1
    rows = []
    for p in ids:
        h = hist[hist.person_id == p]
        with_q = h[h.quota_cents.notna()]
        q_sum = int(with_q.quota_cents.sum()) if not with_q.empty else 0
        att = (
            (Decimal(int(with_q.bookings_cents.sum())) / Decimal(q_sum)).quantize(Decimal("0.0001"))
            if q_sum
            else None
        )
        booked = int((h.bookings_cents > 0).sum())
        if booked < min(2, len(periods)):
            warnings.append(
                f"{p}: bookings in only {booked} of {len(periods)} past {kind}s — thin history"
            )
        bu = to_money(bottom[p])
        td = to_money(base[p])
        rows.append(
            {
                "person_id": p,
                "name": names.get(p, p),
                "history_mean": to_money(mean[p]),
                "past_attainment": att,
                "potential": float(pot.get(p, 0)),
                "potential_share": round(float(pot.get(p, 0) / total_pot), 4)
                if total_pot
                else None,
                "bottom_up": bu,
                "top_down": td,
                "gap": td - bu,
                "gap_pct": ((td - bu) / bu).quantize(Decimal("0.0001")) if bu else None,
                "proposed": td,
            }
        )
    return QuotaProposal(
        period=period,
        table=pd.DataFrame(rows),
        company_target=to_money(target_cents),
        bottom_up_total=to_money(bottom_total),
        assumptions=[
            f"history: mean credited bookings over {history} {kind}s "
            f"({periods[0].label}..{periods[-1].label})",
            f"growth target {growth * 100}% on history (bottom-up)",
            f"top-down weight on territory potential ({potential}): {potential_weight}",
            "share of people at or above 100 % in practice: 52–59 % (CSO Insights, DOMAIN.md #6a)",
        ],
        warnings=warnings,
    )


def apply_quotas(
    store: Store, proposal: QuotaProposal, *, replace: bool = False, actor: str = "cli"
) -> int:
    """Write the proposed quotas (kind ``individual``) for the proposal's period."""
    rc = store.reporting_currency
    ids = list(proposal.table["person_id"])
    existing = store.con.execute(
        "SELECT holder_id FROM quotas WHERE kind = 'individual' AND period_start = ? "
        "AND holder_id IN (SELECT unnest(?))",
        [proposal.period.start, ids],
    ).fetchall()
    if existing and not replace:
        raise ConfigError(
            f"{len(existing)} quota(s) already set for {proposal.period.label} (e.g. "
            f"{existing[0][0]}) — pass --replace to overwrite"
        )
    with store.transaction() as con:
        con.execute(
            "DELETE FROM quotas WHERE kind = 'individual' AND period_start = ? "
            "AND holder_id IN (SELECT unnest(?))",
            [proposal.period.start, ids],
        )
        for r in proposal.table.itertuples():
            con.execute(
                "INSERT INTO quotas VALUES (?, ?, ?, ?, ?, 'individual')",
                [r.person_id, proposal.period.start, proposal.period.end, r.proposed, rc],
            )
        store.audit(actor, "comp.quota.apply", proposal.period.label, f"{len(ids)} quotas")
    return len(ids)
