"""Commission plans: a TOML file, validated into a :class:`Plan`, stored in ``comp_plans``.

A plan says how much variable pay a person earns for what. It has on-target earnings (OTE) and
a pay mix (base % / variable %), a payout period (month, quarter, year, with a fiscal-year start
month) and components, each a share (``weight``) of the variable pay: individual bookings, team
bookings (a cell's team quota), or a product / deal-type mix. A component pays either a flat
commission rate on credited bookings, or a multiple of its target incentive given by a rate
table on attainment (tiers: decelerators below 100 %, accelerators above), with an optional gate
(threshold) and caps. Draws and clawbacks apply to the plan as a whole. ``docs/comp.md`` has the
file format and every formula.

All percentages and rates are held as exact :class:`~decimal.Decimal` values; rates and
thresholds must be multiples of 0.01 % (so the vectorised payout core in
:mod:`salesorg.comp.core` can work in integers without rounding).

References:
    DOMAIN.md #10 (team vs individual incentives: team pay as a minority share, ~25 %),
    DOMAIN.md #6 (share of reps reaching quota).
"""

from __future__ import annotations

import itertools
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from salesorg.errors import ConfigError

__all__ = [
    "MEASURES",
    "PERIODS",
    "Clawback",
    "Component",
    "Draw",
    "Plan",
    "Tier",
    "load_plan",
    "parse_plan",
]

#: What a component counts. ``margin`` is not in the data model (opportunities carry no cost).
MEASURES = ("bookings", "team_bookings")
PERIODS = ("month", "quarter", "year")

_HUNDRED = Decimal(100)
_STEP = Decimal("0.0001")  # rates and shares (as fractions) are multiples of this


def _fine(value: Decimal, what: str) -> Decimal:
    try:
        ok = value == value.quantize(_STEP)
    except ArithmeticError:
        ok = False
    if not ok:
        raise ValueError(f"{what} must be a multiple of 0.0001 (exact integer arithmetic)")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Model):
    """One band of a rate table: from ``from_pct`` attainment (%) up to the next tier's start.

    ``rate`` multiplies the target incentive per unit of attainment in the band: 1 pays
    linearly (100 % attainment → 100 % of target), 2 is a 2x accelerator, 0.5 a decelerator.
    """

    from_pct: Decimal = Field(alias="from", ge=0)
    rate: Decimal = Field(ge=0)

    @field_validator("rate")
    @classmethod
    def _rate_fine(cls, v: Decimal) -> Decimal:
        return _fine(v, "rate")

    @field_validator("from_pct")
    @classmethod
    def _from_fine(cls, v: Decimal) -> Decimal:
        return _fine(v / _HUNDRED, "from (as a fraction)") * _HUNDRED


class Component(_Model):
    """A part of variable pay, measured against (a share of) a quota."""

    id: str = Field(min_length=1)
    name: str = ""
    measure: Literal["bookings", "team_bookings", "margin"] = "bookings"
    weight: Decimal = Field(gt=0, le=100, description="% of variable pay")
    products: tuple[str, ...] = ()
    deal_types: tuple[str, ...] = ()
    quota_share: Decimal = Field(default=Decimal(100), gt=0, le=1000)
    commission_rate: Decimal | None = Field(default=None, ge=0, le=100)
    tiers: tuple[Tier, ...] = ()
    threshold: Decimal | None = Field(default=None, ge=0)
    cap: Decimal | None = Field(default=None, gt=0, description="% of target incentive")
    cap_amount: Decimal | None = Field(default=None, gt=0)

    @field_validator("measure")
    @classmethod
    def _no_margin(cls, v: str) -> str:
        if v == "margin":
            raise ValueError(
                "the data model has no deal cost or margin column; use bookings with a "
                "products/deal_types filter, or import margin as the amount of a separate pipeline"
            )
        return v

    @field_validator("commission_rate", "threshold", "cap")
    @classmethod
    def _pct_fine(cls, v: Decimal | None) -> Decimal | None:
        if v is not None:
            _fine(v / _HUNDRED, "percentage (as a fraction)")
        return v

    @model_validator(mode="after")
    def _shape(self) -> Component:
        if self.commission_rate is None and not self.tiers:
            raise ValueError("give either commission_rate (flat % of bookings) or tiers")
        if self.commission_rate is not None and self.tiers:
            raise ValueError("give commission_rate or tiers, not both")
        if self.tiers:
            if self.tiers[0].from_pct != 0:
                raise ValueError("the first tier must start at from = 0")
            starts = [t.from_pct for t in self.tiers]
            if any(b <= a for a, b in itertools.pairwise(starts)):
                raise ValueError(f"tier starts must strictly increase, got {starts}")
        return self

    @property
    def is_monotone(self) -> bool:
        """Every plan this validator accepts pays more (or the same) for more attainment."""
        return all(t.rate >= 0 for t in self.tiers)


