"""Who gets credit for which booking: won deals of a period, split credit, reversed deals.

A deal is *booked* in the period that contains its close date as known at the period's end
(``opportunity_state(store, period.end)``: won stage, ``close_date`` in the period; a missing
close date falls back to the day of the last change). Its credit is its ``amount_rc`` (the
reporting currency) — to the owner at the period end, or split across account-team members by
``credit_splits`` shares that sum to exactly 100 %. Split credits are whole cents allocated by
largest remainder, so they add up to the deal amount to the cent.

A deal is *reversed* in a period when it was won and a later history row in that period puts it
in a non-won stage (lost or cancelled); plans with a clawback window claw back what it earned.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pandas as pd

from salesorg.comp.core import cents
from salesorg.comp.periods import Period
from salesorg.errors import ConfigError, NotFoundError
from salesorg.metrics.pit import history_with_header_copies, opportunity_state
from salesorg.store import Store

__all__ = [
    "allocate",
    "credits",
    "reversed_deals",
    "set_splits",
    "won_deals",
    "won_deals_many",
]

_ONE = Decimal(1)


def set_splits(
    store: Store, opportunity_id: str, shares: dict[str, Decimal], *, actor: str = "cli"
) -> None:
    """Replace the split credit of one deal. Shares are fractions (0.7) that must sum to 1."""
    if not store.con.execute(
        "SELECT 1 FROM opportunities WHERE opportunity_id = ?", [opportunity_id]
    ).fetchone():
        raise NotFoundError(f"no opportunity {opportunity_id!r} — check the id")
    for person, share in shares.items():
        if share <= 0 or share != share.quantize(Decimal("0.0001")):
            raise ConfigError(
                f"split {person}: share {share} must be positive with at most 4 decimals (0.3333)"
            )
        if not store.con.execute("SELECT 1 FROM people WHERE person_id = ?", [person]).fetchone():
            raise NotFoundError(f"split: no person {person!r}")
    total = sum(shares.values(), Decimal(0))
    if total != _ONE:
        raise ConfigError(
            f"split of {opportunity_id}: shares sum to {total * 100}% — they must sum to 100%"
        )
    with store.transaction() as con:
        con.execute("DELETE FROM credit_splits WHERE opportunity_id = ?", [opportunity_id])
        for person, share in shares.items():
            con.execute(
                "INSERT INTO credit_splits VALUES (?, ?, ?)", [opportunity_id, person, share]
            )
        store.audit(actor, "comp.split.set", opportunity_id, str(shares))


def allocate(amount_cents: int, shares: list[Decimal]) -> list[int]:
    """Split ``amount_cents`` by ``shares`` (summing to 1) into whole cents that add up exactly.

    Each gets the floor of its exact share; the cents left go one each to the largest
    remainders (earlier entries first on ties).
    """
    scaled = [int(s * 10_000) for s in shares]
    if sum(scaled) != 10_000:
        raise ConfigError(f"split shares {shares} do not sum to 1")
    raw = [amount_cents * s for s in scaled]
    base = [r // 10_000 for r in raw]
    left = amount_cents - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] % 10_000), i))
    for i in order[:left]:
        base[i] += 1
    return base


def _won_expr(store: Store, period: Period) -> ibis.Table:
    st = opportunity_state(store, period.end)
    booked = st.close_date.coalesce(st.changed_at.date())
    won = st.filter(
        st.is_won & (booked >= ibis.literal(period.start)) & (booked <= ibis.literal(period.end))
    )
    return won.select(
        "opportunity_id",
        "owner_id",
        "account_id",
        "name",
        "product",
        "deal_type",
        "amount_rc",
        booked_on=booked,
    )


def won_deals(store: Store, period: Period) -> pd.DataFrame:
    """Deals booked in ``period`` as known at its end: id, owner, product, amount_cents, ..."""
    df = _won_expr(store, period).execute()
    return _finish(store, df, [period], ["opportunity_id"])


def _finish(
    store: Store, df: pd.DataFrame, periods: list[Period], order: list[str]
) -> pd.DataFrame:
    if df["amount_rc"].isna().any():
        from salesorg.metrics.pit import check_rates

        check_rates(store, max(p.end for p in periods))
    df["amount_cents"] = [cents(Decimal(str(a))) for a in df["amount_rc"]]
    df["booked_on"] = pd.to_datetime(df["booked_on"]).dt.date
    return df.sort_values(order).reset_index(drop=True)


def won_deals_many(store: Store, periods: list[Period]) -> pd.DataFrame:
    """:func:`won_deals` of many periods in one query, with a ``period_index`` column.

    The same rule as :func:`won_deals` (state at each period's end, converted at the latest rate
    on or before it) written as one range join over the periods, because building one
    point-in-time expression per period is slow for long histories. A test holds the two equal.
    """
    rc = store.reporting_currency
    ends = ibis.memtable(
        {
            "period_index": list(range(len(periods))),
            "p_start": [p.start for p in periods],
            "p_end": [p.end for p in periods],
            "instant": [
                dt.datetime.combine(p.end + dt.timedelta(days=1), dt.time()) for p in periods
            ],
        },
        schema={
            "period_index": "int64",
            "p_start": "date",
            "p_end": "date",
            "instant": "timestamp",
        },
    )
    h = store.table("opportunity_history")
    o = store.table("opportunities")
    sg = store.table("stages")
    cur = h.join(ends, (h.changed_at < ends.instant) & (h.valid_to >= ends.instant))
    cur = cur.join(o, cur.opportunity_id == o.opportunity_id)
    cur = cur.select(
        "period_index",
        "p_start",
        "p_end",
        "opportunity_id",
        "stage",
        "amount",
        "close_date",
        "changed_at",
        "account_id",
        "name",
        "product",
        "deal_type",
        "currency",
        "pipeline",
        owner_id=h.owner_id.coalesce(o.owner_id),
    )
    cur = cur.join(sg, (cur.pipeline == sg.pipeline) & (cur.stage == sg.stage))
    cur = cur.filter(sg.is_won).select(cur)
    booked = cur.close_date.coalesce(cur.changed_at.date())
    cur = cur.mutate(booked_on=booked).filter((booked >= cur.p_start) & (booked <= cur.p_end))
    fx = store.table("fx_rates")
    known = fx.join(ends, fx.date <= ends.p_end)
    latest = known.group_by(["period_index", "currency"]).aggregate(rate_date=known.date.max())
    rates = latest.join(
        fx, (latest.currency == fx.currency) & (latest.rate_date == fx.date)
    ).select(latest.period_index, latest.currency, fx.rate)
    conv = cur.left_join(
        rates, (cur.period_index == rates.period_index) & (cur.currency == rates.currency)
    )
    amount_rc = ibis.cases(
        (cur.currency == ibis.literal(rc), cur.amount),
        else_=(cur.amount.cast("float64") * rates.rate).round(2).cast(cur.amount.type()),
    )
    out = conv.select(
        period_index=cur.period_index,
        opportunity_id=cur.opportunity_id,
        owner_id=cur.owner_id,
        account_id=cur.account_id,
        name=cur.name,
        product=cur.product,
        deal_type=cur.deal_type,
        amount_rc=amount_rc,
        booked_on=cur.booked_on,
    )
    return _finish(store, out.execute(), periods, ["period_index", "opportunity_id"])


def credits(store: Store, deals: pd.DataFrame) -> pd.DataFrame:
    """One row per (deal, credited person): ``opportunity_id, person_id, share, credit_cents``.

    A ``period_index`` column of ``deals`` (from :func:`won_deals_many`) is carried through.
    """
    cols = ["opportunity_id", "person_id", "share", "credit_cents"]
    keep = "period_index" in deals.columns
    if keep:
        cols.append("period_index")
    if deals.empty:
        return pd.DataFrame(columns=cols)
    sp = store.table("credit_splits")
    ids = list(deals["opportunity_id"])
    splits = sp.filter(sp.opportunity_id.isin(ids)).execute()
    by_opp: dict[str, list[tuple[str, Decimal]]] = {}
    for r in splits.sort_values(["opportunity_id", "person_id"]).itertuples():
        by_opp.setdefault(r.opportunity_id, []).append((r.person_id, Decimal(str(r.share))))
    rows = []
    for d in deals.itertuples():
        parts = by_opp.get(d.opportunity_id) or [(d.owner_id, _ONE)]
        amounts = allocate(int(d.amount_cents), [s for _, s in parts])
        for (person, share), amount in zip(parts, amounts, strict=True):
            extra = (d.period_index,) if keep else ()
            rows.append((d.opportunity_id, person, share, amount, *extra))
    return pd.DataFrame(rows, columns=cols)


def reversed_deals(store: Store, period: Period) -> pd.DataFrame:
    """Deals won earlier and moved to a non-won closed-or-open stage during ``period``.

    Columns: ``opportunity_id``, ``won_on`` (first day won), ``reversed_on``, ``stage``.
    """
    h = history_with_header_copies(store)  # the row's pipeline without a header join
    s = store.table("stages")
    j = h.join(s, (h.pipeline == s.pipeline) & (h.stage == s.stage), how="left")
    j = j.select(
        opportunity_id=h.opportunity_id,
        changed_at=h.changed_at,
        stage=h.stage,
        is_won=s.is_won.coalesce(False),
    )
    won = j.filter(j.is_won).group_by("opportunity_id").aggregate(won_at=j.changed_at.min())
    later = j.filter(~j.is_won).join(won, "opportunity_id")
    later = later.filter(later.changed_at > later.won_at)
    end = ibis.literal(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time()))
    start = ibis.literal(dt.datetime.combine(period.start, dt.time()))
    first = later.group_by(["opportunity_id", "won_at"]).aggregate(
        reversed_at=later.changed_at.min()
    )
    first = first.filter((first.reversed_at >= start) & (first.reversed_at < end))
    stage = later.join(
        first,
        (later.opportunity_id == first.opportunity_id) & (later.changed_at == first.reversed_at),
    ).select(
        opportunity_id=later.opportunity_id,
        won_on=first.won_at.date(),
        reversed_on=first.reversed_at.date(),
        stage=later.stage,
    )
    df = stage.execute()
    for c in ("won_on", "reversed_on"):
        df[c] = pd.to_datetime(df[c]).dt.date
    return df.sort_values("opportunity_id").reset_index(drop=True)
