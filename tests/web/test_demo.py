"""The web app on the demo company: demo users per role and their scopes, checked against the
reporting line computed a second way (plain SQL on the assignments)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_support import TestClient, login

from salesorg.demo import DEMO_AS_OF, build_demo
from salesorg.store import Store
from salesorg.web import create_app, demo_users


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, tuple]]]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store.open(path) as store:
        build_demo(store)
        made = demo_users(store, as_of=DEMO_AS_OF)
        yield store, {role: (email, password) for email, role, password in made}


def _team_of(store: Store, manager: str) -> set[str]:
    """Everyone reporting to ``manager`` directly or indirectly on DEMO_AS_OF, by recursive SQL."""
    rows = store.con.execute(
        """
        WITH RECURSIVE live AS (
            SELECT person_id, manager_id FROM assignments
            WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)
        ), tree(person_id) AS (
            SELECT ?::VARCHAR
            UNION
            SELECT l.person_id FROM live l JOIN tree t ON l.manager_id = t.person_id
        )
        SELECT person_id FROM tree
        """,
        [DEMO_AS_OF, DEMO_AS_OF, manager],
    ).fetchall()
    return {r[0] for r in rows}


def _owners(client: TestClient) -> set[str]:
    owners, offset = set(), 0
    while True:
        body = client.get(
            "/api/opportunities",
            params={"as_of": DEMO_AS_OF.isoformat(), "limit": 1000, "offset": offset},
        ).json()
        owners |= {i["owner_id"] for i in body["items"]}
        offset += 1000
        if offset >= body["total"]:
            return owners


@pytest.mark.parametrize("role", ["am", "manager", "director", "gm"])
def test_demo_users_see_exactly_their_reporting_line(demo, role: str):
    store, users = demo
    app = create_app(store, secret_key="demo", today=lambda: DEMO_AS_OF)
    email, password = users[role]
    with TestClient(app) as c:
        assert login(c, email, password).status_code == 303
        me = c.get("/api/me").json()
        owners = _owners(c)
    assert me["role"] == role and me["person_id"]
    expected = {me["person_id"]} if role == "am" else _team_of(store, me["person_id"])
    assert owners and owners <= expected
    if role != "am":
        # someone below them owns deals, and their people's deals are all there
        assert len(owners) > 1


def test_demo_revops_sees_every_opportunity(demo):
    store, users = demo
    app = create_app(store, secret_key="demo", today=lambda: DEMO_AS_OF)
    email, password = users["revops"]
    n = store.con.execute(
        "SELECT count(DISTINCT opportunity_id) FROM opportunity_history WHERE changed_at < ?",
        [DEMO_AS_OF.isoformat() + " 23:59:59.999999"],
    ).fetchall()[0][0]
    with TestClient(app) as c:
        login(c, email, password)
        total = c.get("/api/opportunities", params={"as_of": DEMO_AS_OF.isoformat()}).json()[
            "total"
        ]
    assert total == n
