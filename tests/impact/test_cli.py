"""The impact commands end to end on a synthetic company with a planted effect."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from salesorg.cli import app, main

PLANTED = 0.10  # the effect the `company` fixture plants (conftest.py)

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "impact.md"


def _json(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_impact_json_finds_the_planted_effect(company):
    db, _ = company
    out = _json(
        [
            "impact",
            "solution-selling",
            "--db",
            db,
            "--bootstrap",
            "199",
            "--format",
            "json",
            "--rollout",
            "3",
        ]
    )
    assert out["initiative_id"] == "solution-selling" and out["metric"] == "win-rate"
    assert out["estimate"] > 0
    assert out["ci90"][0] <= PLANTED <= out["ci90"][1]
    assert out["p_value"] < 0.05 and out["detectable_since"] is not None
    assert len(out["comparison"]) == 3 * out["n_treated"]
    assert "win rate +" in out["verdict"] and "90 % interval" in out["verdict"]
    assert len(out["rollout"]) == 3


def test_every_json_key_is_documented(company):
    db, _ = company
    out = _json(["impact", "solution-selling", "--db", db, "--bootstrap", "49", "--format", "json"])
    plan = _json(
        ["impact", "plan", "--members", "T05", "--effect", "0.1", "--db", db, "--format", "json"]
    )
    doc = DOCS.read_text()
    documented = set(re.findall(r"^\| `([a-z0-9_]+)`", doc, flags=re.M))
    assert set(out) <= documented, set(out) - documented
    assert set(plan) <= documented, set(plan) - documented


def test_plan_says_how_many_weeks_an_effect_needs(company):
    db, facts = company
    big = _json(
        [
            "impact",
            "plan",
            "--members",
            "T05,T06",
            "--effect",
            "0.2",
            "--db",
            db,
            "--format",
            "json",
        ]
    )
    small = _json(
        [
            "impact",
            "plan",
            "--members",
            "T05,T06",
            "--effect",
            "0.1",
            "--db",
            db,
            "--format",
            "json",
        ]
    )
    assert big["n_treated"] == 16 and big["periods_to_signal"] is not None
    assert (
        small["periods_to_signal"] is None or small["periods_to_signal"] > big["periods_to_signal"]
    )
    during = _json(
        [
            "impact",
            "plan",
            "--members",
            "T00",
            "--effect",
            "0.1",
            "--start",
            facts["start"].isoformat(),
            "--db",
            db,
            "--format",
            "json",
        ]
    )
    assert during["post_periods_now"] > 0 and during["mde_now"] > 0


def test_initiative_add_and_list(tmp_path, company):
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(company[0], db)
    res = runner.invoke(
        app,
        [
            "initiative",
            "add",
            "Coaching",
            "--members",
            "T04,A0500",
            "--start",
            "2025-05-05",
            "--db",
            str(db),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {
        "initiative_id": "coaching",
        "people": 10,
        "members": ["T04", "A0500"],
        "start": "2025-05-05",
    }
    listed = _json(["initiative", "list", "--db", str(db), "--format", "json"])
    assert [r["initiative_id"] for r in listed] == ["coaching", "solution-selling"]  # by start date


def test_errors_are_clean_exit_1(company):
    db, _ = company
    assert main(["impact", "nope", "--db", db]) == 1
    assert main(["impact", "solution-selling", "--metric", "bogus", "--db", db]) == 1


def test_the_report_writes_an_html_file(company, tmp_path):
    db, _ = company
    out = tmp_path / "impact.html"
    res = runner.invoke(
        app, ["impact", "solution-selling", "--db", db, "--bootstrap", "49", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "Impact of Solution selling" in html and "<svg" in html


def test_whole_teams_can_be_matched(company):
    db, _ = company
    out = _json(
        [
            "impact",
            "solution-selling",
            "--db",
            db,
            "--bootstrap",
            "49",
            "--match-level",
            "team",
            "--format",
            "json",
        ]
    )
    assert len(out["matched_teams"]) == 9  # 3 treated teams x k=3
    assert out["n_comparison"] == 72 and out["ci90"][0] < out["estimate"] < out["ci90"][1]
