"""The ``salesorg comp`` commands, run in-process; JSON keys are stable and documented."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from salesorg.cli import app, main
from salesorg.store import Store

from .conftest import add_deal, base_company

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "salesorg" / "comp" / "examples"
runner = CliRunner()

STATEMENT_KEYS = {
    "person_id",
    "name",
    "plan_id",
    "unit_id",
    "period",
    "period_start",
    "period_end",
    "components",
    "earned",
    "clawback",
    "clawbacks",
    "draw",
    "draw_balance",
    "payable",
    "bookings",
}
COMPONENT_KEYS = {
    "period",
    "component_id",
    "measure",
    "credit",
    "quota",
    "attainment",
    "target_incentive",
    "payout",
    "deals",
}
DEAL_KEYS = {"opportunity_id", "name", "person_id", "booked_on", "share", "credit"}
UNIT_KEYS = {"unit_id", "people", "fixed_cost", "variable_pay", "bookings", "cost_of_sales"}
RUN_KEYS = {
    "period",
    "start",
    "end",
    "currency",
    "statements",
    "units",
    "total_payable",
    "warnings",
}


def _db(tmp_path: Path) -> str:
    db = tmp_path / "c.duckdb"
    with Store.open(db) as s:
        base_company(s)
        add_deal(s, "O1", "A1", "120000.00", "2026-08-03")
        add_deal(s, "O2", "A1", "5000.00", "2026-08-04", deal_type="solution")
    return str(db)


def _ok(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.stdout


def test_plan_add_assign_and_payouts_json_has_the_documented_keys(tmp_path: Path) -> None:
    db = _db(tmp_path)
    _ok(["comp", "plan", "add", str(EXAMPLES / "am_individual.toml"), "--db", db])
    _ok(
        [
            "comp",
            "plan",
            "assign",
            "am-individual",
            "--people",
            "A1,A2",
            "--from",
            "2026-01-01",
            "--db",
            db,
        ]
    )
    plans = json.loads(_ok(["comp", "plan", "list", "--db", db, "--format", "json"]))
    assert plans[0]["plan_id"] == "am-individual" and plans[0]["people"] == 2
    out = json.loads(_ok(["comp", "payouts", "--period", "2026Q3", "--db", db, "--format", "json"]))
    assert set(out) == RUN_KEYS
    st = out["statements"][0]
    assert set(st) == STATEMENT_KEYS
    assert set(st["components"][0]) == COMPONENT_KEYS
    assert set(st["components"][0]["deals"][0]) == DEAL_KEYS
    assert set(out["units"][0]) == UNIT_KEYS
    # A1: bookings 125,000 / 100,000 → f = 0.25 + 0.5 + 2 × 0.25 = 1.25 → 8,000 × 1.25 = 10,000;
    # solution 5,000 / 25,000 = 0.2 < 50 % gate → 0.
    assert st["person_id"] == "A1" and st["payable"] == 10000.0
    assert [c["payout"] for c in st["components"]] == [10000.0, 0.0]


def test_payouts_for_one_person_as_csv(tmp_path: Path) -> None:
    db = _db(tmp_path)
    _ok(["comp", "plan", "add", str(EXAMPLES / "am_individual.toml"), "--db", db])
    _ok(
        [
            "comp",
            "plan",
            "assign",
            "am-individual",
            "--people",
            "A1,A2",
            "--from",
            "2026-01-01",
            "--db",
            db,
        ]
    )
    csv = _ok(
        ["comp", "payouts", "--period", "2026Q3", "--person", "A2", "--db", db, "--format", "csv"]
    )
    lines = csv.strip().splitlines()
    assert lines[0].startswith("person_id,plan_id,period,component_id")
    assert all(line.startswith("A2,") for line in lines[1:])


def test_split_command_refuses_shares_not_summing_to_100(tmp_path: Path) -> None:
    db = _db(tmp_path)
    assert main(["comp", "split", "O1", "--shares", "A1:70,A2:20", "--db", db]) == 1
    assert main(["comp", "split", "O1", "--shares", "A1:70,A2:30", "--db", db]) == 0


def test_bad_plan_file_exits_1_with_the_key(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'plan_id = "b"\note = 1\npay_mix = [50, 60]\n[[components]]\nid="a"\nweight=100\ncommission_rate=1\n'
    )
    assert main(["comp", "plan", "add", str(bad), "--db", str(tmp_path / "x.duckdb")]) == 1
    assert "pay_mix" in capsys.readouterr().err


def test_unknown_period_is_a_clean_error(tmp_path: Path, capsys) -> None:
    assert main(["comp", "payouts", "--period", "Q3", "--db", _db(tmp_path)]) == 1
    assert "2026Q3" in capsys.readouterr().err


def test_compare_writes_a_report_with_both_plans(tmp_path: Path) -> None:
    db = _db(tmp_path)
    for f in ("am_individual.toml", "cell_team.toml"):
        _ok(["comp", "plan", "add", str(EXAMPLES / f), "--db", db])
    _ok(
        [
            "comp",
            "plan",
            "assign",
            "am-individual",
            "--people",
            "A1,A2",
            "--from",
            "2026-01-01",
            "--db",
            db,
        ]
    )
    out = tmp_path / "cmp.html"
    _ok(
        [
            "comp",
            "compare",
            "am-individual",
            "cell-team",
            "--period",
            "2026Q3",
            "--sims",
            "20",
            "--out",
            str(out),
            "--db",
            db,
        ]
    )
    html = out.read_text()
    assert "am-individual" in html and "cell-team" in html and "variable_pay_actual" in html


def test_payouts_with_nobody_on_a_plan_is_a_clear_error(tmp_path):
    from salesorg.cli import main
    from salesorg.store import Store

    db = tmp_path / "empty.duckdb"
    Store.open(db).close()
    assert main(["comp", "payouts", "--period", "2026Q3", "--db", str(db)]) == 1
