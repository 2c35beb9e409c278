"""Running a review: changes, bridge, exceptions and KPIs for one unit, as one result object.

``run_review`` is the library entry point the CLI, the web app and ``make demo`` call; it
returns a :class:`Review` whose :meth:`Review.to_json` is the documented JSON contract
(``docs/review.md``) and which :func:`salesorg.review.pack.review_pack` turns into a report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from salesorg.metrics.pit import TableSource, to_date
from salesorg.review.bridge import Bridge, bridge
from salesorg.review.changes import change_base
from salesorg.review.config import FLAGS, ReviewConfig
from salesorg.review.holders import holder_stats
from salesorg.review.kpis import headline_kpis_at
from salesorg.review.materiality import materiality_scores, suppression_reasons
from salesorg.review.scope import Scope, resolve_scope
from salesorg.review.source import ReviewSource
from salesorg.review.stale import stage_threshold_frame

__all__ = ["CHANGE_COLUMNS", "Review", "default_as_of", "run_review"]

#: Columns of ``Review.changes`` (and of each JSON change object), in order.
CHANGE_COLUMNS = (
    "opportunity_id",
    "name",
    "owner_id",
    "owner_before",
    "manager_id",
    "unit_id",
    "flags",
    "amount_before",
    "amount_after",
    "close_date_before",
    "close_date_after",
    "stage_before",
    "stage_after",
    "slip_days",
    "slip_crossed_quarter",
    "days_unchanged",
    "stale_threshold",
    "paused",
    "materiality",
    "reason",
)


@dataclass
class Review:
    """The result of one review (see ``docs/review.md`` for every field)."""

    as_of: dt.date
    since: dt.date
    scope: Scope
    config: ReviewConfig
    changes: pd.DataFrame
    bridge: Bridge
    suppressed: dict[str, Any]
    kpis: dict[str, Any]
    currency: str = "EUR"
    extras: dict[str, Any] = field(default_factory=dict)
    #: the (caching) source the review was computed from; the pack reuses it
    source: Any = field(default=None, repr=False, compare=False)

    @property
    def unit_id(self) -> str | None:
        return self.scope.unit_id

    @property
    def exceptions(self) -> pd.DataFrame:
        """The material changes, most material first."""
        ex = self.changes[self.changes["material"]]
        return ex.sort_values(["materiality", "opportunity_id"], ascending=[False, True])

    def release(self) -> None:
        """Free the temporary tables of the review's cached states (call when done)."""
        release = getattr(self.source, "release", None)
        if callable(release):
            release()

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``salesorg review --format json`` (plain Python values)."""
        from salesorg.cli._output import jsonable

        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {c: jsonable(r[c]) for c in CHANGE_COLUMNS} for r in df.to_dict(orient="records")
            ]

        return {
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat(),
            "unit_id": self.unit_id,
            "currency": self.currency,
            "window": self.config.window,
            "changes": recs(self.changes),
            "bridge": {k: float(v) for k, v in self.bridge.as_dict().items()},
            "exceptions": recs(self.exceptions),
            "suppressed": int(self.suppressed["count"]),
            "suppressed_reasons": jsonable(self.suppressed),
            "kpis": jsonable(self.kpis),
            "settings": jsonable(self.config.as_dict()),
        }


def default_as_of(source: TableSource, today: dt.date) -> dt.date:
    """``today``, or the last day with any opportunity history if that is earlier."""
    h = source.table("opportunity_history")
    last = h.changed_at.max().execute()
    if last is None or pd.isna(last):
        return today
    return min(today, pd.Timestamp(last).date())


def _column(table: pa.Table, name: str) -> np.ndarray:
    """One column of an Arrow result as a NumPy array: strings and dates as Python objects
    (``None`` for NULL), numbers as float64 with NaN for NULL, booleans as bool."""
    col = table.column(name)
    if pa.types.is_date(col.type):
        return col.to_pandas(date_as_object=True).to_numpy(dtype=object)
    if pa.types.is_boolean(col.type) and col.null_count == 0:
        return col.to_numpy()
    return col.to_pandas().to_numpy()


def _flag_lists(matrix: np.ndarray) -> list[list[str]]:
    """Each row's flag names; built once per distinct combination (there are few)."""
    if len(matrix) == 0:
        return []
    codes = matrix.astype(np.int64) @ (1 << np.arange(matrix.shape[1], dtype=np.int64))
    uniq, inverse = np.unique(codes, return_inverse=True)
    lists = [[f for i, f in enumerate(FLAGS) if code >> i & 1] for code in uniq]
    return [lists[i] for i in inverse]  # shared lists: read-only downstream


