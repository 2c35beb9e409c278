"""Named assumptions: every default the org-design engine uses, with source and confidence.

An :class:`Assumption` is a point value (the default, used where one number is needed) plus a
P10/P90 range that the Monte Carlo simulation samples from. Every one names its source (an
entry of ``shared/DOMAIN.md`` or "assumption") and a confidence (``high``, ``medium``, ``low``,
``assumption``), so a report can show it next to the result it drives. All are overridable:
``DEFAULTS.override({"coaching_share": 0.28})`` or ``{"coaching_share": {"low": .1, "high": .3}}``.

References:
    See ``docs/org-design.md`` for the table of every default and ``shared/DOMAIN.md`` for
    the full citations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from salesorg.errors import ConfigError

__all__ = ["DEFAULTS", "Assumption", "Assumptions"]

# z of the 90th percentile of a standard normal: P10..P90 spans 2 * 1.2816 sigma
_Z90 = 1.2815515655446004
_KINDS = ("normal", "lognormal", "uniform", "fixed")


@dataclass(frozen=True)
class Assumption:
    """One named, sourced, overridable parameter with an uncertainty range.

    ``value`` is the point default (the median of the distribution); ``low``/``high`` are its
    P10/P90. ``dist`` is ``normal`` (symmetric around ``value``), ``lognormal`` (positive,
    skewed; ``low``/``high`` taken in log space), ``uniform`` (between ``low`` and ``high``) or
    ``fixed`` (no uncertainty). Samples are clipped to ``[lower, upper]``.
    """

    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    confidence: str
    dist: str = "normal"
    lower: float = -np.inf
    upper: float = np.inf
    doc: str = ""

    def __post_init__(self) -> None:
        if self.dist not in _KINDS:
            raise ConfigError(f"assumption {self.name}: dist {self.dist!r} is not one of {_KINDS}")
        if not (self.low <= self.value <= self.high):
            raise ConfigError(
                f"assumption {self.name}: need low <= value <= high, got "
                f"{self.low} <= {self.value} <= {self.high} — fix the range"
            )
        if self.dist == "lognormal" and self.low <= 0:
            raise ConfigError(f"assumption {self.name}: a lognormal needs low > 0")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws whose P10/P50/P90 are ``low``/``value``/``high`` (before clipping)."""
        if self.dist == "fixed" or self.low == self.high:
            return np.full(n, float(self.value))
        z = rng.standard_normal(n)
        if self.dist == "normal":
            # a split normal so that asymmetric ranges keep their P10/P50/P90
            sd = np.where(z < 0, self.value - self.low, self.high - self.value) / _Z90
            x = self.value + z * sd
        elif self.dist == "lognormal":
            lv, ll, lh = np.log(self.value), np.log(self.low), np.log(self.high)
            sd = np.where(z < 0, lv - ll, lh - lv) / _Z90
            x = np.exp(lv + z * sd)
        else:  # uniform with P10/P90 at low/high: stretch the support by 1/0.8
            span = (self.high - self.low) / 0.8
            a = self.low - 0.1 * span
            x = a + span * rng.random(n)
        return np.clip(x, self.lower, self.upper)


