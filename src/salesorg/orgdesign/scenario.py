"""Scenarios: the organisation as it is, regrouped to a wider span, or rebuilt as cells.

A scenario is a TOML file (or a built-in preset: ``baseline``, ``span:N``, ``cells``, each
optionally suffixed ``+automated`` or ``+manual``) applied to the :class:`OrgModel` of the
store. The keys (every one validated; errors name file, key, value and rule)::

    name = "span-14"                 # shown in reports
    base = "span"                    # baseline | span | cells
    span = 14                        # base = "span": AMs per front-line manager
    keep_by = "attainment"           # which managers stay: attainment | tenure
    surplus = "leave"                # managers not kept: leave | senior_am (back to selling)
    [reporting]
    automated = false                # reporting by salesorg (exceptions only) or by hand
    [cells]
    team_quota_share = 0.25          # share of variable pay on the cell's team quota
    include_ams = true               # AMs join cells (else they report to the director)
    [assumptions]                    # overrides, e.g. coaching_share = 0.28
    [[edits]]                        # applied last, in order
    action = "move" | "hire" | "remove" | "quota" | "cost"

**span rule**: the sellers (AM, senior AM) under front-line managers are pooled company-wide
and need ``k = ceil(n / span)`` managers. The ``k`` managers with the best team attainment
(``keep_by = "tenure"``: longest tenure) are kept and keep their own sellers (up to ``span``);
the rest are regrouped in order of their former team, to the kept managers under the same
director with the most room first (anywhere with room when that director has none). Managers not kept leave (their cost is saved) or become senior
AMs (``surplus = "senior_am"``, keeping their cost, selling at the senior-AM peer baseline).
With a span narrower than today, new managers are hired at the median manager cost.

**cells rule**: every front-line manager's team becomes a cell led by its best senior AM
(score = attainment z-score + 0.5 × tenure z-score; a team without a senior AM promotes its
best AM), with the team's AMs (``include_ams``) and the support staff of the team's unit as
members reporting to the lead; leads report to the former manager's director. The
:mod:`~salesorg.orgdesign.cells` optimiser proposes better-balanced cells with CP-SAT.
"""

from __future__ import annotations

import math
import tomllib
from collections import deque
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from salesorg.errors import ConfigError
from salesorg.model import role_family
from salesorg.orgdesign.orgmodel import SELLERS, SUPPORT, OrgModel

__all__ = ["PRESETS", "ScenarioSpec", "apply_scenario", "load_scenario", "parse_scenario"]

PRESETS = ("baseline", "span:N", "cells")
_TOP = {"name", "description", "base", "span", "keep_by", "surplus", "reporting", "cells",
        "assumptions", "edits"}  # fmt: skip
_ACTIONS = {"move": {"person", "manager"}, "remove": {"person"},
            "hire": {"role", "manager", "count", "cost_per_year", "quota", "name"},
            "quota": {"person", "scale", "amount"}, "cost": {"person", "cost_per_year"}}  # fmt: skip


@dataclass(frozen=True)
class ScenarioSpec:
    """A parsed, validated scenario (see the module docstring for every key)."""

    name: str
    base: str = "baseline"
    span: int | None = None
    keep_by: str = "attainment"
    surplus: str = "leave"
    automated: bool = False
    team_quota_share: float = 0.25
    include_ams: bool = True
    assumptions: dict[str, Any] = field(default_factory=dict)
    edits: tuple[dict[str, Any], ...] = ()
    description: str = ""
    source: str = "<preset>"


def _err(where: str, key: str, value: Any, rule: str) -> ConfigError:
    return ConfigError(f"{where}: key {key!r}: value {value!r} — {rule}")


def _typed(
    where: str, d: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any
) -> Any:
    if key not in d:
        return default
    v = d[key]
    if (
        isinstance(v, bool)
        and kind is not bool
        and bool not in (kind if isinstance(kind, tuple) else (kind,))
    ):
        raise _err(where, key, v, f"must be {getattr(kind, '__name__', kind)}")
    if not isinstance(v, kind):
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _err(where, key, v, f"must be {name}")
    return v


