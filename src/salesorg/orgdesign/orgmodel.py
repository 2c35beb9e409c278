"""The organisation as of a date: people, reporting lines, spans, layers, cost and bookings.

Built from the store through the point-in-time views (:func:`salesorg.metrics.pit.reporting_line`
and :func:`~salesorg.metrics.pit.opportunity_state`), so ``org show --as-of`` last year shows
last year's organisation. The queries are Ibis expressions; only the small result (one row per
person) is pulled into pandas, where the tree arithmetic (layers, spans) happens.

Definitions used everywhere in org design:

* **sellers** are the role families ``am`` and ``senior_am``; **management** is ``manager``,
  ``director`` and ``gm``; **support** is ``se``, ``inside_sales`` and ``consultant``.
* **span** of a person = number of direct reports (``assignments.manager_id``).
* **layers** = the largest number of management-family people above anyone in the tree
  (GM > director > SM > AM is 3 layers; cells reporting to directors make it 2).
* **cost of sales** = fully loaded ``cost_per_year`` of everyone in the tree (converted to the
  reporting currency) ÷ bookings (won ``amount_rc`` closed in the trailing window).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd

from salesorg.errors import DataError
from salesorg.metrics.pit import fx_rates_as_of, opportunity_state, reporting_line, to_date
from salesorg.model import role_family

__all__ = ["MANAGEMENT", "SELLERS", "SUPPORT", "OrgModel", "build_org", "layers_of", "spans_of"]

SELLERS = ("am", "senior_am")
MANAGEMENT = ("manager", "director", "gm")
SUPPORT = ("se", "inside_sales", "consultant")


@dataclass
class OrgModel:
    """One organisation: a row per person and the derived structure.

    ``people`` columns: ``person_id``, ``name``, ``role``, ``family``, ``unit_id``,
    ``manager_id``, ``country``, ``hired_on``, ``tenure_years``, ``cost`` (per year, reporting
    currency), ``bookings`` (trailing window), ``quota`` (individual quota in the window),
    ``attainment`` (bookings ÷ quota), ``cell_id`` (set in cell scenarios).
    ``history`` holds won bookings per seller per quarter (``person_id``, ``quarter``,
    ``bookings``) for calibration and the outcome model's baselines.
    """

    as_of: dt.date
    currency: str
    people: pd.DataFrame
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    window_days: int = 365
    automated: bool = False
    notes: list[str] = field(default_factory=list)

    def spans(self) -> pd.DataFrame:
        """Every person with direct reports: ``manager_id``, ``name``, ``family``, ``span``,
        ``sellers`` (direct reports who sell), team ``bookings``, ``quota``, ``attainment``."""
        return spans_of(self.people)

    @property
    def layers(self) -> int:
        return layers_of(self.people)

    def headcount(self) -> dict[str, int]:
        return {
            str(k): int(v) for k, v in self.people["family"].value_counts().sort_index().items()
        }

    @property
    def managers(self) -> int:
        """People in a management family (SM, director, GM)."""
        return int(self.people["family"].isin(MANAGEMENT).sum())

    @property
    def front_line_managers(self) -> int:
        return int((self.people["family"] == "manager").sum())

    def mean_span(self) -> float:
        s = self.spans()
        s = s[s["family"].isin(MANAGEMENT)]
        return float(s["span"].mean()) if len(s) else 0.0

    def cost(self) -> float:
        return float(self.people["cost"].sum())

    def bookings(self) -> float:
        return float(self.people["bookings"].sum())

    def cost_of_sales(self) -> float:
        """Sales cost ÷ bookings (NaN when there are no bookings)."""
        b = self.bookings()
        return self.cost() / b if b > 0 else float("nan")


def spans_of(people: pd.DataFrame) -> pd.DataFrame:
    """Direct-report counts and team results per manager (see :class:`OrgModel`)."""
    p = people
    rep = p[p["manager_id"].notna()]
    seller = rep["family"].isin(SELLERS)
    g = rep.assign(is_seller=seller.astype(int)).groupby("manager_id")
    out = g.agg(
        span=("person_id", "size"),
        sellers=("is_seller", "sum"),
        bookings=("bookings", "sum"),
        quota=("quota", "sum"),
    ).reset_index()
    info = p.set_index("person_id")[["name", "family"]]
    out = out.join(info, on="manager_id")
    out["attainment"] = np.where(
        out["quota"] > 0, out["bookings"] / out["quota"].where(out["quota"] > 0, 1), np.nan
    )
    cols = ["manager_id", "name", "family", "span", "sellers", "bookings", "quota", "attainment"]
    return out[cols].sort_values("manager_id").reset_index(drop=True)


def layers_of(people: pd.DataFrame) -> int:
    """Largest number of management-family people above anyone (cycles raise DataError)."""
    mgr = dict(zip(people["person_id"], people["manager_id"], strict=True))
    fam = dict(zip(people["person_id"], people["family"], strict=True))
    best = 0
    for pid in mgr:
        n, cur, seen = 0, mgr[pid], {pid}
        while isinstance(cur, str) and cur in mgr:
            if cur in seen:
                raise DataError(f"assignments: reporting cycle through {cur!r} — fix manager_id")
            seen.add(cur)
            n += fam[cur] in MANAGEMENT
            cur = mgr[cur]
        best = max(best, n)
    return best


def _quarter(d: pd.Series) -> pd.Series:
    d = pd.to_datetime(d)
    return d.dt.year.astype(str) + "Q" + d.dt.quarter.astype(str)


def build_org(
    store: object, as_of: dt.date | str, *, window_days: int = 365, history_quarters: int = 8
) -> OrgModel:
    """The organisation at the end of ``as_of`` with trailing-window bookings and quotas.

    Raises:
        DataError: nobody has an assignment in force on ``as_of``.
    """
    day = to_date(as_of)
    rc = getattr(store, "reporting_currency", "EUR")
    start = day - dt.timedelta(days=window_days)
    line = reporting_line(store, day)  # type: ignore[arg-type]
    ppl = store.table("people")  # type: ignore[attr-defined]
    live = ppl.filter(ppl.left_on.isnull() | (ppl.left_on > day))
    rates = fx_rates_as_of(store, day, rc)  # type: ignore[arg-type]
    j = line.join(live, line.person_id == live.person_id)
    j = j.left_join(rates, j.currency == rates.currency)
    cost = ibis.cases(
        (j.currency.isnull() | (j.currency == rc), j.cost_per_year.cast("float64")),
        else_=j.cost_per_year.cast("float64") * j.rate,
    )
    frame = j.select(
        person_id=line.person_id,
        name=j.name,
        role=j.role,
        unit_id=line.unit_id,
        manager_id=line.manager_id,
        country=j.country,
        hired_on=j.hired_on,
        cost=cost,
    ).execute()
    if frame.empty:
        raise DataError(
            f"no assignments in force on {day} — import assignments.csv (person_id, unit_id, "
            "manager_id, valid_from) or pick another --as-of"
        )
    frame["family"] = [role_family(r) for r in frame["role"]]
    frame["cost"] = frame["cost"].astype(float).fillna(0.0)
    hired = pd.to_datetime(frame["hired_on"])
    frame["tenure_years"] = ((pd.Timestamp(day) - hired).dt.days / 365.25).fillna(0.0)

    # won bookings per owner and quarter, as known on as_of
    st = opportunity_state(store, day, reporting_currency=rc)  # type: ignore[arg-type]
    hist_start = day - dt.timedelta(days=91 * history_quarters)
    won = st.filter(st.is_won & (st.close_date > hist_start) & (st.close_date <= day))
    won = won.select("owner_id", "close_date", amount=won.amount_rc.cast("float64")).execute()
    won["quarter"] = _quarter(won["close_date"]) if len(won) else pd.Series(dtype=str)
    recent = won[pd.to_datetime(won["close_date"]) > pd.Timestamp(start)]
    bk = recent.groupby("owner_id")["amount"].sum()
    frame["bookings"] = frame["person_id"].map(bk).fillna(0.0)
    history = (
        won.groupby(["owner_id", "quarter"])["amount"]
        .sum()
        .reset_index()
        .rename(columns={"owner_id": "person_id", "amount": "bookings"})
    )

    # individual quotas whose period lies in the window, converted to the reporting currency
    q = store.table("quotas")  # type: ignore[attr-defined]
    q = q.filter((q.kind == "individual") & (q.period_start >= start) & (q.period_end <= day))
    q = q.left_join(rates, q.currency == rates.currency)
    amt = ibis.cases(
        (q.currency == rc, q.amount.cast("float64")), else_=q.amount.cast("float64") * q.rate
    )
    qs = q.group_by(q.holder_id).aggregate(quota=amt.sum()).execute()
    frame["quota"] = frame["person_id"].map(qs.set_index("holder_id")["quota"]).astype(float)
    frame["attainment"] = frame["bookings"] / frame["quota"].where(frame["quota"] > 0)
    frame["cell_id"] = None
    notes = []
    if frame["cost"].eq(0).any():
        n = int(frame["cost"].eq(0).sum())
        notes.append(f"{n} people have no cost_per_year (counted as 0 in cost of sales)")
    units = store.table("units").execute()  # type: ignore[attr-defined]
    cols = [
        "person_id",
        "name",
        "role",
        "family",
        "unit_id",
        "manager_id",
        "country",
        "hired_on",
        "tenure_years",
        "cost",
        "bookings",
        "quota",
        "attainment",
        "cell_id",
    ]
    frame = frame[cols].sort_values("person_id").reset_index(drop=True)
    return OrgModel(
        as_of=day,
        currency=rc,
        people=frame,
        units=units,
        history=history,
        window_days=window_days,
        notes=notes,
    )
