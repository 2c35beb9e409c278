"""Shared fixtures: a fresh store, a tiny hand-made company with known answers, a CLI runner."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from salesorg.store import Store

# Results cached on disk (salesorg.datacache) go to a folder of this test process, never to the
# developer's ~/.cache; subprocesses started by tests inherit it.
_CACHE = tempfile.mkdtemp(prefix="salesorg-test-cache-")
os.environ["SALESORG_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MAVEN_DIR = SHARED / "data" / "crm_sales_opportunities"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in a temporary file."""
    with Store.open(tmp_path / "test.duckdb") as s:
        yield s


def _d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


def load_tiny_company(store: Store) -> None:
    """A company small enough to check every figure by hand.

    Units: C (company) > T1, T2 (teams). People: M1 manages T1 (A1, A2), M2 manages T2 (A3).
    Stages (default pipeline): Qualify(1, 10 %), Propose(2, 50 %), Won, Lost.
    Opportunities (EUR):
      O1 A1: created 2026-01-05 Qualify 100; 2026-01-20 Propose 120; won 2026-02-10 at 120.
      O2 A1: created 2026-01-10 Qualify 50; lost 2026-03-01 (amount 50).
      O3 A2: created 2026-02-01 Qualify 200, close 2026-03-31; 2026-03-15 close moved to 2026-05-15.
      O4 A3: created 2026-02-15 Propose 80; won 2026-03-20 at 90.
      O5 A3: created 2026-03-10 Qualify 30; reassigned to A1 on 2026-03-25.
    """
    store.insert_frame(
        "units",
        pd.DataFrame(
            [
                {"unit_id": "C", "name": "Company", "kind": "company", "parent_unit_id": None},
                {"unit_id": "T1", "name": "Team 1", "kind": "team", "parent_unit_id": "C"},
                {"unit_id": "T2", "name": "Team 2", "kind": "team", "parent_unit_id": "C"},
            ]
        ),
    )
    people = [
        ("G1", "Gina GM", "GM", "C", None),
        ("M1", "Max Manager", "SM", "T1", "G1"),
        ("M2", "Mia Manager", "SM", "T2", "G1"),
        ("A1", "Ann AM", "AM", "T1", "M1"),
        ("A2", "Ben AM", "AM", "T1", "M1"),
        ("A3", "Cat AM", "AM", "T2", "M2"),
    ]
    store.insert_frame(
        "people",
        pd.DataFrame(
            [
                {
                    "person_id": p,
                    "name": n,
                    "role": r,
                    "cost_per_year": Decimal("100000.00"),
                    "currency": "EUR",
                    "hired_on": _d("2020-01-01"),
                }
                for p, n, r, _, _ in people
            ]
        ),
    )
    store.insert_frame(
        "assignments",
        pd.DataFrame(
            [
                {
                    "person_id": p,
                    "unit_id": u,
                    "manager_id": m,
                    "valid_from": _d("2020-01-01"),
                    "valid_to": None,
                }
                for p, _, _, u, m in people
            ]
        ),
    )
    store.insert_frame(
        "stages",
        pd.DataFrame(
            [
                {
                    "pipeline": "default",
                    "stage": "Qualify",
                    "ordinal": 1,
                    "is_closed": False,
                    "is_won": False,
                    "default_probability": 0.1,
                },
                {
                    "pipeline": "default",
                    "stage": "Propose",
                    "ordinal": 2,
                    "is_closed": False,
                    "is_won": False,
                    "default_probability": 0.5,
                },
                {
                    "pipeline": "default",
                    "stage": "Won",
                    "ordinal": 3,
                    "is_closed": True,
                    "is_won": True,
                    "default_probability": 1.0,
                },
                {
                    "pipeline": "default",
                    "stage": "Lost",
                    "ordinal": 4,
                    "is_closed": True,
                    "is_won": False,
                    "default_probability": 0.0,
                },
            ]
        ),
    )
    opps = [
        ("O1", "A1", "2026-01-05"),
        ("O2", "A1", "2026-01-10"),
        ("O3", "A2", "2026-02-01"),
        ("O4", "A3", "2026-02-15"),
        ("O5", "A1", "2026-03-10"),
    ]
    store.insert_frame(
        "opportunities",
        pd.DataFrame(
            [
                {
                    "opportunity_id": o,
                    "account_id": None,
                    "owner_id": a,
                    "name": o,
                    "product": "P",
                    "deal_type": "new",
                    "created_on": _d(c),
                    "currency": "EUR",
                    "pipeline": "default",
                }
                for o, a, c in opps
            ]
        ),
    )
    hist = [
        ("O1", "2026-01-05T09:00:00", "Qualify", "100", "2026-02-28", "A1"),
        ("O1", "2026-01-20T09:00:00", "Propose", "120", "2026-02-28", "A1"),
        ("O1", "2026-02-10T09:00:00", "Won", "120", "2026-02-10", "A1"),
        ("O2", "2026-01-10T09:00:00", "Qualify", "50", "2026-03-31", "A1"),
        ("O2", "2026-03-01T09:00:00", "Lost", "50", "2026-03-01", "A1"),
        ("O3", "2026-02-01T09:00:00", "Qualify", "200", "2026-03-31", "A2"),
        ("O3", "2026-03-15T09:00:00", "Qualify", "200", "2026-05-15", "A2"),
        ("O4", "2026-02-15T09:00:00", "Propose", "80", "2026-03-31", "A3"),
        ("O4", "2026-03-20T09:00:00", "Won", "90", "2026-03-20", "A3"),
        ("O5", "2026-03-10T09:00:00", "Qualify", "30", "2026-06-30", "A3"),
        ("O5", "2026-03-25T09:00:00", "Qualify", "30", "2026-06-30", "A1"),
    ]
    store.insert_frame(
        "opportunity_history",
        pd.DataFrame(
            [
                {
                    "opportunity_id": o,
                    "changed_at": _ts(t),
                    "stage": s,
                    "amount": Decimal(a),
                    "close_date": _d(c),
                    "forecast_category": None,
                    "owner_id": w,
                }
                for o, t, s, a, c, w in hist
            ]
        ),
    )
    store.insert_frame(
        "quotas",
        pd.DataFrame(
            [
                {
                    "holder_id": a,
                    "period_start": _d("2026-01-01"),
                    "period_end": _d("2026-03-31"),
                    "amount": Decimal("100.00"),
                    "currency": "EUR",
                    "kind": "individual",
                }
                for a in ("A1", "A2", "A3")
            ]
        ),
    )


@pytest.fixture
def tiny(store: Store) -> Store:
    """The store with :func:`load_tiny_company` loaded."""
    load_tiny_company(store)
    return store