def parse_scenario(data: dict[str, Any], *, source: str = "<toml>") -> ScenarioSpec:
    """Validate a scenario table (from TOML) into a :class:`ScenarioSpec`."""
    unknown = set(data) - _TOP
    if unknown:
        k = sorted(unknown)[0]
        raise _err(source, k, data[k], f"unknown key; allowed: {', '.join(sorted(_TOP))}")
    name = _typed(source, data, "name", str, Path(source).stem)
    base = _typed(source, data, "base", str, "baseline")
    if base not in ("baseline", "span", "cells"):
        raise _err(source, "base", base, "must be baseline, span or cells")
    span = _typed(source, data, "span", int, None)
    if base == "span" and (span is None or span < 1 or span > 200):
        raise _err(source, "span", span, "base = 'span' needs an integer span between 1 and 200")
    keep_by = _typed(source, data, "keep_by", str, "attainment")
    if keep_by not in ("attainment", "tenure"):
        raise _err(source, "keep_by", keep_by, "must be attainment or tenure")
    surplus = _typed(source, data, "surplus", str, "leave")
    if surplus not in ("leave", "senior_am"):
        raise _err(source, "surplus", surplus, "must be leave or senior_am")
    rep = _typed(source, data, "reporting", dict, {})
    for k in set(rep) - {"automated"}:
        raise _err(source, f"reporting.{k}", rep[k], "unknown key; allowed: automated")
    automated = _typed(source, rep, "automated", bool, base == "cells")
    cells = _typed(source, data, "cells", dict, {})
    for k in set(cells) - {"team_quota_share", "include_ams"}:
        raise _err(
            source, f"cells.{k}", cells[k], "unknown key; allowed: team_quota_share, include_ams"
        )
    share = float(_typed(source, cells, "team_quota_share", (int, float), 0.25))
    if not 0 <= share <= 1:
        raise _err(source, "cells.team_quota_share", share, "must be between 0 and 1")
    include = _typed(source, cells, "include_ams", bool, True)
    assumptions = _typed(source, data, "assumptions", dict, {})
    from salesorg.orgdesign.assumptions import DEFAULTS

    DEFAULTS.override(assumptions, where=f"{source}: [assumptions]")  # validates
    edits = _typed(source, data, "edits", list, [])
    for i, e in enumerate(edits):
        where = f"edits[{i}]"
        if not isinstance(e, dict) or e.get("action") not in _ACTIONS:
            raise _err(
                source,
                f"{where}.action",
                e.get("action") if isinstance(e, dict) else e,
                f"must be one of {', '.join(sorted(_ACTIONS))}",
            )
        allowed = _ACTIONS[e["action"]] | {"action"}
        for k in set(e) - allowed:
            raise _err(
                source,
                f"{where}.{k}",
                e[k],
                f"not a key of {e['action']!r}; allowed: {', '.join(sorted(allowed))}",
            )
        required = {"move": ("person", "manager"), "remove": ("person",), "hire": ("role", "manager"),
                    "quota": (), "cost": ("person", "cost_per_year")}[e["action"]]  # fmt: skip
        for k in required:
            if k not in e:
                raise _err(source, f"{where}.{k}", None, f"{e['action']!r} needs {k}")
        for k in ("count",):
            if k in e and (not isinstance(e[k], int) or isinstance(e[k], bool) or e[k] < 1):
                raise _err(source, f"{where}.{k}", e[k], "must be a positive integer")
        for k in ("cost_per_year", "quota", "scale", "amount"):
            if k in e and (
                isinstance(e[k], bool) or not isinstance(e[k], (int, float)) or e[k] < 0
            ):
                raise _err(source, f"{where}.{k}", e[k], "must be a number >= 0")
    return ScenarioSpec(
        name=name,
        base=base,
        span=span,
        keep_by=keep_by,
        surplus=surplus,
        automated=automated,
        team_quota_share=share,
        include_ams=include,
        assumptions=dict(assumptions),
        edits=tuple(edits),
        description=_typed(source, data, "description", str, ""),
        source=source,
    )


