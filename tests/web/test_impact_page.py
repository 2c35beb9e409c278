"""Initiative impact on the web (salesorg.impact): the list and report limited to the scope.

A synthetic company (12 teams of 8 AMs under managers M00..M11, two years of deals) where
teams T00..T02 join ``solution-selling`` (planted +10 pp win rate) and team T06 alone joins
``other``. The estimate is the engine's own, computed on the whole company; people lists are
cut to the caller's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from web_support import ARTIFACTS, PASSWORD, LiveServer, TestClient, login

from salesorg.impact import add_initiative, analyse, to_json
from salesorg.impact.synthetic_store import synthetic_store
from salesorg.store import Store
from salesorg.web import add_user, create_app
from salesorg.web.pages_impact import REPLICATES

TODAY = dt.date(2026, 1, 15)
USERS = {
    "dir@syn.example": ("director", "M00"),  # leads T00 (in solution-selling)
    "m06@syn.example": ("manager", "M06"),  # leads T06 (in other)
    "a0100@syn.example": ("am", "A0100"),  # treated through team T01
    "ops@syn.example": ("revops", None),
    "nobody@syn.example": ("manager", None),
}


@pytest.fixture(scope="module")
def syn_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("impact-web") / "syn.duckdb"
    with Store.open(path) as store:
        facts = synthetic_store(
            store, rng=np.random.default_rng(7), n_teams=12, treated_teams=3, effect=0.10
        )
        add_initiative(
            store, "Other programme", members=["T06"], start=facts["start"], initiative_id="other"
        )
        for email, (role, person) in USERS.items():
            add_user(store, email, role=role, password=PASSWORD, person_id=person, actor="test")
    return path


@pytest.fixture(scope="module")
def syn_app(syn_path: Path):
    """One app for the module: the analysis is computed once and then served from the cache."""
    with Store.open(syn_path) as store:
        yield create_app(store, secret_key="impact", today=lambda: TODAY)


@pytest.fixture(scope="module")
def as_(syn_app) -> Iterator:
    clients: dict[str, TestClient] = {}

    def make(email: str) -> TestClient:
        if email not in clients:
            c = TestClient(syn_app)
            assert login(c, email).status_code == 303
            clients[email] = c
        return clients[email]

    yield make
    for c in clients.values():
        c.close()


def _ids(c: TestClient) -> set[str]:
    r = c.get("/api/impact")
    assert r.status_code == 200, r.text
    return {i["initiative_id"] for i in r.json()}


@pytest.mark.parametrize(
    ("email", "visible"),
    [
        ("dir@syn.example", {"solution-selling"}),
        ("m06@syn.example", {"other"}),
        ("a0100@syn.example", {"solution-selling"}),
        ("ops@syn.example", {"solution-selling", "other"}),
        ("nobody@syn.example", set()),
    ],
)
def test_each_user_lists_the_initiatives_with_members_in_their_scope(as_, email, visible):
    assert _ids(as_(email)) == visible
    html = as_(email).get("/impact").text
    for iid in {"solution-selling", "other"}:
        assert (f'href="/impact/{iid}"' in html) == (iid in visible)


@pytest.mark.parametrize(
    ("email", "initiative"),
    [
        ("dir@syn.example", "other"),
        ("m06@syn.example", "solution-selling"),
        ("nobody@syn.example", "solution-selling"),
        ("ops@syn.example", "no-such-initiative"),
    ],
)
@pytest.mark.parametrize(
    "path",
    ["/impact/{i}", "/api/impact/{i}", "/download/impact.pdf?initiative={i}"],
)
def test_an_initiative_outside_the_scope_answers_404_like_an_unknown_one(
    as_, email, initiative, path
):
    r = as_(email).get(path.format(i=initiative))
    assert r.status_code == 404, r.text[:300]


def test_the_estimate_is_the_engines_on_the_whole_company(as_, syn_app):
    got = as_("dir@syn.example").get("/api/impact/solution-selling").json()
    store = syn_app.state.pool.root  # the app holds the file open
    want = to_json(analyse(store, "solution-selling", as_of=got["as_of"], replicates=REPLICATES))
    for key in ("estimate", "ci90", "p_value", "detectable_since", "n_treated", "n_comparison"):
        assert got[key] == want[key], key
    assert want["ci90"][0] < 0.10 < want["ci90"][1]  # the planted effect is inside


def test_people_outside_the_scope_are_never_named(as_):
    full = as_("ops@syn.example").get("/api/impact/solution-selling").json()
    mine = as_("dir@syn.example").get("/api/impact/solution-selling").json()
    assert full["comparison"] and full["hidden"] == {"treated": 0, "comparison": 0, "teams": 0}
    assert mine["comparison"] == []  # the director's scope is T00: no comparison person
    assert set(mine["treated"]) == {f"A00{j:02d}" for j in range(8)}
    assert mine["hidden"]["comparison"] == len(full["comparison"])
    assert mine["hidden"]["treated"] == len(full["treated"]) - 8
    c = as_("dir@syn.example")
    for text in (
        c.get("/impact/solution-selling").text,
        c.get("/download/impact.html?initiative=solution-selling").text,
    ):
        assert not [p for p in full["comparison"] if p in text]
        assert "A0100" not in text  # treated, but in another team


def test_the_page_shows_estimate_interval_checks_and_time_to_signal(as_):
    r = as_("dir@syn.example").get("/impact/solution-selling")
    assert r.status_code == 200, r.text[:500]
    for text in (
        "Impact of Solution selling",
        "90 % interval",
        "Detectable since",
        "Comparison group",
        "Placebo",
        "How soon can we know",
        "<svg",
        "/download/impact.pdf?initiative=solution-selling",
    ):
        assert text in r.text, text


def test_the_api_gives_time_to_signal_at_the_effect_seen(as_):
    body = as_("ops@syn.example").get("/api/impact/solution-selling").json()
    assert body["plan"]["effect"] == pytest.approx(abs(body["estimate"]))
    assert body["plan"]["periods_to_signal"] >= 1


def test_revops_downloads_the_report_as_excel_and_pdf(as_):
    c = as_("ops@syn.example")
    xlsx = c.get("/download/impact.xlsx", params={"initiative": "solution-selling"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = c.get("/download/impact.pdf", params={"initiative": "other", "metric": "win-rate"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("metric", ["no-such-metric", "expr:_.amount.sum()"])
def test_only_named_metrics_are_accepted(as_, metric):
    r = as_("ops@syn.example").get("/api/impact/solution-selling", params={"metric": metric})
    assert r.status_code == 400


@pytest.mark.browser
def test_a_director_opens_the_impact_page_and_downloads_the_pdf(page, syn_app):
    with LiveServer(syn_app) as server:
        page.goto(f"{server.url}/login")
        page.fill("input[name=email]", "dir@syn.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/")
        page.click("nav >> text=Impact")
        page.click("table.initiatives >> text=solution-selling")
        page.wait_for_url("**/impact/solution-selling**")
        assert "Impact of Solution selling" in page.content()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "impact.png"), full_page=True)
        with page.expect_download() as info:
            page.click("a[href^='/download/impact.pdf']")
        path = ARTIFACTS / "impact.pdf"
        info.value.save_as(path)
        assert path.read_bytes().startswith(b"%PDF")
