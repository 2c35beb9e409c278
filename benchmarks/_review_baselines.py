"""Baselines for ``bench_review``: the same company review in idiomatic pandas and in
straightforward hand-written DuckDB SQL.

Both compute what :func:`salesorg.review.run_review` computes for the company (``compare=False``):
the state of every opportunity at S and D, the twelve flags (stale against 2x the median
completed stay per stage, past due, slips ...), the holders' yardsticks and the materiality
score, the exceptions, the bridge of the quarter's pipeline and the headline KPIs. Each returns
a small dict of results (counts and totals) that the benchmark compares with ours, so a faster
but different answer cannot pass unnoticed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FLAGS = (
    "new", "won", "lost", "advanced", "regressed", "slipped", "pulled_in", "amount_up",
    "amount_down", "reassigned", "stale", "past_due",
)  # fmt: skip


def _quarter(d: dt.date) -> tuple[dt.date, dt.date]:
    q0 = (d.month - 1) // 3 * 3 + 1
    start = dt.date(d.year, q0, 1)
    nxt = dt.date(d.year + (q0 == 10), (q0 + 2) % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------- pandas


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    t = pq.read_table(path, columns=columns)
    casts = [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in t.schema]
    return t.cast(pa.schema(casts)).to_pandas()


def pandas_review(files: dict[str, Path], as_of: dt.date, since: dt.date) -> dict[str, Any]:
    """The review with pandas, from the native Parquet files."""
    h = _read(
        files["opportunity_history.parquet"],
        ["opportunity_id", "changed_at", "stage", "amount", "close_date", "owner_id"],
    )
    o = _read(
        files["opportunities.parquet"], ["opportunity_id", "owner_id", "created_on", "currency"]
    )
    stages = _read(files["stages.parquet"], ["stage", "ordinal", "is_closed", "is_won"])
    fx = _read(files["fx_rates.parquet"], ["date", "currency", "rate"])
    quotas = _read(
        files["quotas.parquet"], ["holder_id", "period_start", "period_end", "amount", "kind"]
    )
    h = h.sort_values(["opportunity_id", "changed_at"], kind="stable")

    def state(day: dt.date) -> pd.DataFrame:
        t = pd.Timestamp(day) + pd.Timedelta(days=1)
        x = h[h["changed_at"] < t].groupby("opportunity_id", sort=False).tail(1)
        x = x.merge(o, on="opportunity_id", suffixes=("", "_hdr"))
        x["owner_id"] = x["owner_id"].fillna(x["owner_id_hdr"])
        x = x.merge(stages, on="stage", how="left")
        rates = fx[fx["date"] <= day].sort_values("date").groupby("currency").tail(1)
        x = x.merge(rates[["currency", "rate"]], on="currency", how="left")
        x["rate"] = np.where(x["currency"] == "EUR", 1.0, x["rate"])
        x["amount_rc"] = (x["amount"] * x["rate"]).round(2)
        return x.set_index("opportunity_id")

    s1, s0 = state(as_of), state(since)
    t_end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    # stays: first entry to last exit of each stage, completed by D
    hk = h[h["changed_at"] < t_end].copy()
    hk["valid_to"] = hk.groupby("opportunity_id")["changed_at"].shift(-1)
    all_next = h.groupby("opportunity_id")["changed_at"].shift(-1)
    hk["valid_to"] = all_next.loc[hk.index]
    g = hk.groupby(["opportunity_id", "stage"]).agg(
        entered=("changed_at", "min"),
        left=("valid_to", "max"),
        n=("valid_to", "size"),
        known=("valid_to", "count"),
    )
    g = g[(g["n"] == g["known"]) & (g["left"] < t_end)]
    days = (g["left"] - g["entered"]).dt.total_seconds() / 86400
    med = days.groupby(level="stage").agg(["median", "size"])
    thr = np.where(med["size"] >= 5, 2 * med["median"], 30.0)
    threshold = pd.Series(thr, index=med.index)

    b = s1.join(s0.add_suffix("_0"), how="left")
    existed = b["changed_at_0"].notna()
    open0 = existed & ~b["is_closed_0"].fillna(False).astype(bool)
    open1 = ~b["is_closed"]
    b = b[open1 | ~existed | open0]
    existed, open0, open1 = b["changed_at_0"].notna(), open0.loc[b.index], open1.loc[b.index]
    both = open0 & open1
    newly = b["is_closed"] & (open0 | ~existed)
    days_unchanged = (pd.Timestamp(as_of) - b["changed_at"].dt.normalize()).dt.days
    stale_thr = b["stage"].map(threshold).fillna(30.0)
    f = pd.DataFrame(index=b.index)
    f["new"] = ~existed
    f["won"] = newly & b["is_won"]
    f["lost"] = newly & ~b["is_won"]
    f["advanced"] = both & (b["ordinal"] > b["ordinal_0"])
    f["regressed"] = both & (b["ordinal"] < b["ordinal_0"])
    f["slipped"] = both & (b["close_date"] > b["close_date_0"])
    f["pulled_in"] = both & (b["close_date"] < b["close_date_0"])
    f["amount_up"] = existed & (b["amount"] > b["amount_0"])
    f["amount_down"] = existed & (b["amount"] < b["amount_0"])
    f["reassigned"] = existed & (b["owner_id"] != b["owner_id_0"])
    f["stale"] = open1 & (days_unchanged > stale_thr)
    f["past_due"] = open1 & (b["close_date"] < as_of)
    flagged = f.any(axis=1)
    # bridge of the quarter's pipeline
    q0, q1 = _quarter(as_of)
    win0 = b["close_date_0"].between(q0, q1)
    win1 = b["close_date"].between(q0, q1)
    in0, in1 = open0 & win0, open1 & win1
    start = b.loc[in0, "amount_rc_0"].sum()
    end = b.loc[in1, "amount_rc"].sum()
    # holders and materiality
    state_open = s1[~s1["is_closed"]]
    pipe = state_open.groupby("owner_id")["amount_rc"].sum()
    recent = s1[s1["created_on"] > as_of - dt.timedelta(days=365)]
    typical = recent.groupby("owner_id")["amount_rc"].median()
    qq = quotas[
        (quotas["kind"] == "individual")
        & (quotas["period_start"] <= q1)
        & (quotas["period_end"] >= q0)
    ].copy()
    ov0 = qq["period_start"].where(qq["period_start"] > q0, q0)
    ov1 = qq["period_end"].where(qq["period_end"] < q1, q1)
    qq["q"] = (
        qq["amount"]
        * (pd.to_datetime(ov1) - pd.to_datetime(ov0)).dt.days.add(1)
        / (pd.to_datetime(qq["period_end"]) - pd.to_datetime(qq["period_start"])).dt.days.add(1)
    )
    quota = qq.groupby("holder_id")["q"].sum()
    ch = b[flagged]
    rate1 = ch["rate"]
    before = (ch["amount_0"] * rate1).round(2).fillna(0.0)
    after = ch["amount_rc"]
    fl = f[flagged]
    amount_only = (fl[["amount_up", "amount_down"]].any(axis=1)) & (
        fl.sum(axis=1) == fl[["amount_up", "amount_down"]].sum(axis=1)
    )
    stake = np.where(amount_only, (after - before).abs(), np.maximum(before, after))
    ratios = pd.DataFrame(
        {
            "q": stake / ch["owner_id"].map(quota) / 0.2,
            "p": stake / ch["owner_id"].map(pipe) / 0.25,
            "t": stake / ch["owner_id"].map(typical) / 2.0,
        }
    ).replace([np.inf, -np.inf], np.nan)
    score = ratios.max(axis=1).fillna(0.0)
    exceptions = int(((score >= 1) & (stake > 0)).sum())
    # KPIs
    booked = s1[s1["is_won"] & (s1["close_date"] >= q0) & (s1["close_date"] <= as_of)][
        "amount_rc"
    ].sum()
    recent_closed = s1[
        s1["is_closed"]
        & (s1["close_date"] > as_of - dt.timedelta(days=90))
        & (s1["close_date"] <= as_of)
    ]
    win_rate = recent_closed["is_won"].mean()
    return {
        "changes": int(flagged.sum()),
        "exceptions": exceptions,
        "bridge_start": round(float(start), 2),
        "bridge_end": round(float(end), 2),
        "open_pipeline": round(float(state_open["amount_rc"].sum()), 2),
        "booked_qtd": round(float(booked), 2),
        "win_rate_90d": float(win_rate),
    }


# ---------------------------------------------------------------------------------- SQL


def sql_review(db: Path, as_of: dt.date, since: dt.date) -> dict[str, Any]:
    """The review as straightforward hand-written DuckDB SQL (QUALIFY for the state, LEAD for
    the end of each stay), on the same store."""
    q0, q1 = _quarter(as_of)
    con = duckdb.connect(str(db), read_only=True)
    try:
        state = """
            SELECT h.opportunity_id, coalesce(h.owner_id, o.owner_id) AS owner_id, h.stage, h.amount,
                   h.close_date, h.changed_at, o.created_on, o.currency, s.ordinal, s.is_closed,
                   s.is_won,
                   CASE WHEN o.currency = 'EUR' THEN h.amount
                        ELSE round(h.amount::DOUBLE * r.rate, 2) END AS amount_rc,
                   CASE WHEN o.currency = 'EUR' THEN 1.0 ELSE r.rate END AS rate
            FROM (SELECT * FROM opportunity_history WHERE changed_at < TIMESTAMP '{t}'
                  QUALIFY row_number() OVER (PARTITION BY opportunity_id ORDER BY changed_at DESC) = 1) h
            JOIN opportunities o USING (opportunity_id)
            LEFT JOIN stages s ON s.stage = h.stage
            LEFT JOIN (SELECT currency, rate FROM fx_rates WHERE date <= DATE '{d}'
                       QUALIFY row_number() OVER (PARTITION BY currency ORDER BY date DESC) = 1) r
              ON r.currency = o.currency
        """
        t1 = as_of + dt.timedelta(days=1)
        t0 = since + dt.timedelta(days=1)
        con.execute(f"CREATE TEMP TABLE s1 AS {state.format(t=t1, d=as_of)}")
        con.execute(f"CREATE TEMP TABLE s0 AS {state.format(t=t0, d=since)}")
        con.execute(
            f"""
            CREATE TEMP TABLE thr AS
            WITH h AS (
              SELECT opportunity_id, stage, changed_at,
                     lead(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at) AS next_at
              FROM opportunity_history
            ), stays AS (
              SELECT opportunity_id, stage, min(changed_at) AS entered,
                     max(coalesce(next_at, TIMESTAMP '9999-12-31')) AS left_at
              FROM h WHERE changed_at < TIMESTAMP '{t1}' GROUP BY 1, 2
            )
            SELECT stage, CASE WHEN count(*) >= 5
                               THEN 2 * median(epoch(left_at) - epoch(entered)) / 86400
                               ELSE 30 END AS threshold
            FROM stays WHERE left_at < TIMESTAMP '{t1}' GROUP BY stage
            """
        )
        con.execute(
            f"""
            CREATE TEMP TABLE b AS
            SELECT s1.*, s0.owner_id AS owner_0, s0.stage AS stage_0, s0.amount AS amount_0,
                   s0.amount_rc AS amount_rc_0, s0.close_date AS close_0, s0.ordinal AS ordinal_0,
                   s0.is_closed AS closed_0, s0.changed_at AS changed_0,
                   s0.opportunity_id IS NOT NULL AS existed,
                   s0.opportunity_id IS NOT NULL AND NOT s0.is_closed AS open0,
                   NOT s1.is_closed AS open1,
                   coalesce(thr.threshold, 30) AS threshold,
                   p.opportunity_id IS NOT NULL AS paused
            FROM s1 LEFT JOIN s0 USING (opportunity_id)
            LEFT JOIN thr ON thr.stage = s1.stage
            LEFT JOIN (SELECT DISTINCT opportunity_id FROM deal_pauses
                       WHERE paused_on <= DATE '{as_of}' AND until >= DATE '{as_of}') p
              ON p.opportunity_id = s1.opportunity_id
            WHERE NOT s1.is_closed OR s0.opportunity_id IS NULL OR NOT s0.is_closed
            """
        )
        con.execute(
            f"""
            CREATE TEMP TABLE f AS
            SELECT *,
              NOT existed AS f_new,
              is_closed AND (open0 OR NOT existed) AND is_won AS f_won,
              is_closed AND (open0 OR NOT existed) AND NOT is_won AS f_lost,
              coalesce(open0 AND open1 AND ordinal > ordinal_0, false) AS f_advanced,
              coalesce(open0 AND open1 AND ordinal < ordinal_0, false) AS f_regressed,
              coalesce(open0 AND open1 AND close_date > close_0, false) AS f_slipped,
              coalesce(open0 AND open1 AND close_date < close_0, false) AS f_pulled_in,
              coalesce(existed AND amount > amount_0, false) AS f_amount_up,
              coalesce(existed AND amount < amount_0, false) AS f_amount_down,
              coalesce(existed AND owner_id <> owner_0, false) AS f_reassigned,
              open1 AND date_diff('day', changed_at::DATE, DATE '{as_of}') > threshold AND NOT paused AS f_stale,
              coalesce(open1 AND close_date < DATE '{as_of}', false) AS f_past_due
            FROM b
            """
        )
        any_flag = " OR ".join(f"f_{x}" for x in FLAGS)
        row = con.execute(
            f"""
            WITH pipe AS (SELECT owner_id, sum(amount_rc)::DOUBLE AS pipe FROM s1 WHERE NOT is_closed GROUP BY 1),
            typ AS (SELECT owner_id, median(amount_rc::DOUBLE) AS typical FROM s1
                    WHERE created_on > DATE '{as_of - dt.timedelta(days=365)}' GROUP BY 1),
            quota AS (
              SELECT holder_id, sum(amount::DOUBLE *
                       (date_diff('day', greatest(period_start, DATE '{q0}'), least(period_end, DATE '{q1}')) + 1)
                       / (date_diff('day', period_start, period_end) + 1)) AS quota
              FROM quotas WHERE kind = 'individual' AND period_start <= DATE '{q1}' AND period_end >= DATE '{q0}'
              GROUP BY 1),
            ch AS (
              SELECT f.*, coalesce(round(amount_0::DOUBLE * rate, 2), 0) AS before,
                     amount_rc::DOUBLE AS after,
                     (f_amount_up OR f_amount_down) AND NOT (f_new OR f_won OR f_lost OR f_advanced
                       OR f_regressed OR f_slipped OR f_pulled_in OR f_reassigned OR f_stale OR f_past_due)
                       AS amount_only
              FROM f WHERE {any_flag}),
            scored AS (
              SELECT ch.*, CASE WHEN amount_only THEN abs(after - before) ELSE greatest(before, after) END AS stake
              FROM ch),
            m AS (
              SELECT greatest(stake / nullif(quota, 0) / 0.2, stake / nullif(pipe, 0) / 0.25,
                              stake / nullif(typical, 0) / 2.0) AS score, stake
              FROM scored LEFT JOIN pipe USING (owner_id) LEFT JOIN typ USING (owner_id)
                   LEFT JOIN quota ON quota.holder_id = scored.owner_id)
            SELECT
              (SELECT count(*) FROM ch),
              (SELECT count(*) FROM m WHERE score >= 1 AND stake > 0),
              (SELECT coalesce(sum(amount_rc_0), 0) FROM b WHERE open0 AND close_0 BETWEEN DATE '{q0}' AND DATE '{q1}'),
              (SELECT coalesce(sum(amount_rc), 0) FROM b WHERE open1 AND close_date BETWEEN DATE '{q0}' AND DATE '{q1}'),
              (SELECT sum(amount_rc) FROM s1 WHERE NOT is_closed),
              (SELECT sum(amount_rc) FROM s1 WHERE is_won AND close_date BETWEEN DATE '{q0}' AND DATE '{as_of}'),
              (SELECT avg(is_won::INT) FROM s1 WHERE is_closed AND close_date > DATE '{as_of - dt.timedelta(days=90)}'
                 AND close_date <= DATE '{as_of}')
            """
        ).fetchone()
    finally:
        con.close()
    keys = (
        "changes",
        "exceptions",
        "bridge_start",
        "bridge_end",
        "open_pipeline",
        "booked_qtd",
        "win_rate_90d",
    )
    out = dict(zip(keys, row, strict=True))
    for k in ("bridge_start", "bridge_end", "open_pipeline", "booked_qtd"):
        out[k] = round(float(out[k] or 0), 2)
    out["win_rate_90d"] = float(out["win_rate_90d"])
    return out
