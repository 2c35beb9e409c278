"""Browser tests: Debian's Chromium through Playwright against a real uvicorn server.

Screenshots go to ``test-artifacts/web/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web_support import ARTIFACTS, PASSWORD, TODAY, VISIBLE, LiveServer

from salesorg.store import Store
from salesorg.web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def server(web_store: Store) -> Iterator[LiveServer]:
    app = create_app(web_store, secret_key="browser", today=lambda: TODAY)
    with LiveServer(app) as live:
        yield live


def _login(page, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    "email",
    [
        "a1@tiny.example",
        "m1@tiny.example",
        "dir@tiny.example",
        "g1@tiny.example",
        "ops@tiny.example",
        "admin@tiny.example",
    ],
)
def test_each_role_logs_in_and_sees_only_its_opportunities(page, server, email: str):
    _login(page, server, email)
    page.goto(f"{server.url}/opportunities")
    ids = set(page.locator("table.data tbody td:first-child a").all_inner_texts())
    assert ids == VISIBLE[email]
    _shot(page, f"opportunities-{email.split('@')[0]}")


def test_drill_down_from_the_list_to_an_opportunity_and_its_history(page, server):
    _login(page, server, "m1@tiny.example")
    page.click("nav >> text=Opportunities")
    page.click("table.data >> text=O1")
    page.wait_for_url("**/opportunities/O1**")
    assert page.locator("h2").first.inner_text().startswith("History")
    stages = page.locator("table.data tbody tr td:nth-child(2)").all_inner_texts()
    assert stages == ["Qualify", "Propose", "Won"]
    _shot(page, "opportunity-detail")


def test_as_of_picker_changes_the_list(page, server):
    _login(page, server, "g1@tiny.example")
    page.goto(f"{server.url}/opportunities")
    page.fill("input[name=as_of]", "2026-01-31")
    page.click("form.filters button")
    ids = set(page.locator("table.data tbody td:first-child a").all_inner_texts())
    assert ids == {"O1", "O2"}  # created by then


def test_the_people_page_downloads_a_pdf(page, server):
    _login(page, server, "g1@tiny.example")
    page.goto(f"{server.url}/people")
    _shot(page, "people")
    with page.expect_download() as info:
        page.click("a[href^='/download/people.pdf']")
    download = info.value
    path = ARTIFACTS / "people.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def test_the_menu_works_on_a_phone_sized_screen(page, server):
    page.set_viewport_size({"width": 390, "height": 800})
    _login(page, server, "admin@tiny.example")
    assert not page.locator("nav.nav").is_visible()
    page.click("label.navbutton")
    assert page.locator("nav.nav").is_visible()
    _shot(page, "phone-menu")


def test_logout_from_the_menu_returns_to_login(page, server):
    _login(page, server, "a1@tiny.example")
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login")
    page.goto(f"{server.url}/opportunities")
    assert "/login" in page.url


def test_revops_uploads_a_bad_file_and_sees_the_located_errors(page, server, tmp_path):
    pytest.importorskip("salesorg.ingest")
    bad = tmp_path / "people.csv"
    bad.write_text(
        "person_id,name,email,role,cost_per_year,currency,hired_on,left_on,country\n"
        "P10,Bad Cost,,AM,lots,EUR,2024-01-01,,DE\n"
    )
    _login(page, server, "ops@tiny.example")
    page.click("nav >> text=Imports")
    page.select_option("select[name=preset]", "native")
    page.set_input_files("input[name=files]", str(bad))
    page.click("button:has-text('Check files')")
    _shot(page, "import-errors")
    row = page.locator("table.problems tbody tr", has_text="cost_per_year")
    assert row.locator("td").all_inner_texts()[:4] == ["people.csv", "2", "cost_per_year", "lots"]
    _shot(page, "import-errors")


def test_a_manager_reads_the_review_and_drills_down(page, server):
    pytest.importorskip("salesorg.review")
    _login(page, server, "g1@tiny.example")
    page.click("nav >> text=Review")
    page.fill("input[name=as_of]", "2026-03-31")
    page.fill("input[name=since]", "2026-03-01")
    page.click("form.filters button")
    assert "Weekly review: Company" in page.locator("h1").inner_text()
    page.click("ul.units >> text=Team 1")
    page.wait_for_url("**unit=T1**")
    assert page.locator("h1").inner_text() == "Weekly review: Team 1"
    assert page.locator("table.exceptions").is_visible()
    _shot(page, "review-team")
    with page.expect_download(timeout=180_000) as info:
        page.click("a[href^='/download/review.pdf']")
    path = ARTIFACTS / "review.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def test_the_gm_runs_a_scenario_and_watches_it_finish(page, server):
    pytest.importorskip("salesorg.orgdesign.compare")
    _login(page, server, "g1@tiny.example")
    page.click("nav >> text=Scenarios")
    page.fill("input[name=trials]", "200")
    page.click("button:has-text('Run')")
    page.wait_for_url("**/scenarios/*")
    page.wait_for_selector("#job-status[data-status=done]", timeout=120_000)
    assert page.locator("h2", has_text="Verdict").is_visible()
    _shot(page, "scenario-result")
