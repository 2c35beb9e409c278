"""The forecast part of the review pack: best backtested method, range, gap to quota, risk.

:func:`forecast_rollup_for_pack` is what the weekly review calls. It forecasts the quarter in
progress at ``as_of`` for a unit (its whole subtree; the company by default) with the method
that backtested best on the company's own past (lowest pinball loss over the last year of
monthly as-of dates), shows
P10/P50/P90, the gap to quota, the managers' calls rolled up, and the deals that carry most of
the uncertainty: deal *i*'s contribution to the variance of the total is
``amount_i² · p_i · (1 − p_i)`` (independent Bernoullis), shown as a share of the sum.

The company forecast behind it (history load, method choice, simulation) does not depend on
the unit, so :func:`company_forecast` computes it once per data day and ``as_of`` and keeps it
in :mod:`salesorg.datacache` (files, so it works on read-only stores too); a unit's pack then
takes its row, its riskiest deals, its quota and its managers' calls from there. The method
choice is reused across data days for up to 30 days (:mod:`salesorg.forecast.choice`), so the
backtest runs about once a month; the pack names the date of the backtest that chose it.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from salesorg.datacache import CacheEntry, cached
from salesorg.forecast._period import Period, quarter_of
from salesorg.forecast._warnings import ForecastWarning
from salesorg.forecast.api import make_forecaster
from salesorg.forecast.backtest import backtest_points, score
from salesorg.forecast.choice import MAX_AGE_DAYS, choose_method
from salesorg.forecast.history import History, load_history
from salesorg.forecast.overrides import current_overrides, list_overrides, rollup_with_overrides
from salesorg.metrics.pit import to_date

__all__ = [
    "CompanyForecast",
    "ForecastRollup",
    "best_method",
    "company_forecast",
    "forecast_rollup_for_pack",
    "width_factor",
]

CANDIDATES = ("weighted", "weighted-learned", "markov", "run-rate")
SETTING = "forecast.best_method"


@dataclass
class ForecastRollup:
    """Everything the pack shows about the forecast of one unit for the quarter in progress."""

    unit_id: str
    period: Period
    as_of: dt.date
    method: str
    method_scores: list[dict[str, Any]]
    p10: float
    p50: float
    p90: float
    booked: float
    open_pipeline: float
    quota: float | None
    gap_to_quota: float | None
    call: float | None
    call_source: str
    risky_deals: pd.DataFrame
    width_factor: float = 1.0
    warnings: list[str] = field(default_factory=list)
    #: the ``as_of`` of the backtest that chose ``method`` (None: given, not chosen)
    method_chosen_as_of: dt.date | None = None

    def as_blocks(self) -> list[Any]:
        """Report blocks (:mod:`salesorg.report.document`) for a pack section."""
        from salesorg.report.document import Kpi, KpiBlock, Note, Paragraph, TableBlock

        kpis = [
            Kpi(
                "Forecast P50",
                round(self.p50, 2),
                note=f"P10 {self.p10:,.0f} – P90 {self.p90:,.0f}",
            ),
            Kpi("Booked", round(self.booked, 2)),
            Kpi("Open pipeline in period", round(self.open_pipeline, 2)),
        ]
        if self.quota is not None:
            kpis.append(
                Kpi(
                    "Gap to quota (P50)",
                    round(self.gap_to_quota or 0.0, 2),
                    note=f"quota {self.quota:,.0f}",
                )
            )
        if self.call is not None:
            kpis.append(Kpi("Managers' call", round(self.call, 2), note=self.call_source))
        best = next((s for s in self.method_scores if s["method"] == self.method), None)
        text = f"{self.period} as of {self.as_of}, method {self.method}"
        if self.method_chosen_as_of is not None and self.method_chosen_as_of != self.as_of:
            text += f" (chosen by the backtest as of {self.method_chosen_as_of})"
        if best:
            text += (
                f" (backtest: WAPE {best['wape']:.0%}, P10–P90 coverage "
                f"{best['coverage_p10_p90']:.0%} over {best['points']} as-of dates)"
            )
        blocks: list[Any] = [Paragraph(text), KpiBlock(tuple(kpis))]
        if len(self.risky_deals):
            blocks.append(
                TableBlock(
                    "Forecast risk",
                    self.risky_deals,
                    title="Deals carrying most of the uncertainty",
                    money=("amount",),
                    percent=("p_win", "variance_share"),
                )
            )
        if self.width_factor > 1.0:
            blocks.append(
                Note(
                    f"P10–P90 widened ×{self.width_factor:.2f} around P50: the method's own range "
                    "would have covered 80 % of outcomes in the backtest of the past year only "
                    "when widened so (split-conformal calibration).",
                    "assumption",
                )
            )
        blocks += [Note(w) for w in self.warnings]
        return blocks


def best_method(
    history: History, *, as_of: dt.date, store: Any = None, candidates: tuple[str, ...] = CANDIDATES
) -> tuple[str, list[dict[str, Any]]]:
    """The candidate with the lowest pinball loss backtested over the year before ``as_of``.

    Cached in ``settings`` (key ``forecast.best_method``) for the same ``as_of`` when ``store``
    is writable. Falls back on ``markov`` when no quarter of that year has ended.
    """
    if store is not None:
        # read through Ibis: Store.setting() leaves a DuckDB result open (fetchone)
        t = store.table("settings")
        found = t.filter(t.key == SETTING).to_pandas()
        cached = found.value.iloc[0] if len(found) else None
        if cached:
            c = json.loads(cached)
            if (
                c.get("as_of") == as_of.isoformat()
                and c.get("candidates") == list(candidates)
                and all("width_factor" in x for x in c.get("scores", []))
            ):
                return c["method"], c["scores"]
    dates = [as_of - dt.timedelta(days=30 * k) for k in range(12, 0, -1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForecastWarning)
        pts = backtest_points(
            history, methods=candidates, dates=dates, trials=1000, final_day=as_of
        )
    if pts.empty:
        return "markov", []
    scores = score(pts)
    for sc in scores:
        sc["width_factor"] = width_factor(pts[pts.method == sc["method"]])
    method = min(scores, key=lambda s: s["pinball"])["method"]
    if (
        store is not None
        and hasattr(store, "set_setting")
        and not getattr(store, "read_only", True)
    ):
        store.set_setting(
            SETTING,
            json.dumps(
                {
                    "as_of": as_of.isoformat(),
                    "candidates": list(candidates),
                    "method": method,
                    "scores": scores,
                }
            ),
        )
    return method, scores


def width_factor(points: pd.DataFrame, *, min_points: int = 8) -> float:
    """By how much to widen P10–P90 around P50 so it would have covered 80 % of ``points``.

    For each backtest forecast with a real range, ``z = |actual − p50| / ((p90 − p10) / 2)``;
    a calibrated range has ``z ≤ 1`` four times in five, so the factor is the 0.8 quantile of
    ``z`` (split-conformal calibration), never below 1 (ranges are only widened) and 1 when
    fewer than ``min_points`` forecasts have a range.

    References:
        Vovk, Gammerman & Shafer (2005), *Algorithmic Learning in a Random World*, Springer;
        Lei et al. (2018), "Distribution-Free Predictive Inference for Regression", *JASA* 113.
    """
    half = (points.p90 - points.p10).to_numpy(float) / 2
    ok = half > 0
    if ok.sum() < min_points:
        return 1.0
    z = np.abs(points.actual.to_numpy(float) - points.p50.to_numpy(float))[ok] / half[ok]
    return float(max(1.0, np.quantile(z, 0.8)))


#: The tables :func:`company_forecast` reads (they key its cache entry).
FORECAST_TABLES = (
    "opportunities",
    "opportunity_history",
    "stages",
    "fx_rates",
    "people",
    "assignments",
    "units",
)


@dataclass
class CompanyForecast:
    """The forecast of every unit for the quarter in progress, and each open deal's ``p``.

    What every pack of the same data day shares, so it is computed once (see
    :func:`company_forecast`): ``by_unit`` is the ``by="unit"`` forecast (units rolled up),
    ``deals`` the open deals at ``as_of`` with their owner then and the win probability in the
    period of the risk model, ``unit_of_people`` each person's unit at ``as_of`` and ``rates``
    the rate of each opportunity currency to the reporting currency at ``as_of``. Both tables
    live in ``tables`` (a cache entry's, read from disk when first used): a unit's pack reads
    only its own people's deals (:meth:`deals_of`).
    """

    method: str
    scores: list[dict[str, Any]]
    method_chosen_as_of: dt.date | None
    tables: CacheEntry = field(repr=False)
    unit_of_people: dict[str, str]
    rates: dict[str, float]
    reporting_currency: str
    warnings: list[str]
    cached: bool = False

    @property
    def by_unit(self) -> pd.DataFrame:
        return self.tables.tables["by_unit"]

    @property
    def deals(self) -> pd.DataFrame:
        return self.tables.tables["deals"]

    def deals_of(self, owners: Iterable[str]) -> pd.DataFrame:
        """The open deals owned by ``owners`` (in the order of :attr:`deals`)."""
        return self.tables.rows("deals", "owner_id", owners)

    def to_entry(self) -> CacheEntry:
        return CacheEntry(
            tables=self.tables.tables,
            meta={
                "method": self.method,
                "scores": self.scores,
                "method_chosen_as_of": None
                if self.method_chosen_as_of is None
                else self.method_chosen_as_of.isoformat(),
                "unit_of_people": self.unit_of_people,
                "rates": self.rates,
                "reporting_currency": self.reporting_currency,
                "warnings": self.warnings,
            },
        )

    @classmethod
    def from_entry(cls, entry: CacheEntry, *, cached: bool) -> CompanyForecast:
        m = entry.meta
        return cls(
            method=m["method"],
            scores=m["scores"],
            method_chosen_as_of=None
            if m.get("method_chosen_as_of") is None
            else dt.date.fromisoformat(m["method_chosen_as_of"]),
            tables=entry,
            unit_of_people=m["unit_of_people"],
            rates={k: float(v) for k, v in m["rates"].items()},
            reporting_currency=m["reporting_currency"],
            warnings=m["warnings"],
            cached=cached,
        )


def company_forecast(
    store: Any,
    *,
    as_of: dt.date,
    method: str | None = None,
    trials: int = 10_000,
    seed: int = 0,
    method_max_age_days: int = MAX_AGE_DAYS,
) -> CompanyForecast:
    """The company's forecast of the quarter in progress, by unit; cached per data day.

    Loading the history and backtesting the candidate methods is the expensive part (about a
    minute for ten million history rows) and does not depend on the unit a pack is for, so the
    result is kept in :mod:`salesorg.datacache`, keyed by the data, ``as_of`` and the
    parameters: the first pack of a data day pays for it, the company pack and every team pack
    after it read it back (also from a read-only store). ``store`` may be a review's
    :class:`~salesorg.review.source.ReviewSource` (the data fingerprint is then shared with
    the review's other cache entries); the computation reads the store it wraps.

    Without ``method``, the method is the backtest's choice for ``as_of`` or, when one was made
    at most ``method_max_age_days`` earlier, that one (:mod:`salesorg.forecast.choice`): a
    new data day then costs the history load and the simulation, not the backtest.
    """
    inner = getattr(store, "inner", store)
    params = {
        "as_of": as_of.isoformat(),
        "method": method,
        "trials": trials,
        "seed": seed,
        "candidates": list(CANDIDATES),
        "reporting_currency": getattr(store, "reporting_currency", "EUR"),
        "method_max_age_days": method_max_age_days,
    }
    entry, was_cached = cached(
        store,
        "forecast-company",
        params,
        lambda: _compute_company_forecast(
            inner,
            as_of=as_of,
            method=method,
            trials=trials,
            seed=seed,
            max_age_days=method_max_age_days,
        ).to_entry(),
        tables=FORECAST_TABLES,
    )
    return CompanyForecast.from_entry(entry, cached=was_cached)


def _compute_company_forecast(
    store: Any, *, as_of: dt.date, method: str | None, trials: int, seed: int, max_age_days: int
) -> CompanyForecast:
    history = load_history(store)
    period = quarter_of(as_of)
    scores: list[dict[str, Any]] = []
    chosen_as_of = None
    if method is None:
        choice = choose_method(
            store,
            as_of=as_of,
            backtest=lambda: best_method(history, as_of=as_of, store=store),
            candidates=CANDIDATES,
            reporting_currency=history.reporting_currency,
            max_age_days=max_age_days,
        )
        method, scores, chosen_as_of = choice.method, choice.scores, choice.chosen_as_of
    view = history.known_at(as_of)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ForecastWarning)
        model = make_forecaster(method, trials=trials, seed=seed).fit(view)
        by_unit = model.predict(period, by="unit")
        risk_model = (
            model
            if hasattr(model, "last_p_")
            else make_forecaster("markov", trials=trials, seed=seed).fit(view)
        )
        if risk_model is not model:
            risk_model.predict(period, by="unit")
    d = risk_model.last_deals_
    deals = pd.DataFrame(
        {
            "opportunity_id": history.ids_of(d["opp"]).astype(str),
            "owner_id": [history.person_ids[o] if o >= 0 else "" for o in d["owner"]],
            "stage": [history.stage_names[s] for s in d["stage"]],
            "amount": np.asarray(d["amount_rc"], dtype=float),
            "p_win": np.asarray(risk_model.last_p_, dtype=float),
        }
    )
    rates = history.rates_at(as_of)
    return CompanyForecast(
        method=method,
        scores=scores,
        method_chosen_as_of=chosen_as_of,
        tables=CacheEntry(tables={"by_unit": by_unit, "deals": deals}),
        unit_of_people={str(k): str(v) for k, v in view.unit_of_people().items()},
        rates={c: float(r) for c, r in zip(history.currencies, rates, strict=True)},
        reporting_currency=history.reporting_currency,
        warnings=sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
    )


def _quota(
    store: Any, cf: CompanyForecast, unit_id: str, period: Period, members: list[str]
) -> float | None:
    q = store.table("quotas").to_pandas()
    if q.empty:
        return None
    q["period_start"] = pd.to_datetime(q.period_start).dt.date
    q["period_end"] = pd.to_datetime(q.period_end).dt.date
    inside = q[(q.period_start >= period.start) & (q.period_end <= period.end)]

    def rc(rows: pd.DataFrame) -> float:
        tot = 0.0
        for amt, cur in zip(rows.amount, rows.currency, strict=True):
            r = cf.rates.get(cur, 1.0 if cur == cf.reporting_currency else np.nan)
            tot += float(amt) * r
        return tot

    team = inside[(inside.holder_id == unit_id) & (inside.kind == "team")]
    if len(team):
        return rc(team)
    ind = inside[(inside.holder_id.isin(members)) & (inside.kind == "individual")]
    return rc(ind) if len(ind) else None


def forecast_rollup_for_pack(
    store: Any,
    *,
    as_of: dt.date | str,
    unit_id: str | None = None,
    method: str | None = None,
    trials: int = 10_000,
    seed: int = 0,
) -> ForecastRollup:
    """The forecast of ``unit_id`` (default: the company) for the quarter in progress.

    The company forecast comes from :func:`company_forecast` (cached per data day); what is
    specific to the unit (its row, calibration, riskiest deals, quota, managers' calls) is
    cheap and read fresh, so quotas and calls entered since are always shown.
    """
    as_of = to_date(as_of)
    period = quarter_of(as_of)
    cf = company_forecast(store, as_of=as_of, method=method, trials=trials, seed=seed)
    f = cf.by_unit
    units = store.table("units").to_pandas()
    if unit_id is None:
        roots = units[units.parent_unit_id.isna()].unit_id
        unit_id = str(roots.iloc[0]) if len(roots) else str(f.unit_id.iloc[0])
    if unit_id not in set(f.unit_id):
        from salesorg.errors import NotFoundError

        raise NotFoundError(f"unit {unit_id!r} has no deals or people as of {as_of} — check the ID")
    row = f.set_index("unit_id").loc[unit_id].copy()
    best = next((x for x in cf.scores if x["method"] == cf.method), None)
    k = float(best.get("width_factor", 1.0)) if best else 1.0
    if k > 1.0:  # calibrate the range on the company's own backtest
        row["p10"] = max(float(row.booked), float(row.p50) - k * float(row.p50 - row.p10))
        row["p90"] = float(row.p50) + k * float(row.p90 - row.p50)
    subtree = _subtree(units, unit_id)
    members = [pid for pid, u in cf.unit_of_people.items() if u in subtree]
    deals = cf.deals_of(members)
    p, a = deals.p_win.to_numpy(float), deals.amount.to_numpy(float)
    var = a * a * p * (1 - p)
    order = np.argsort(-var)[:10]
    total_var = var.sum()
    risky = pd.DataFrame(
        {
            "opportunity_id": deals.opportunity_id.to_numpy()[order],
            "owner_id": deals.owner_id.to_numpy()[order],
            "stage": deals.stage.to_numpy()[order],
            "amount": a[order],
            "p_win": p[order].round(3),
            "variance_share": (var[order] / total_var).round(3) if total_var > 0 else 0.0,
        }
    )
    quota = _quota(store, cf, unit_id, period, members)
    calls = rollup_with_overrides(
        f, current_overrides(list_overrides(store, period=period.label), as_of), units
    ).set_index("unit_id")
    c = calls.loc[unit_id]
    return ForecastRollup(
        unit_id=unit_id,
        period=period,
        as_of=as_of,
        method=cf.method,
        method_scores=cf.scores,
        method_chosen_as_of=cf.method_chosen_as_of,
        width_factor=k,
        p10=float(row.p10),
        p50=float(row.p50),
        p90=float(row.p90),
        booked=float(row.booked),
        open_pipeline=float(row.open_pipeline),
        quota=quota,
        gap_to_quota=None if quota is None else round(quota - float(row.p50), 2),
        call=float(c["call"]) if c["source"] != "computed" else None,
        call_source=str(c["source"]),
        risky_deals=risky,
        warnings=cf.warnings,
    )


def _subtree(units: pd.DataFrame, root: str) -> set[str]:
    kids: dict[str, list[str]] = {}
    for u, parent in zip(units.unit_id, units.parent_unit_id, strict=True):
        if isinstance(parent, str):
            kids.setdefault(parent, []).append(u)
    out, todo = set(), [root]
    while todo:
        u = todo.pop()
        if u not in out:
            out.add(u)
            todo += kids.get(u, [])
    return out