def load_scenario(ref: str | Path) -> ScenarioSpec:
    """A scenario from a TOML file or a preset (``baseline``, ``span:14``, ``cells+manual``)."""
    text = str(ref)
    path = Path(text)
    if path.suffix == ".toml":
        if not path.exists():
            raise ConfigError(
                f"{path}: scenario file not found — give a .toml file or a preset ({', '.join(PRESETS)})"
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}) — fix the syntax") from None
        return parse_scenario(data, source=str(path))
    name, _, suffix = text.partition("+")
    if suffix not in ("", "automated", "manual"):
        raise ConfigError(
            f"scenario {text!r}: unknown suffix {suffix!r} — use +automated or +manual"
        )
    kind, _, arg = name.partition(":")
    if kind not in ("baseline", "span", "cells"):
        raise ConfigError(
            f"scenario {text!r}: not a .toml file or a preset — use {', '.join(PRESETS)}"
        )
    preset = resources.files("salesorg.orgdesign").joinpath("presets", f"{kind}.toml")
    data = tomllib.loads(preset.read_text(encoding="utf-8"))
    if kind == "span":
        if not arg.isdigit() or int(arg) < 1:
            raise ConfigError(
                f"scenario {text!r}: span:N needs a positive whole number, e.g. span:14"
            )
        data["span"] = int(arg)
        data["name"] = f"span:{arg}"
    elif arg:
        raise ConfigError(f"scenario {text!r}: {kind} takes no ':' argument")
    if suffix:
        data.setdefault("reporting", {})["automated"] = suffix == "automated"
        data["name"] = text
    return parse_scenario(data, source=f"preset {text}")


# ----------------------------------------------------------------------------- applying


def _z(x: pd.Series) -> pd.Series:
    x = x.astype(float)
    sd = x.std(ddof=0)
    return (x - x.mean()) / sd if sd and sd > 0 else x * 0.0


def _append(p: pd.DataFrame, row: dict[str, Any]) -> pd.DataFrame:
    new = pd.DataFrame([{c: row.get(c) for c in p.columns}]).astype(
        p.dtypes.to_dict(), errors="ignore"
    )
    return pd.concat([p, new], ignore_index=True) if len(p) else new


def _to_senior(p: pd.DataFrame, ids: list[str]) -> None:
    m = p["person_id"].isin(ids)
    p.loc[m, ["role", "family"]] = ["SnrAM", "senior_am"]
    p.loc[m, ["bookings", "quota", "attainment"]] = np.nan