class Draw(_Model):
    """An advance paid each period when earnings fall short of it.

    Recoverable: the shortfall is owed back from later earnings above the draw (the balance
    resets at the start of each fiscal year). Non-recoverable: a guaranteed minimum.
    """

    amount: Decimal = Field(gt=0, description="per plan period")
    recoverable: bool = True


class Clawback(_Model):
    """A won deal moved to a lost stage within ``window_days`` of its close date is clawed back."""

    window_days: int = Field(gt=0, le=3650)


class Plan(_Model):
    """A whole commission plan (see ``docs/comp.md``)."""

    plan_id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    ote: Decimal = Field(gt=0, description="annual on-target earnings")
    pay_mix: tuple[Decimal, Decimal] = Field(description="base %, variable %")
    period: Literal["month", "quarter", "year"] = "quarter"
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    components: tuple[Component, ...] = Field(min_length=1)
    draw: Draw | None = None
    clawback: Clawback | None = None

    @field_validator("pay_mix")
    @classmethod
    def _mix(cls, v: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
        if v[0] < 0 or v[1] <= 0 or v[0] + v[1] != _HUNDRED:
            raise ValueError(
                f"pay_mix is [base %, variable %] summing to 100, got [{v[0]}, {v[1]}]"
            )
        return v

    @field_validator("ote")
    @classmethod
    def _ote_cents(cls, v: Decimal) -> Decimal:
        if v != v.quantize(Decimal("0.01")):
            raise ValueError("ote must be a whole number of cents")
        return v

    @model_validator(mode="after")
    def _weights(self) -> Plan:
        total = sum((c.weight for c in self.components), Decimal(0))
        if total != _HUNDRED:
            raise ValueError(f"component weights must sum to 100 (% of variable pay), got {total}")
        ids = [c.id for c in self.components]
        if len(set(ids)) != len(ids):
            raise ValueError(f"component ids must be unique, got {ids}")
        return self

    @property
    def variable_share(self) -> Decimal:
        return self.pay_mix[1] / _HUNDRED

    @property
    def periods_per_year(self) -> int:
        return {"month": 12, "quarter": 4, "year": 1}[self.period]

    def component(self, component_id: str) -> Component:
        for c in self.components:
            if c.id == component_id:
                return c
        raise KeyError(component_id)

    def to_toml(self) -> str:
        """The plan as TOML (what ``comp_plans.definition`` stores)."""
        import tomli_w

        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)

        def fix(o: Any) -> Any:
            if isinstance(o, dict):
                return {k: fix(v) for k, v in o.items() if v != [] and v != ()}
            if isinstance(o, list):
                return [fix(v) for v in o]
            if isinstance(o, str):
                try:
                    d = Decimal(o)
                except ArithmeticError:
                    return o
                return int(d) if d == d.to_integral_value() else float(d)
            return o

        data = fix(data)
        # Strings that look like numbers but are names must stay strings.
        data["plan_id"] = self.plan_id
        data["name"] = self.name
        for c_in, c_out in zip(self.components, data["components"], strict=True):
            c_out["id"] = c_in.id
            c_out["name"] = c_in.name
            if c_in.products:
                c_out["products"] = list(c_in.products)
            if c_in.deal_types:
                c_out["deal_types"] = list(c_in.deal_types)
        return tomli_w.dumps(data)


def _where(loc: tuple[Any, ...], raw: dict[str, Any]) -> tuple[str, Any]:
    """A dotted key (``components[1].tiers[0].rate``) and the raw value at it."""
    key = ""
    value: Any = raw
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += ("." if key else "") + str(part)
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            value = None
    return key or "(plan)", value


def parse_plan(text: str, *, source: str = "<plan>") -> Plan:
    """Parse and validate a plan from TOML text; raise :class:`ConfigError` naming every problem.

    Each problem line reads ``FILE: KEY: value V — RULE``.
    """
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML — {exc}") from exc
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key, value = _where(tuple(err["loc"]), raw)
            msg = err["msg"].removeprefix("Value error, ")
            shown = "" if err["type"] == "missing" else f"value {value!r} — "
            if err["type"] == "missing":
                msg = "required key is missing"
            lines.append(f"{source}: {key}: {shown}{msg}")
        raise ConfigError(
            f"{len(lines)} problem(s) in plan {source}; fix them (see docs/comp.md):\n"
            + "\n".join(lines)
        ) from None


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read plan file — {exc.strerror}") from exc
    return parse_plan(text, source=str(p))
