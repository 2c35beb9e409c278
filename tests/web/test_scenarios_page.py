"""Scenario runs on the web (salesorg.orgdesign): validate, run in the background, poll, show."""

from __future__ import annotations

import pytest
from web_support import csrf_of

pytest.importorskip("salesorg.orgdesign.compare")

from salesorg.web.pages_scenarios import RUNNER


def _run(c, **data):
    token = csrf_of(c.get("/scenarios").text)
    return c.post("/scenarios/run", data={"csrf_token": token, **data}, follow_redirects=False)


def test_a_span_scenario_runs_in_the_background_and_its_report_is_shown(logged_in, web_store):
    c = logged_in("g1@tiny.example")
    r = _run(c, presets="span", span="14", trials="200")
    assert r.status_code == 303
    job_id = r.headers["location"].rsplit("/", 1)[1]
    first = c.get(f"/scenarios/{job_id}/status").text
    assert 'id="job-status"' in first
    job = RUNNER.wait(job_id, timeout=120)
    assert job.status == "done", job.error
    html = c.get(f"/scenarios/{job_id}").text
    assert "Verdict" in html and "P10" in html and "hx-get" not in html
    pdf = c.get(f"/scenarios/{job_id}/download.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    audit = web_store.con.execute(
        "SELECT actor FROM audit_log WHERE action = 'scenario.run' AND target = ?", [job_id]
    ).fetchall()
    assert audit == [("g1@tiny.example",)]


def test_bad_toml_is_refused_before_anything_runs(logged_in):
    c = logged_in("ops@tiny.example")
    before = len(RUNNER.for_owner(None))
    r = _run(c, use_custom="true", toml_text='base = "span"\nspan = 999\n', trials="200")
    assert r.status_code == 400 and "span" in r.text
    r = _run(c, use_custom="true", toml_text="not = [toml", trials="200")
    assert r.status_code == 400 and "not valid TOML" in r.text
    assert len(RUNNER.for_owner(None)) == before


def test_ams_and_managers_cannot_run_scenarios(logged_in):
    assert logged_in("a1@tiny.example").get("/scenarios").status_code == 403
    assert logged_in("m1@tiny.example").get("/scenarios").status_code == 403


def test_a_run_is_visible_only_to_who_started_it(logged_in):
    c = logged_in("g1@tiny.example")
    job_id = _run(c, presets="span", trials="100").headers["location"].rsplit("/", 1)[1]
    RUNNER.wait(job_id, timeout=120)
    assert logged_in("ops@tiny.example").get(f"/scenarios/{job_id}").status_code == 404
    assert logged_in("admin@tiny.example").get(f"/scenarios/{job_id}").status_code == 200


def test_running_without_csrf_is_refused(logged_in):
    c = logged_in("g1@tiny.example")
    assert c.post("/scenarios/run", data={"presets": "span"}).status_code == 403