def _regroup_span(org: OrgModel, spec: ScenarioSpec) -> tuple[pd.DataFrame, list[str]]:
    p = org.people.copy()
    notes: list[str] = []
    fam = dict(zip(p["person_id"], p["family"], strict=True))
    mgrs = p[p["family"] == "manager"].copy()
    is_seller = p["family"].isin(SELLERS) & p["manager_id"].map(fam).eq("manager")
    n = int(is_seller.sum())
    N = int(spec.span or 1)
    team = p[is_seller].groupby("manager_id").agg(b=("bookings", "sum"), q=("quota", "sum"))
    att = (team["b"] / team["q"].where(team["q"] > 0)).reindex(mgrs["person_id"]).fillna(0.0)
    mgrs["score"] = att.to_numpy() if spec.keep_by == "attainment" else mgrs["tenure_years"]
    mgrs = mgrs.sort_values(["score", "tenure_years", "person_id"], ascending=[False, False, True])
    k = math.ceil(n / N)
    if spec.surplus == "senior_am":
        while k < len(mgrs) and math.ceil((n + len(mgrs) - k) / N) != k:
            k = math.ceil((n + len(mgrs) - k) / N)
    kept = list(mgrs["person_id"][:k])
    gone = list(mgrs["person_id"][k:])
    if k > len(mgrs):
        cost = float(mgrs["cost"].median()) if len(mgrs) else 0.0
        boss = (
            p.loc[is_seller, "manager_id"]
            .map(dict(zip(p["person_id"], p["manager_id"], strict=True)))
            .mode()
        )
        for i in range(k - len(mgrs)):
            pid = f"NEW-SM-{i + 1:02d}"
            p = _append(
                p,
                {
                    "person_id": pid,
                    "name": pid,
                    "role": "SM",
                    "family": "manager",
                    "manager_id": boss.iloc[0] if len(boss) else None,
                    "cost": cost,
                    "tenure_years": 0.0,
                    "bookings": 0.0,
                    "quota": np.nan,
                },
            )
            kept.append(pid)
        notes.append(f"hired {k - len(mgrs)} manager(s) at the median manager cost {cost:,.0f}")
        is_seller = is_seller.reindex(p.index, fill_value=False)
    boss_of = dict(zip(p["person_id"], p["manager_id"], strict=True))
    load = {m: 0 for m in kept}
    pool: list[str] = []
    for pid, m in (
        p.loc[is_seller, ["person_id", "manager_id"]]
        .sort_values(["manager_id", "person_id"])
        .itertuples(index=False)
    ):
        if m in load and load[m] < N:
            load[m] += 1
        else:
            pool.append(pid)
    if spec.surplus == "senior_am":
        _to_senior(p, gone)
        pool += gone
        notes.append(f"{len(gone)} manager(s) not kept became senior AMs: {', '.join(gone)}")
    elif gone:
        notes.append(f"{len(gone)} manager(s) not kept leave: {', '.join(gone)}")
    # managers with room, per director and overall, each in order of most room first
    order = sorted(kept, key=lambda m: (load[m], m))
    by_dir: dict[Any, deque[str]] = {}
    for m in order:
        by_dir.setdefault(boss_of.get(m), deque()).append(m)
    anywhere = deque(order)
    new_mgr: dict[str, str] = {}
    for pid in pool:
        old = boss_of.get(pid)
        director = boss_of.get(pid) if pid in gone else boss_of.get(old)
        for q in (by_dir.get(director), anywhere):
            while q and load[q[0]] >= N:
                q.popleft()
        q = by_dir.get(director)
        target = q[0] if q else anywhere[0]
        load[target] += 1
        new_mgr[pid] = target
    p.loc[p["person_id"].isin(new_mgr), "manager_id"] = p["person_id"].map(new_mgr)
    # anyone else who reported to a manager who leaves moves up a level
    if spec.surplus == "leave":
        up = p["manager_id"].isin(gone)
        p.loc[up, "manager_id"] = p.loc[up, "manager_id"].map(boss_of)
        p = p[~p["person_id"].isin(gone)]
    return p.reset_index(drop=True), notes


def _cells(org: OrgModel, spec: ScenarioSpec) -> tuple[pd.DataFrame, list[str]]:
    p = org.people.copy()
    notes: list[str] = []
    boss_of = dict(zip(p["person_id"], p["manager_id"], strict=True))
    mgrs = p[p["family"] == "manager"]
    unit_of = dict(zip(mgrs["person_id"], mgrs["unit_id"], strict=True))
    att = p["attainment"]
    att = att.fillna(att.median() if att.notna().any() else 0.0)
    p["_score"] = _z(att) + 0.5 * _z(p["tenure_years"])
    team = p[p["family"].isin(SELLERS) & p["manager_id"].isin(unit_of)].copy()
    team["_senior"] = team["family"].eq("senior_am")
    team = team.sort_values(
        ["manager_id", "_senior", "_score", "person_id"], ascending=[True, False, False, True]
    )
    leads = team.groupby("manager_id").head(1).set_index("manager_id")["person_id"]
    cell_of = {m: f"CELL-{unit_of[m]}" for m in leads.index}
    senior = dict(zip(team["person_id"], team["_senior"], strict=True))
    promoted = [pid for pid in leads.to_numpy() if not senior[pid]]
    for pid in promoted:
        notes.append(f"no senior AM in {cell_of[boss_of[pid]]}: {pid} promoted to lead")
    is_lead = p["person_id"].isin(leads.values)
    p.loc[p["person_id"].isin(promoted), ["role", "family"]] = ["SnrAM", "senior_am"]
    members = p["person_id"].isin(team["person_id"]) & ~is_lead
    mgr_of_member = p.loc[members, "manager_id"]
    if spec.include_ams:
        p.loc[members, "cell_id"] = mgr_of_member.map(cell_of)
        p.loc[members, "manager_id"] = mgr_of_member.map(leads)
    else:
        p.loc[members, "manager_id"] = mgr_of_member.map(boss_of)
    unit_mgr = {u: m for m, u in unit_of.items() if m in leads.index}
    support = p["family"].isin(SUPPORT) & p["unit_id"].isin(unit_mgr)
    sm = p.loc[support, "unit_id"].map(unit_mgr)
    p.loc[support, "cell_id"] = sm.map(cell_of)
    p.loc[support, "manager_id"] = sm.map(leads)
    lead_mgr = {pid: m for m, pid in leads.items()}
    lm = p.loc[is_lead, "person_id"].map(lead_mgr)
    p.loc[is_lead, "cell_id"] = lm.map(cell_of)
    p.loc[is_lead, "manager_id"] = lm.map(boss_of)
    gone = list(mgrs["person_id"])
    if spec.surplus == "senior_am":
        _to_senior(p, gone)
        former = p["person_id"].isin(gone)
        own = p.loc[former, "person_id"]
        p.loc[former, "cell_id"] = own.map(cell_of)
        p.loc[former, "manager_id"] = own.map(lambda m: leads.get(m, boss_of[m]))
        notes.append(f"{len(gone)} former manager(s) became senior AMs in their old team's cell")
    else:
        left = p["manager_id"].isin(gone)
        p.loc[left, "manager_id"] = p.loc[left, "manager_id"].map(boss_of)
        p = p[~p["person_id"].isin(gone)]
        notes.append(f"the sales-manager layer ({len(gone)} people) is removed")
    return p.drop(columns="_score").reset_index(drop=True), notes