class Assumptions(Mapping[str, Assumption]):
    """An immutable set of assumptions by name; :meth:`override` returns a changed copy."""

    def __init__(self, items: Mapping[str, Assumption] | list[Assumption]):
        if isinstance(items, Mapping):
            self._items = dict(items)
        else:
            self._items = {a.name: a for a in items}

    def __getitem__(self, name: str) -> Assumption:
        try:
            return self._items[name]
        except KeyError:
            raise ConfigError(
                f"unknown assumption {name!r} — known: {', '.join(sorted(self._items))}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def points(self) -> dict[str, float]:
        """Every assumption at its point value."""
        return {k: float(a.value) for k, a in self._items.items()}

    def sample(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        """``n`` joint draws (independent across assumptions), in a stable name order."""
        return {k: self._items[k].sample(rng, n) for k in sorted(self._items)}

    def override(self, changes: Mapping[str, Any], *, where: str = "overrides") -> Assumptions:
        """A copy with some assumptions changed.

        A number sets the point value and collapses the range (``fixed``); a table may set
        ``value``, ``low``, ``high``, ``dist``, ``source`` and ``confidence``.
        """
        items = dict(self._items)
        for name, change in changes.items():
            if name not in items:
                raise ConfigError(
                    f"{where}: key {name!r}: unknown assumption — known: {', '.join(sorted(items))}"
                )
            old = items[name]
            if isinstance(change, bool) or not isinstance(change, (int, float, Mapping)):
                raise ConfigError(
                    f"{where}: key {name!r}: value {change!r} — give a number or a table "
                    "with value/low/high"
                )
            if isinstance(change, (int, float)):
                v = float(change)
                new = replace(
                    old,
                    value=v,
                    low=v,
                    high=v,
                    dist="fixed",
                    source="user override",
                    confidence="user",
                )
            else:
                allowed = {"value", "low", "high", "dist", "source", "confidence"}
                bad = set(change) - allowed
                if bad:
                    raise ConfigError(
                        f"{where}: key {name!r}: unknown field(s) {sorted(bad)} — use {sorted(allowed)}"
                    )
                kw = {
                    k: (float(v) if k in ("value", "low", "high") else str(v))
                    for k, v in change.items()
                }
                kw.setdefault("source", "user override")
                kw.setdefault("confidence", "user")
                if "value" in kw and "low" not in kw and "high" not in kw:
                    kw["low"] = min(old.low, kw["value"])
                    kw["high"] = max(old.high, kw["value"])
                try:
                    new = replace(old, **kw)
                except ConfigError as exc:
                    raise ConfigError(f"{where}: key {name!r}: {exc}") from None
            if not (new.lower <= new.value <= new.upper):
                raise ConfigError(
                    f"{where}: key {name!r}: value {new.value} — must lie in "
                    f"[{new.lower}, {new.upper}]"
                )
            items[name] = new
        return Assumptions(items)

    def table(self) -> list[dict[str, Any]]:
        """Rows for a report: name, value, P10, P90, unit, source, confidence."""
        return [
            {
                "assumption": a.name,
                "value": a.value,
                "p10": a.low,
                "p90": a.high,
                "unit": a.unit,
                "source": a.source,
                "confidence": a.confidence,
            }
            for a in self._items.values()
        ]


_A = Assumption
_SEED = "seeds/000_08aace40859bb0bd.txt"

DEFAULTS = Assumptions(
    [
        # ---- working time
        _A(
            "work_hours_per_week",
            40.0,
            40.0,
            40.0,
            "h/week",
            "convention (contract week)",
            "assumption",
            dist="fixed",
            lower=1,
        ),
        _A(
            "weeks_per_month",
            52 / 12,
            52 / 12,
            52 / 12,
            "weeks",
            "calendar (52/12)",
            "high",
            dist="fixed",
        ),
        # ---- manager time (DOMAIN.md #1a, #2a, #2c, #4)
        _A(
            "reference_span",
            8.5,
            8.5,
            8.5,
            "AMs/manager",
            "Alexander Group FLSM benchmark mean 8.5 (DOMAIN.md #1a)",
            "medium",
            dist="fixed",
            lower=1,
        ),
        _A(
            "coaching_share",
            0.16,
            0.12,
            0.28,
            "share of manager week",
            "Alexander Group: mean 16 %, best practice 28 % (DOMAIN.md #2a); EcSell ~19 % (#2b)",
            "medium",
            lower=0,
            upper=1,
        ),
        _A(
            "information_share",
            0.26,
            0.20,
            0.32,
            "share of manager week at reference span",
            "Rapp via Vantage Point: managing information 26 % (DOMAIN.md #2c)",
            "low",
            lower=0,
            upper=1,
        ),
        _A(
            "admin_share",
            0.15,
            0.10,
            0.20,
            "share of manager week",
            "Rapp via Vantage Point: admin 15 % (DOMAIN.md #2c)",
            "low",
            lower=0,
            upper=1,
        ),
        _A(
            "pipeline_meeting_hours",
            53 / 60,
            40 / 60,
            70 / 60,
            "h/meeting",
            "Vantage Point / SMA 2014: a pipeline meeting lasts ~53 min (DOMAIN.md #4)",
            "medium",
            lower=0,
        ),
        _A(
            "pipeline_meetings_per_rep_month",
            2.0,
            1.0,
            4.0,
            "meetings/rep/month",
            "Vantage Point / SMA 2014: 72 % of firms hold them more than monthly per rep "
            "(DOMAIN.md #4); 2/month is our reading",
            "low",
            lower=0,
        ),
        _A(
            "reporting_span_exponent",
            1.0,
            1.0,
            1.24,
            "exponent",
            "assumption: hand-done reporting grows in proportion to span (x1.75 from 1:8 to "
            f"1:14); 1.24 reproduces the seed's literal doubling ({_SEED})",
            "assumption",
            dist="uniform",
            lower=0.5,
            upper=2,
        ),
        _A(
            "automated_exception_share",
            0.25,
            0.10,
            0.50,
            "share of per-rep reporting kept",
            "assumption: with salesorg's review pack a manager reads only exceptions; measure "
            "it with the review engine's reporting-time meter",
            "assumption",
            lower=0,
            upper=1,
        ),
        _A(
            "automated_fixed_hours_month",
            52 / 12,
            2.0,
            8.0,
            "h/month",
            "assumption: about one hour a week to read the review pack",
            "assumption",
            lower=0,
        ),
        _A(
            "freed_time_to_coaching",
            0.5,
            0.2,
            0.8,
            "share of freed manager hours",
            "assumption: how much of the reporting time saved a manager spends coaching",
            "assumption",
            lower=0,
            upper=1,
        ),
        # ---- AM time (DOMAIN.md #5a, #5b)
        _A(
            "selling_share",
            0.41,
            0.30,
            0.46,
            "share of AM week",
            "CSO Insights 2011: 41 % (DOMAIN.md #5a); IPG 38 %, Pace 22 % (#5b)",
            "medium",
            lower=0.05,
            upper=0.95,
        ),
        _A(
            "am_forecast_prep_hours_week",
            1.5,
            0.5,
            3.0,
            "h/week",
            "assumption: an AM's time updating the CRM/forecast for the manager's roll-up",
            "assumption",
            lower=0,
        ),
        _A(
            "am_admin_share",
            0.15,
            0.10,
            0.25,
            "share of AM week",
            "assumption, by analogy with Rapp's 15 % admin for managers (DOMAIN.md #2c)",
            "low",
            lower=0,
            upper=1,
        ),
        _A(
            "freed_time_to_selling",
            0.5,
            0.2,
            0.8,
            "share of freed AM hours",
            "assumption: how much of the reporting time saved an AM spends selling",
            "assumption",
            lower=0,
            upper=1,
        ),
        # ---- cells (seed text; DOMAIN.md #10)
        _A(
            "cell_lead_share",
            0.25,
            0.15,
            0.40,
            "share of cell lead week",
            f"assumption: a working supervisor spends a quarter of the week leading the cell ({_SEED})",
            "assumption",
            lower=0,
            upper=1,
        ),
        _A(
            "cell_lead_coaching_share",
            0.5,
            0.3,
            0.7,
            "share of lead time",
            "assumption: half of the lead time is coaching/joint work with cell members",
            "assumption",
            lower=0,
            upper=1,
        ),
        _A(
            "cell_reporting_hours_month",
            4.0,
            2.0,
            8.0,
            "h/month",
            "assumption: a self-led cell reports its numbers to the director (minimised, seed text)",
            "assumption",
            lower=0,
        ),
        # ---- outcome model (DOMAIN.md #3, #7, #10)
        _A(
            "selling_elasticity",
            0.34,
            0.20,
            0.48,
            "elasticity",
            "Albers, Mantrala & Sridhar (2010) meta-analysis mean 0.34 (DOMAIN.md #7)",
            "medium",
            lower=0,
            upper=1.5,
        ),
        _A(
            "coaching_max_lift",
            0.10,
            0.0,
            0.22,
            "share of bookings",
            "CEB/SEC correlation 107 % vs 88 % of quota at >= 3 h/month (DOMAIN.md #3), "
            "halved for confounding; a wide prior",
            "low",
            lower=-0.1,
            upper=0.5,
        ),
        _A(
            "coaching_half_hours",
            1.5,
            0.75,
            3.0,
            "h/month",
            "assumption: coaching saturates; half the lift at 1.5 h/month, most by 3 h (DOMAIN.md #3)",
            "assumption",
            dist="lognormal",
            lower=0.05,
        ),
        _A(
            "team_quota_effect",
            0.0,
            -0.08,
            0.10,
            "share of bookings",
            "assumption with a wide prior: team pay helped only as a minority share in small "
            "teams with ties, hurt otherwise (Chen & Lim; Homburg et al. 2024; DOMAIN.md #10)",
            "assumption",
            lower=-0.5,
            upper=0.5,
        ),
        _A(
            "shrinkage_strength",
            1.0,
            0.5,
            2.0,
            "multiplier on the prior precision",
            "empirical Bayes (James-Stein); 1 = the estimated between-person variance",
            "assumption",
            lower=0.01,
        ),
        _A(
            "person_noise_scale",
            1.0,
            0.8,
            1.25,
            "multiplier on historical spread",
            "calibrated from history: log-bookings spread within person across periods",
            "medium",
            lower=0.1,
        ),
    ]
)
