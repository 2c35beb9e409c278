"""The demo company's organisation: units, people, effective-dated assignments, accounts.

Private helper of :mod:`salesorg.demo`. Everything is drawn from the ``numpy`` generator passed
in, so the same seed gives the same company. The shape follows DESIGN.md's demo company and the
seed text (``seeds/000_08aace40859bb0bd.txt``): a GM, three regional directors, 14 sales
managers each leading a team of about 8 account managers (span near 1:8, the Alexander Group
benchmark mean of 8.5 direct reports, DOMAIN.md 1a), some of them senior (GAM, ClientExec,
SnrAM, ExecAM), plus a systems engineer and an inside-sales rep per team and a consultant for
every second team.

Who reports to whom: AMs report to their team's SM; SMs to their region's director; directors
to the GM. SEs, inside sales and consultants work in a team's (virtual) account team but report
in the regional line to the director, so an SM's span counts AMs only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Org", "Segment", "build_org"]

_FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Katrin",
    "Lukas",
    "Marie",
    "Nils",
    "Olga",
    "Paul",
    "Rita",
    "Stefan",
    "Tanja",
    "Uwe",
    "Vera",
    "Wolf",
    "Yvonne",
    "Zoe",
    "Jan",
    "Lea",
    "Tim",
    "Nora",
    "Erik",
    "Lina",
    "Moritz",
    "Sophie",
    "Kai",
    "Julia",
    "Max",
    "Emma",
    "Leon",
    "Mia",
    "Finn",
    "Lara",
    "Noah",
    "Hanna",
    "Elias",
    "Sara",
    "Luca",
    "Pia",
    "Jakob",
    "Ines",
    "Oskar",
    "Frieda",
]
_LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Maier",
    "Huber",
    "Keller",
    "Frei",
    "Brunner",
    "Gerber",
    "Baumann",
    "Vogel",
    "Jäger",
    "Roth",
    "Lorenz",
]

# (unit_id, name, region index, currency, country, number of AM slots); the AM slots sum to 112.
TEAMS: tuple[tuple[str, str, int, str, str, int], ...] = (
    ("T-HAM", "Team Hamburg", 0, "EUR", "DE", 8),
    ("T-BER", "Team Berlin", 0, "EUR", "DE", 9),
    ("T-HAN", "Team Hannover", 0, "EUR", "DE", 7),
    ("T-BRE", "Team Bremen", 0, "EUR", "DE", 8),
    ("T-DUS", "Team Düsseldorf", 0, "EUR", "DE", 8),
    ("T-MUC", "Team Munich", 1, "EUR", "DE", 9),
    ("T-STR", "Team Stuttgart", 1, "EUR", "DE", 8),
    ("T-NUE", "Team Nuremberg", 1, "EUR", "DE", 7),
    ("T-FRA", "Team Frankfurt", 1, "EUR", "DE", 8),
    ("T-VIE", "Team Vienna", 1, "EUR", "AT", 8),
    ("T-ZRH", "Team Zurich", 2, "CHF", "CH", 9),
    ("T-CGN", "Team Cologne", 2, "EUR", "DE", 7),
    ("T-AMS", "Team Amsterdam", 2, "EUR", "NL", 8),
    ("T-BRU", "Team Brussels", 2, "EUR", "BE", 8),
)
REGIONS = (("R-NORTH", "Region North"), ("R-SOUTH", "Region South"), ("R-WEST", "Region West"))
COMPANY = ("ITK", "ITK Solutions AG")

#: The team that takes part in the solution-selling programme (exactly 8 AMs, no turnover
#: after :data:`QUIET_FROM`, no manager change).
INITIATIVE_TEAM = "T-STR"
QUIET_FROM = dt.date(2025, 9, 1)
#: The team whose sales manager is replaced (a change of reporting line mid-history).
SM_CHANGE_TEAM, SM_CHANGE_ON = "T-CGN", dt.date(2025, 3, 1)

SENIOR_TITLES = ("SnrAM", "GAM", "ClientExec", "ExecAM")
#: Fully loaded cost per year in EUR by role (a plausible German ITK pay level; CH x 1.35).
ROLE_COST = {
    "AM": 95_000, "SnrAM": 120_000, "GAM": 150_000, "ClientExec": 160_000, "ExecAM": 140_000,
    "SE": 110_000, "InsideSales": 65_000, "Consultant": 105_000, "SM": 165_000,
    "Director": 230_000, "GM": 320_000,
}  # fmt: skip
INDUSTRIES = ("Manufacturing", "Retail", "Finance", "Public sector", "Healthcare", "Logistics",
              "Utilities", "Telecom", "Automotive", "Insurance")  # fmt: skip


@dataclass(frozen=True)
class Segment:
    """A person in a team from ``start`` to ``end`` (exclusive; ``None`` = still there)."""

    person_id: str
    team: int
    start: dt.date
    end: dt.date | None


@dataclass
class Org:
    """The organisation as frames plus the AM segments the deal generator needs."""

    units: pd.DataFrame
    people: pd.DataFrame
    assignments: pd.DataFrame
    accounts: pd.DataFrame
    am_segments: list[Segment]
    skill: dict[str, float]
    senior: dict[str, bool]
    leavers: dict[str, dt.date] = field(default_factory=dict)
    initiative_members: list[str] = field(default_factory=list)


def _name(rng: np.random.Generator) -> str:
    return f"{_FIRST[rng.integers(len(_FIRST))]} {_LAST[rng.integers(len(_LAST))]}"


def build_org(rng: np.random.Generator, *, start: dt.date, end: dt.date) -> Org:
    """Draw the organisation for the history ``start``..``end`` (inclusive)."""
    people: list[dict[str, object]] = []
    skill: dict[str, float] = {}
    senior: dict[str, bool] = {}

    def person(pid: str, role: str, country: str, currency: str, hired: dt.date) -> str:
        cost = ROLE_COST[role] * (1.35 if currency == "CHF" else 1.0) * rng.uniform(0.9, 1.1)
        people.append(
            {"person_id": pid, "name": _name(rng), "email": f"{pid.lower()}@itk.example",
             "role": role, "cost_per_year": round(cost, -2), "currency": currency,
             "hired_on": hired, "left_on": None, "country": country}
        )  # fmt: skip
        return pid

    def old_hire() -> dt.date:
        return start - dt.timedelta(days=int(rng.integers(180, 3650)))

    units = [{"unit_id": COMPANY[0], "name": COMPANY[1], "kind": "company", "parent_unit_id": None}]
    units += [
        {"unit_id": u, "name": n, "kind": "region", "parent_unit_id": COMPANY[0]}
        for u, n in REGIONS
    ]
    units += [{"unit_id": t[0], "name": t[1], "kind": "team", "parent_unit_id": REGIONS[t[2]][0]} for t in TEAMS]  # fmt: skip

    rows: list[tuple[str, str, str | None, dt.date, dt.date | None]] = []  # assignments
    gm = person("GM-01", "GM", "DE", "EUR", old_hire())
    rows.append((gm, COMPANY[0], None, people[-1]["hired_on"], None))  # type: ignore[arg-type]
    directors = []
    for i, (rid, _) in enumerate(REGIONS):
        d = person(f"DIR-{i + 1:02d}", "Director", "DE", "EUR", old_hire())
        rows.append((d, rid, gm, people[-1]["hired_on"], None))  # type: ignore[arg-type]
        directors.append(d)

    # Sales managers (one team's SM is replaced on SM_CHANGE_ON).
    sm_timeline: list[list[tuple[str, dt.date, dt.date | None]]] = []
    for ti, (tid, _, ri, cur, country, _) in enumerate(TEAMS):
        sm = person(f"SM-{ti + 1:02d}", "SM", country, cur, old_hire())
        hired = people[-1]["hired_on"]
        if tid == SM_CHANGE_TEAM:
            people[-1]["left_on"] = SM_CHANGE_ON
            new = person("SM-15", "SM", country, cur, SM_CHANGE_ON)
            rows.append((sm, tid, directors[ri], hired, SM_CHANGE_ON))  # type: ignore[arg-type]
            rows.append((new, tid, directors[ri], SM_CHANGE_ON, None))
            sm_timeline.append([(sm, hired, SM_CHANGE_ON), (new, SM_CHANGE_ON, None)])  # type: ignore[list-item]
        else:
            rows.append((sm, tid, directors[ri], hired, None))  # type: ignore[arg-type]
            sm_timeline.append([(sm, hired, None)])  # type: ignore[list-item]

    # Account-team members reporting to the regional director.
    for ti, (tid, _, ri, cur, country, _) in enumerate(TEAMS):
        roles = [("SE", "SE"), ("IS", "InsideSales")] + (
            [("CON", "Consultant")] if ti % 2 == 0 else []
        )
        for prefix, role in roles:
            pid = person(f"{prefix}-{ti + 1:02d}", role, country, cur, old_hire())
            rows.append((pid, tid, directors[ri], people[-1]["hired_on"], None))  # type: ignore[arg-type]

    # Account managers: slots with turnover; persistent person effects (skill).
    n_am = 0
    segments: list[Segment] = []
    leavers: dict[str, dt.date] = {}
    span_days = (end - start).days

    def new_am(ti: int, hired: dt.date, is_senior: bool) -> str:
        nonlocal n_am
        n_am += 1
        _, _, _, cur, country, _ = TEAMS[ti]
        role = SENIOR_TITLES[rng.integers(len(SENIOR_TITLES))] if is_senior else "AM"
        pid = person(f"AM-{n_am:03d}", role, country, cur, hired)
        skill[pid] = float(rng.normal(0.0, 0.35))
        senior[pid] = is_senior
        return pid

    for ti, team in enumerate(TEAMS):
        n_senior = int(rng.integers(1, 4))
        for slot in range(team[5]):
            is_senior = slot < n_senior
            pid = new_am(ti, old_hire(), is_senior)
            seg_start = people[-1]["hired_on"]
            quiet = team[0] == INITIATIVE_TEAM
            if rng.random() < 0.28:
                leave = start + dt.timedelta(days=int(rng.integers(90, span_days - 60)))
                if quiet and leave >= QUIET_FROM:
                    segments.append(Segment(pid, ti, seg_start, None))  # type: ignore[arg-type]
                    continue
                segments.append(Segment(pid, ti, seg_start, leave))  # type: ignore[arg-type]
                leavers[pid] = leave
                _set_left(people, pid, leave)
                hired = leave + dt.timedelta(days=int(rng.integers(20, 75)))
                if hired <= end:
                    succ = new_am(ti, hired, is_senior)
                    segments.append(Segment(succ, ti, hired, None))
            else:
                segments.append(Segment(pid, ti, seg_start, None))  # type: ignore[arg-type]

    segments = _swap_moves(rng, segments, start=start, end=end)
    members = [
        s.person_id for s in segments if TEAMS[s.team][0] == INITIATIVE_TEAM and s.end is None
    ]

    # AM assignments: each team segment split at the team's manager changes.
    for s in segments:
        for sm, a, b in sm_timeline[s.team]:
            lo = max(s.start, a)
            hi = min(x for x in (s.end, b, dt.date.max) if x is not None)
            if lo < hi:
                rows.append(
                    (s.person_id, TEAMS[s.team][0], sm, lo, None if hi == dt.date.max else hi)
                )

    assignments = pd.DataFrame(
        rows, columns=["person_id", "unit_id", "manager_id", "valid_from", "valid_to"]
    )
    return Org(
        units=pd.DataFrame(units),
        people=pd.DataFrame(people),
        assignments=assignments,
        accounts=_accounts(rng),
        am_segments=segments,
        skill=skill,
        senior=senior,
        leavers=leavers,
        initiative_members=sorted(members),
    )


def _set_left(people: list[dict[str, object]], pid: str, day: dt.date) -> None:
    for p in people:
        if p["person_id"] == pid:
            p["left_on"] = day


def _swap_moves(
    rng: np.random.Generator, segments: list[Segment], *, start: dt.date, end: dt.date
) -> list[Segment]:
    """Three pairs of long-serving AMs in different (EUR) teams swap teams on a date (moves)."""
    stable = [
        i for i, s in enumerate(segments)
        if s.end is None and s.start < start and TEAMS[s.team][0] != INITIATIVE_TEAM
        and TEAMS[s.team][3] == "EUR"
    ]  # fmt: skip
    picks = rng.choice(stable, size=6, replace=False)
    out = list(segments)
    for k in range(3):
        i, j = int(picks[2 * k]), int(picks[2 * k + 1])
        a, b = out[i], out[j]
        if a.team == b.team:
            continue
        day = start + dt.timedelta(days=int(rng.integers(200, (end - start).days - 200)))
        out[i] = Segment(a.person_id, a.team, a.start, day)
        out[j] = Segment(b.person_id, b.team, b.start, day)
        out.append(Segment(a.person_id, b.team, day, None))
        out.append(Segment(b.person_id, a.team, day, None))
    return out


def _accounts(rng: np.random.Generator, per_team: int = 150) -> pd.DataFrame:
    """Customer accounts; each team's territory holds ``per_team`` of them (id ``ACC-TT-NNN``)."""
    rows = []
    for ti, team in enumerate(TEAMS):
        emp = np.round(rng.lognormal(6.0, 1.4, per_team)).astype(int) + 10
        for k in range(per_team):
            rows.append(
                {"account_id": f"ACC-{ti + 1:02d}-{k + 1:03d}",
                 "name": f"{_LAST[rng.integers(len(_LAST))]} {rng.choice(['GmbH', 'AG', 'KG', 'SE', 'BV', 'SA'])} {k + 1}",
                 "industry": INDUSTRIES[rng.integers(len(INDUSTRIES))], "country": team[4],
                 "employees": int(emp[k]),
                 "revenue": round(float(emp[k]) * float(rng.uniform(0.08, 0.4)), 1)}
            )  # fmt: skip
    return pd.DataFrame(rows)