def _edits(p: pd.DataFrame, spec: ScenarioSpec) -> pd.DataFrame:
    p = p.copy()
    hires = 0
    for i, e in enumerate(spec.edits):
        where = f"{spec.source}: edits[{i}]"
        ids = set(p["person_id"])
        for key in ("person", "manager"):
            if key in e and e[key] not in ids:
                raise ConfigError(
                    f"{where}.{key}: value {e[key]!r} — no such person in the scenario's organisation; check the ID with `salesorg org show`"
                )
        a = e["action"]
        if a == "move":
            p.loc[p["person_id"] == e["person"], "manager_id"] = e["manager"]
        elif a == "remove":
            boss = p.loc[p["person_id"] == e["person"], "manager_id"].iloc[0]
            p.loc[p["manager_id"] == e["person"], "manager_id"] = boss
            p = p[p["person_id"] != e["person"]].reset_index(drop=True)
        elif a == "hire":
            fam = role_family(e["role"])
            same = p.loc[p["family"] == fam, "cost"]
            cost = float(e.get("cost_per_year", same.median() if len(same) else 0.0))
            for _ in range(int(e.get("count", 1))):
                hires += 1
                pid = f"HIRE-{hires:03d}"
                p = _append(
                    p,
                    {
                        "person_id": pid,
                        "name": e.get("name", pid),
                        "role": e["role"],
                        "family": fam,
                        "manager_id": e["manager"],
                        "cost": cost,
                        "tenure_years": 0.0,
                        "quota": float(e.get("quota", np.nan)),
                        "bookings": np.nan,
                        "cell_id": p.loc[p["person_id"] == e["manager"], "cell_id"].iloc[0],
                    },
                )
        elif a == "quota":
            m = p["person_id"].eq(e["person"]) if "person" in e else p["family"].isin(SELLERS)
            if "amount" in e:
                p.loc[m, "quota"] = float(e["amount"])
            else:
                p.loc[m, "quota"] = p.loc[m, "quota"] * float(e.get("scale", 1.0))
        elif a == "cost":
            p.loc[p["person_id"] == e["person"], "cost"] = float(e["cost_per_year"])
    return p


def apply_scenario(org: OrgModel, spec: ScenarioSpec) -> OrgModel:
    """The organisation ``org`` changed by ``spec`` (a new :class:`OrgModel`; ``org`` is kept)."""
    if spec.base == "span":
        people, notes = _regroup_span(org, spec)
    elif spec.base == "cells":
        people, notes = _cells(org, spec)
    else:
        people, notes = org.people.copy(), []
    people = _edits(people, spec)
    return replace(
        org,
        people=people,
        name=spec.name,
        automated=spec.automated,
        team_quota_share=spec.team_quota_share
        if spec.base == "cells" or people["cell_id"].notna().any()
        else 0.0,
        overrides=dict(spec.assumptions),
        notes=[*org.notes, *notes],
        description=spec.description,
    )