def _changes_frame(base: ibis.Table, scope: Scope) -> pd.DataFrame:
    """The flagged rows of the base table, as the change list (amounts as float64: exact
    sums stay in the bridge, which aggregates decimals in the database).

    Only the flagged rows leave the database, as Arrow, converted column by column (the
    generic DataFrame conversion costs more than the query on a company's 100k+ changes).
    """
    any_flag = ibis.or_(*[base[f"f_{f}"] for f in FLAGS])
    rel = base.filter(any_flag & (base.scope_0 | base.scope_1))
    money = ("amount_rc", "amount_rc_0", "amount_0_rc1")
    rel = rel.select(
        "opportunity_id",
        "name",
        "owner_id",
        "owner_id_0",
        "close_date",
        "close_date_0",
        "stage",
        "stage_0",
        "slip_days",
        "slip_crossed_quarter",
        "days_unchanged",
        "stale_threshold",
        "paused",
        *[f"f_{f}" for f in FLAGS],
        **{m: rel[m].cast("float64") for m in money},
    )
    # sorted by the database too; the sort below is then a check (collations differ)
    t = rel.order_by("opportunity_id").to_pyarrow()
    col = {c: _column(t, c) for c in t.column_names}
    slip = np.array(t.column("slip_days").to_pylist(), dtype=object)  # ints and None
    del t  # the Arrow copy goes before the frame is built (the review's peak memory)
    flags = _flag_lists(np.column_stack([col.pop(f"f_{f}") for f in FLAGS]).astype(bool))
    owner = pd.Series(col["owner_id"], dtype=object)
    out = pd.DataFrame(
        {
            "opportunity_id": col["opportunity_id"],
            "name": col["name"],
            "owner_id": col["owner_id"],
            "owner_before": col["owner_id_0"],
            "manager_id": owner.map(scope.managers).to_numpy(),
            "unit_id": owner.map(scope.units).to_numpy(),
            "flags": flags,
            "amount_before": col["amount_rc_0"],
            "amount_after": col["amount_rc"],
            "amount_before_at_today_rate": col["amount_0_rc1"],
            "close_date_before": col["close_date_0"],
            "close_date_after": col["close_date"],
            "stage_before": col["stage_0"],
            "stage_after": col["stage"],
            "slip_days": slip,
            "slip_crossed_quarter": col["slip_crossed_quarter"].astype(bool),
            "days_unchanged": col["days_unchanged"],
            "stale_threshold": col["stale_threshold"],
            "paused": col["paused"].astype(bool),
        }
    )
    if not out["opportunity_id"].is_monotonic_increasing:
        out = out.sort_values("opportunity_id")
    return out.reset_index(drop=True)


def run_review(
    source: TableSource,
    as_of: dt.date | str,
    since: dt.date | str | None = None,
    *,
    unit_id: str | None = None,
    config: ReviewConfig | None = None,
    compare: bool = True,
) -> Review:
    """The review of ``unit_id`` (``None`` = company) for ``as_of`` since ``since``
    (default ``as_of`` − 7 days). ``compare=False`` skips the KPIs of the earlier dates.

    Given a plain store, the review of a unit below the company reads only the states of the
    unit's people (:class:`~salesorg.review.source.ReviewSource` with ``owners``); given a
    :class:`~salesorg.review.source.ReviewSource`, it uses that one's states as they are."""
    from salesorg.errors import ConfigError

    config = config or ReviewConfig()
    d = to_date(as_of)
    s = to_date(since) if since is not None else d - dt.timedelta(days=7)
    if s >= d:
        raise ConfigError(f"--since {s} must be before --as-of {d}")
    scope = resolve_scope(source, d, unit_id)
    if not isinstance(source, ReviewSource):
        # one unit's review builds only its people's states (a caller reviewing many units
        # passes one company-wide ReviewSource and shares its states instead)
        source = ReviewSource(source, owners=scope.people)
    currency = getattr(source, "reporting_currency", "EUR")
    # the stale thresholds first: their aggregate over the whole history then finds the
    # memory free that the two states take next (lower peak); memoised on the source
    stage_threshold_frame(source, d, config=config)
    # the base reads the states at S and D, cached as one table (ReviewSource.pair)
    base = change_base(source, d, s, config=config, owners=scope.people)
    changes = _changes_frame(base, scope)
    holders = holder_stats(source, d)
    # the S amount at D's rate: a change of exchange rate alone is no stake
    scores = materiality_scores(
        changes["owner_id"],
        changes["flags"],
        changes["amount_before_at_today_rate"],
        changes["amount_after"],
        holders,
        config=config,
    )
    for c in ("stake", "materiality", "material", "reason"):
        changes[c] = scores[c]  # columns added in place: no copy of the change list
    scored = pd.DataFrame(
        {"flags": changes["flags"], "material": scores["material"], "stake": scores["stake"]}
    )
    br = bridge(base, window=config.window)
    people = scope.people
    lq = d - dt.timedelta(days=91)
    dates = [d, s, lq] if compare else [d]
    found = headline_kpis_at(source, dates, owners=people, unit_id=unit_id)
    kpis: dict[str, Any] = {"current": found[0]}
    if compare:
        kpis["last_review"] = {**found[1], "as_of": s}
        kpis["same_week_last_quarter"] = {**found[2], "as_of": lq}
    return Review(
        as_of=d,
        since=s,
        scope=scope,
        config=config,
        changes=changes,
        bridge=br,
        suppressed=suppression_reasons(scored, config=config),
        kpis=kpis,
        currency=currency,
        source=source,
    )
